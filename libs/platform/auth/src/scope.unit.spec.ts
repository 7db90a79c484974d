import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@ringback/nest-platform';
import type { AuthUser } from './claims';
import { assertCanRead, assertCanWrite, canRead, canWrite, requireRole, type ScopedResource } from './scope';

const user = (role: AuthUser['role'], scope: Partial<Omit<AuthUser, 'role' | 'sub'>> = {}): AuthUser => ({
  sub: `u-${role}`,
  role,
  regions: [],
  locations: [],
  pods: [],
  ...scope,
});

const aurora: ScopedResource = { locationId: 'aurora', regionId: 'west', podId: 'pod-mountain' };
const boston: ScopedResource = { locationId: 'boston', regionId: 'east', podId: 'pod-harbor' };

describe('scope rules (contract "Authentication and scope")', () => {
  const cases: { name: string; user: AuthUser; resource: ScopedResource; allowed: boolean }[] = [
    { name: 'admin, any location', user: user('admin'), resource: aurora, allowed: true },
    { name: 'admin, another location', user: user('admin'), resource: boston, allowed: true },
    {
      name: 'supervisor, location in its region',
      user: user('supervisor', { regions: ['west'] }),
      resource: aurora,
      allowed: true,
    },
    {
      name: 'supervisor, location in another region',
      user: user('supervisor', { regions: ['west'] }),
      resource: boston,
      allowed: false,
    },
    {
      name: 'supervisor, several regions',
      user: user('supervisor', { regions: ['north', 'east'] }),
      resource: boston,
      allowed: true,
    },
    {
      name: 'supervisor: locations/pods claims grant nothing',
      user: user('supervisor', { locations: ['aurora'], pods: ['pod-mountain'] }),
      resource: aurora,
      allowed: false,
    },
    {
      name: 'coordinator, location served by its pod',
      user: user('coordinator', { pods: ['pod-mountain'] }),
      resource: aurora,
      allowed: true,
    },
    {
      name: 'coordinator, location served by another pod',
      user: user('coordinator', { pods: ['pod-mountain'] }),
      resource: boston,
      allowed: false,
    },
    {
      name: 'coordinator: regions claim grants nothing',
      user: user('coordinator', { regions: ['west'] }),
      resource: aurora,
      allowed: false,
    },
    {
      name: 'clinic_staff, its location',
      user: user('clinic_staff', { locations: ['aurora'] }),
      resource: aurora,
      allowed: true,
    },
    {
      name: 'clinic_staff, another location',
      user: user('clinic_staff', { locations: ['aurora'] }),
      resource: boston,
      allowed: false,
    },
    {
      name: 'clinic_staff: region and pod claims grant nothing',
      user: user('clinic_staff', { regions: ['west'], pods: ['pod-mountain'] }),
      resource: aurora,
      allowed: false,
    },
    { name: 'empty scope lists grant nothing', user: user('supervisor'), resource: aurora, allowed: false },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.allowed ? 'allowed' : 'denied'}`, () => {
      assert.equal(canRead(c.user, c.resource), c.allowed);
      assert.equal(canWrite(c.user, c.resource), c.allowed);
    });
  }

  it('out-of-scope reads answer 404 and writes 403, with the contract body', () => {
    const staff = user('clinic_staff', { locations: ['aurora'] });
    assert.doesNotThrow(() => assertCanRead(staff, aurora));
    assert.doesNotThrow(() => assertCanWrite(staff, aurora));
    assert.throws(
      () => assertCanRead(staff, boston),
      (e: unknown) => e instanceof ApiError && e.getStatus() === 404 && e.code === 'not_found',
    );
    assert.throws(
      () => assertCanRead(staff, boston, () => new ApiError(404, 'location_not_found', 'Unknown location')),
      (e: unknown) => e instanceof ApiError && e.code === 'location_not_found',
    );
    assert.throws(
      () => assertCanWrite(staff, boston),
      (e: unknown) => e instanceof ApiError && e.getStatus() === 403 && e.code === 'forbidden',
    );
  });

  it('requireRole admits the listed roles and answers 403 to the others', () => {
    assert.doesNotThrow(() => requireRole(user('admin'), 'admin'));
    assert.doesNotThrow(() => requireRole(user('supervisor'), 'admin', 'supervisor'));
    for (const role of ['supervisor', 'coordinator', 'clinic_staff'] as const) {
      assert.throws(
        () => requireRole(user(role), 'admin'),
        (e: unknown) => e instanceof ApiError && e.getStatus() === 403,
      );
    }
  });
});
