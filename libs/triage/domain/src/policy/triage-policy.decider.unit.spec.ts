import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deciderSpec, DomainError, foldEvents } from '@ringback/kernel';
import { defaultTriagePolicy, type TriagePolicyOverride } from '@ringback/triage-policy';
import {
  baseOf,
  seedPolicyCommand,
  triagePolicyDecider,
  type TriagePolicyCommand,
  type TriagePolicyEvent,
} from './triage-policy.decider';
import { triage } from '@ringback/triage-policy';

const spec = deciderSpec(triagePolicyDecider);
const policyId = 'hs-1';
const at = '2026-11-23T18:00:00.000Z';

const seed = seedPolicyCommand(defaultTriagePolicy, {
  policyId,
  changedBy: 'admin-1',
  at,
  reason: 'initial policy',
});
const seedData = seed.data as Extract<TriagePolicyCommand['data'], { scope: 'health_system' }>;
const reseed = (patch: Partial<typeof seedData>): TriagePolicyCommand => ({
  type: 'ConfigureTriagePolicy',
  data: { ...seedData, expectedVersion: undefined, ...patch },
});
const v1: TriagePolicyEvent = triagePolicyDecider.decide(seed, triagePolicyDecider.initialState())[0]!;

const override = (
  scope: 'service_line' | 'location',
  key: string,
  o: TriagePolicyOverride | null,
  extra: Partial<{ expectedVersion: number }> = {},
): TriagePolicyCommand => ({
  type: 'ConfigureTriagePolicy',
  data:
    scope === 'service_line'
      ? { policyId, changedBy: 'admin-1', at, scope, serviceLine: key, override: o, ...extra }
      : { policyId, changedBy: 'admin-1', at, scope, locationId: key, override: o, ...extra },
});

const expectError =
  (code: string) =>
  ({ error, events }: { error?: unknown; events?: TriagePolicyEvent[] }) => {
    assert.equal(events, undefined);
    assert.ok(error instanceof DomainError, String(error));
    assert.equal(error.code, code);
  };

describe('TriagePolicy decider', () => {
  it('seeds the default policy as version 1, identical to defaultTriagePolicy', () => {
    spec
      .given([])
      .when(seed)
      .then(({ events }) => {
        assert.equal(events!.length, 1);
        const e = events![0]!;
        assert.equal(e.type, 'TriagePolicyChanged');
        assert.equal(e.data.version, 1);
        assert.equal(e.data.previousVersion, null);
        assert.equal(e.data.scope, 'health_system');
        assert.deepEqual(e.data.policy, defaultTriagePolicy);
        assert.equal(e.data.reason, 'initial policy');
      });
  });

  it('an override bumps the version to n+1 and changes triage for that scope only', () => {
    const o: TriagePolicyOverride = { intentTiers: { billing: 2 } };
    spec
      .given([v1])
      .when(override('location', 'aurora', o))
      .then(({ events }) => {
        const e = events![0]!;
        assert.equal(e.data.version, 2);
        assert.equal(e.data.previousVersion, 1);
        assert.equal(e.data.scope, 'location');
        assert.equal(e.data.locationId, 'aurora');
        assert.equal(e.data.serviceLine, null);
        assert.deepEqual(e.data.policy.locationOverrides.aurora, o);
        const state = foldEvents(triagePolicyDecider, [v1, e]);
        assert.equal(state.status, 'configured');
        if (state.status !== 'configured') return;
        assert.equal(triage({ intent: 'billing', locationId: 'aurora' }, state.policy).tier, 2);
        assert.equal(triage({ intent: 'billing', locationId: 'aurora' }, state.policy).policyVersion, 2);
        assert.equal(triage({ intent: 'billing', locationId: 'boulder' }, state.policy).tier, 3);
      });
  });

  it('a health-system change keeps the overrides and bumps the version', () => {
    const base = baseOf(defaultTriagePolicy);
    const cmd: TriagePolicyCommand = {
      type: 'ConfigureTriagePolicy',
      data: {
        policyId,
        changedBy: 'admin-2',
        at,
        scope: 'health_system',
        base: { ...base, intentTiers: { ...base.intentTiers, results: 2 } },
      },
    };
    spec
      .given([v1])
      .when(cmd)
      .then(({ events }) => {
        const e = events![0]!;
        assert.equal(e.data.version, 2);
        assert.equal(e.data.policy.intentTiers.results, 2);
        assert.deepEqual(e.data.policy.serviceLineOverrides, defaultTriagePolicy.serviceLineOverrides);
      });
  });

  it('removes an override; removing a missing one or repeating the same change is a no-op', () => {
    spec
      .given([v1])
      .when(override('service_line', 'oncology', null))
      .then(({ events }) => {
        const e = events![0]!;
        assert.equal(e.data.removed, true);
        assert.equal(e.data.serviceLine, 'oncology');
        assert.equal('oncology' in e.data.policy.serviceLineOverrides, false);
      });
    spec
      .given([v1])
      .when(override('service_line', 'dermatology', null))
      .then(({ events }) => assert.deepEqual(events, []));
    spec
      .given([v1])
      .when(override('service_line', 'oncology', defaultTriagePolicy.serviceLineOverrides.oncology!))
      .then(({ events }) => assert.deepEqual(events, []));
  });

  it('refuses overrides before the base exists, stale versions, invalid policies and unknown rules', () => {
    spec
      .given([])
      .when(override('location', 'aurora', {}))
      .then(expectError('policy_not_configured'));
    spec
      .given([v1])
      .when(override('location', 'aurora', { intentTiers: { billing: 2 } }, { expectedVersion: 0 }))
      .then(expectError('policy_version_conflict'));
    spec
      .given([v1])
      .when(override('location', 'aurora', { sla: { tier2: { targetMinutes: -5, mode: 'business' } } }))
      .then(({ error }) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.code, 'invalid_policy');
        assert.ok(error.details.length > 0);
      });
    spec
      .given([v1])
      .when(override('location', 'aurora', { rules: { no_such_rule: { handoffRole: 'MA' } } }))
      .then(expectError('invalid_policy'));
    spec
      .given([v1])
      .when(reseed({ base: { ...baseOf(defaultTriagePolicy), escalationMatrix: [] } }))
      .then(expectError('invalid_policy'));
    spec
      .given([v1])
      .when(reseed({ at: '2026-11-23 18:00' }))
      .then(expectError('invalid_time'));
    spec
      .given([v1])
      .when(reseed({ policyId: 'hs-2' }))
      .then(expectError('policy_id_mismatch'));
  });

  it('the seed is only valid on an empty stream (expectedVersion 0)', () => {
    spec.given([v1]).when(seed).then(expectError('policy_version_conflict'));
  });
});
