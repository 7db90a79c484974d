import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import { isUuidV7 } from '@ringback/kernel';
import { E2E_SECRET, startRingback, type RunningRingback } from './test-fixtures/all-in-one.harness';

interface ErrorBody {
  error: { code: string; message: string; details: { field?: string; in?: string }[] };
}

const aurora = {
  name: 'Aurora Family Medicine',
  regionId: 'west',
  podId: 'pod-mountain',
  timezone: 'America/Denver',
  hours: {
    mon: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    tue: [['08:00', '17:00']],
    wed: [],
    thu: [],
    fri: [],
    sat: [],
    sun: [],
  },
  holidays: ['2026-12-25'],
  serviceLines: ['primary_care'],
};

const boston = {
  name: 'Back Bay Cardiology',
  regionId: 'east',
  podId: 'pod-harbor',
  timezone: 'America/New_York',
  hours: { mon: [['09:00', '17:00']] },
};

describe('locations (admin) over the all-in-one process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-locations-'));
  let rb: RunningRingback;
  const tokens = {} as Record<
    'admin' | 'coordinator' | 'westSupervisor' | 'eastSupervisor' | 'auroraStaff',
    string
  >;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);

  before(async () => {
    rb = await startRingback(dataDir);
    tokens.admin = await token({ role: 'admin' });
    tokens.coordinator = await token({ role: 'coordinator', pods: ['pod-mountain'] });
    tokens.westSupervisor = await token({ role: 'supervisor', regions: ['west'] });
    tokens.eastSupervisor = await token({ role: 'supervisor', regions: ['east'] });
    tokens.auroraStaff = await token({ role: 'clinic_staff', locations: ['aurora'] });
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const request = (
    method: string,
    url: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${rb.service.url}${url}`, {
      method,
      headers: {
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
  /** `tk` null sends no Authorization header. */
  const put = (
    id: string,
    body: unknown,
    tk: string | null = tokens.admin,
    headers: Record<string, string> = {},
  ) => request('PUT', `/api/v1/admin/locations/${id}`, { body, ...(tk ? { token: tk } : {}), headers });
  const getAdmin = (id: string) => request('GET', `/api/v1/admin/locations/${id}`, { token: tokens.admin });
  const visibleTo = async (tk: string) => {
    const res = await request('GET', '/api/v1/locations', { token: tk });
    assert.equal(res.status, 200);
    return ((await res.json()) as { items: { locationId: string }[] }).items.map((l) => l.locationId);
  };

  it('PUT by an admin answers 200 version 1 and records one LocationConfigured with the request metadata', async () => {
    const res = await put('aurora', aurora, tokens.admin, { 'X-Correlation-Id': 'corr-aurora-1' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { locationId: 'aurora', version: 1 });
    assert.equal(res.headers.get('x-correlation-id'), 'corr-aurora-1');
    const stream = await rb.adapters.eventStore.readStream('location-aurora');
    assert.equal(stream.length, 1);
    const event = stream[0]!.envelope;
    assert.equal(event.type, 'LocationConfigured');
    assert.equal(event.correlationId, 'corr-aurora-1');
    assert.equal(event.locationId, 'aurora');
    assert.ok(isUuidV7(event.eventId));
    assert.equal((event.data as { version: number }).version, 1);
  });

  it('the same body again answers version 1 and appends nothing (idempotent PUT)', async () => {
    const head = await rb.adapters.eventStore.headPosition();
    const res = await put('aurora', structuredClone(aurora));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { locationId: 'aurora', version: 1 });
    assert.equal(await rb.adapters.eventStore.headPosition(), head);
  });

  it('a changed body answers version 2, and GET returns the new configuration right away', async () => {
    const changed = {
      ...aurora,
      hours: { ...aurora.hours, wed: [['08:00', '12:00']] },
      holidays: ['2026-12-25', '2027-01-01'],
    };
    const res = await put('aurora', changed);
    assert.deepEqual(await res.json(), { locationId: 'aurora', version: 2 });
    const got = await getAdmin('aurora');
    assert.equal(got.status, 200);
    const body = (await got.json()) as Record<string, unknown>;
    assert.equal(body['version'], 2);
    assert.deepEqual((body['hours'] as Record<string, unknown>)['wed'], [['08:00', '12:00']]);
    assert.deepEqual(body['holidays'], ['2026-12-25', '2027-01-01']);
    assert.equal(body['regionId'], 'west');
    assert.match(String(body['updatedAt']), /Z$/);
    assert.equal((await put('boston', boston)).status, 200);
  });

  const invalid: { name: string; body: unknown; field: string }[] = [
    { name: 'an unknown time zone', body: { ...aurora, timezone: 'America/Atlantis' }, field: 'timezone' },
    {
      name: 'overlapping intervals',
      body: {
        ...aurora,
        hours: {
          mon: [
            ['08:00', '12:00'],
            ['11:30', '17:00'],
          ],
        },
      },
      field: 'hours.mon.1',
    },
    {
      name: 'unordered intervals',
      body: {
        ...aurora,
        hours: {
          mon: [
            ['13:00', '17:00'],
            ['08:00', '12:00'],
          ],
        },
      },
      field: 'hours.mon.1',
    },
    {
      name: 'an interval ending before it starts',
      body: { ...aurora, hours: { tue: [['17:00', '08:00']] } },
      field: 'hours.tue.0',
    },
    { name: 'an impossible date', body: { ...aurora, holidays: ['2026-02-30'] }, field: 'holidays.0' },
    { name: 'a date that is not one', body: { ...aurora, holidays: ['12/25/2026'] }, field: 'holidays.0' },
    { name: 'a missing name', body: { ...aurora, name: undefined }, field: 'name' },
    { name: 'an unknown field', body: { ...aurora, holiday: ['2026-12-25'] }, field: 'holiday' },
  ];
  for (const c of invalid) {
    it(`400 with field-level details for ${c.name}, nothing appended`, async () => {
      const head = await rb.adapters.eventStore.headPosition();
      const res = await put('aurora', c.body);
      assert.equal(res.status, 400);
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.error.code, 'validation_failed');
      const fields = body.error.details.map((d) => `${d.in}:${d.field}`);
      assert.ok(fields.includes(`body:${c.field}`), `${JSON.stringify(fields)} should name body:${c.field}`);
      assert.equal(await rb.adapters.eventStore.headPosition(), head);
      assert.equal(((await (await getAdmin('aurora')).json()) as { version: number }).version, 2);
    });
  }

  it('400 for a location id that cannot be one, naming the path parameter', async () => {
    const head = await rb.adapters.eventStore.headPosition();
    const res = await put(encodeURIComponent('bad id!'), aurora);
    assert.equal(res.status, 400);
    const body = (await res.json()) as ErrorBody;
    assert.deepEqual(
      body.error.details.map((d) => `${d.in}:${d.field}`),
      ['param:locationId'],
    );
    assert.equal(await rb.adapters.eventStore.headPosition(), head);
  });

  it('401 without a token or with a bad one; 403 for a coordinator or a supervisor', async () => {
    const head = await rb.adapters.eventStore.headPosition();
    const none = await put('aurora', { ...aurora, name: 'x' }, null);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as ErrorBody).error.code, 'unauthorized');
    const forged = await put('aurora', { ...aurora, name: 'x' }, `${tokens.admin.slice(0, -4)}AAAA`);
    assert.equal(forged.status, 401);
    const coordinator = await put('aurora', { ...aurora, name: 'x' }, tokens.coordinator);
    assert.equal(coordinator.status, 403);
    assert.equal(((await coordinator.json()) as ErrorBody).error.code, 'forbidden');
    const invalidButForbidden = await put('aurora', { timezone: 'nope' }, tokens.westSupervisor);
    assert.equal(invalidButForbidden.status, 403, 'role is checked before the body');
    const adminGet = await request('GET', '/api/v1/admin/locations/aurora', {
      token: tokens.westSupervisor,
    });
    assert.equal(adminGet.status, 403);
    assert.equal((await request('GET', '/api/v1/locations')).status, 401);
    assert.equal(await rb.adapters.eventStore.headPosition(), head);
  });

  it('GET /api/v1/locations lists only the locations in the caller’s scope', async () => {
    assert.deepEqual(await visibleTo(tokens.admin), ['aurora', 'boston']);
    assert.deepEqual(await visibleTo(tokens.westSupervisor), ['aurora']);
    assert.deepEqual(await visibleTo(tokens.eastSupervisor), ['boston']);
    assert.deepEqual(await visibleTo(tokens.coordinator), ['aurora']);
    assert.deepEqual(await visibleTo(tokens.auroraStaff), ['aurora']);
    assert.deepEqual(await visibleTo(await token({ role: 'supervisor', regions: [] })), []);
    const filtered = await request('GET', '/api/v1/locations?regionId=east', { token: tokens.admin });
    assert.deepEqual(
      ((await filtered.json()) as { items: { locationId: string }[] }).items.map((l) => l.locationId),
      ['boston'],
    );
  });

  it('a location outside the scope reads as 404, like one that does not exist', async () => {
    const inScope = await request('GET', '/api/v1/locations/aurora', { token: tokens.westSupervisor });
    assert.equal(inScope.status, 200);
    const outOfScope = await request('GET', '/api/v1/locations/boston', { token: tokens.westSupervisor });
    const missing = await request('GET', '/api/v1/locations/nowhere', { token: tokens.westSupervisor });
    assert.equal(outOfScope.status, 404);
    assert.equal(missing.status, 404);
    const a = (await outOfScope.json()) as ErrorBody;
    const b = (await missing.json()) as ErrorBody;
    assert.equal(a.error.code, 'location_not_found');
    assert.equal(b.error.code, 'location_not_found');
    assert.equal((await getAdmin('nowhere')).status, 404);
  });

  it('serves an OpenAPI 3.1 document of these endpoints and an HTML index', async () => {
    const res = await fetch(`${rb.service.url}/api/docs/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
            responses: Record<string, unknown>;
          }
        >
      >;
    };
    assert.equal(doc.openapi, '3.1.0');
    const putOp = doc.paths['/api/v1/admin/locations/{locationId}']?.['put'];
    assert.ok(putOp);
    assert.ok(putOp.requestBody?.content['application/json']?.schema.properties['timezone']);
    assert.deepEqual(Object.keys(putOp.responses).sort(), ['200', '400', '401', '403', '413', '415', '429']);
    assert.ok(doc.paths['/api/v1/locations']?.['get']);
    assert.ok(doc.paths['/healthz']?.['get']);
    const html = await fetch(`${rb.service.url}/api/docs`);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await html.text(), /\/api\/v1\/admin\/locations\/\{locationId\}/);
  });

  it(
    'after a restart on the same DATA_DIR the read model is rebuilt from the events',
    { timeout: 60_000 },
    async () => {
      await rb.service.close();
      rb = await startRingback(dataDir);
      const deadline = Date.now() + 10_000;
      let res = await getAdmin('aurora');
      while (res.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        res = await getAdmin('aurora');
      }
      assert.equal(res.status, 200);
      const body = (await res.json()) as { version: number; hours: Record<string, unknown> };
      assert.equal(body.version, 2);
      assert.deepEqual(body.hours['wed'], [['08:00', '12:00']]);
      assert.deepEqual(await visibleTo(tokens.eastSupervisor), ['boston']);
      const again = await put('aurora', {
        ...aurora,
        hours: { ...aurora.hours, wed: [['08:00', '12:00']] },
        holidays: ['2027-01-01', '2026-12-25'],
      });
      assert.deepEqual(await again.json(), { locationId: 'aurora', version: 2 });
    },
  );
});
