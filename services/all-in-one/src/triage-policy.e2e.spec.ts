import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import type { EventEnvelope, TriagePolicyChangedV1 } from '@ringback/contracts';
import { eventually } from '@ringback/testing';
import { baseOf, defaultTriagePolicy, type TriagePolicy } from '@ringback/triage-domain';
import {
  E2E_SECRET,
  aurora,
  boston,
  inboundContact,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';

interface TaskBody {
  taskId: string;
  tier: number;
  sla: { targetMinutes: number };
  triage: { policyVersion: number; rule: string; reasons: string[] };
  handoff: { role: string } | null;
}

interface PolicyBody {
  policyId: string;
  version: number;
  policy: TriagePolicy;
}

interface ErrorBody {
  error: { code: string; message: string; details: { field?: string; in?: string }[] };
}

const POLICY = '/api/v1/admin/triage-policy';
const POLICY_STREAM = 'triage_policy-default';

describe('triage-policy admin API over the all-in-one process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-triage-policy-'));
  let rb: RunningRingback;
  const tokens = {} as Record<'admin' | 'westSupervisor' | 'harborCoordinator', string>;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);

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
  const ok = async (res: Response): Promise<PolicyBody> => {
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as PolicyBody;
  };
  const failed = async (res: Response, status: number, code: string): Promise<ErrorBody> => {
    assert.equal(res.status, status, await res.clone().text());
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.error.code, code);
    return body;
  };
  const policyEvents = async () =>
    (await rb.adapters.eventStore.readStream(POLICY_STREAM)).map(
      (r) => r.envelope as EventEnvelope<'TriagePolicyChanged', TriagePolicyChangedV1>,
    );
  const append = async (event: EventEnvelope) => {
    const stream = await rb.adapters.eventStore.readStream(event.streamId);
    await rb.adapters.eventStore.appendToStream(event.streamId, [event], {
      expectedRevision: stream.length === 0 ? 'no_stream' : stream.at(-1)!.streamRevision,
    });
  };
  let calls = 0;
  /** Records a call (as call-ingest would) and waits for the task triage opens for it. */
  const callAndTask = async (
    locationId: 'aurora' | 'boston',
    fields: { intent?: 'records' | null; transcript?: string | null },
  ): Promise<TaskBody> => {
    calls += 1;
    const taskId = `tk-policy-${calls}`;
    await append(
      inboundContact(
        {
          taskId,
          providerCallId: `CA-policy-${calls}`,
          locationId,
          from: `+1303555${String(1000 + calls)}`,
          intent: fields.intent ?? null,
          transcript: fields.transcript ?? null,
        },
        new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
      ),
    );
    let task: TaskBody | undefined;
    await eventually(async () => {
      const res = await request('GET', `/api/v1/tasks/${taskId}`, { token: tokens.admin });
      if (res.status !== 200) return false;
      task = (await res.json()) as TaskBody;
      return true;
    });
    return task!;
  };

  // The change under test: a seizure row in the escalation matrix, and routine calls at 90 minutes.
  const seizureRule = {
    id: 'seizure',
    label: 'seizure',
    path: 'clinical' as const,
    patterns: [
      { text: 'seizure*', lang: 'en' },
      { text: 'convulsion*', lang: 'en' },
    ],
    handoffRole: 'RN' as const,
    escalationMinutes: 10,
    requiredDocumentation: ['callback_number_verified', 'caller_words_verbatim'],
  };
  const newBase = {
    ...baseOf(defaultTriagePolicy),
    sla: { ...defaultTriagePolicy.sla, tier3: { targetMinutes: 90, mode: 'business' as const } },
    escalationMatrix: [...defaultTriagePolicy.escalationMatrix, seizureRule],
  };
  const bostonOverride = { sla: { tier3: { targetMinutes: 30, mode: 'business' } } };

  before(async () => {
    rb = await startRingback(dataDir);
    tokens.admin = await token({ role: 'admin', sub: 'admin-ada' });
    tokens.westSupervisor = await token({ role: 'supervisor', regions: ['west'] });
    tokens.harborCoordinator = await token({ role: 'coordinator', pods: ['pod-harbor'] });
    for (const [id, body] of [
      ['aurora', aurora],
      ['boston', boston],
    ] as const) {
      const res = await request('PUT', `/api/v1/admin/locations/${id}`, { token: tokens.admin, body });
      assert.equal(res.status, 200, await res.clone().text());
    }
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('before any change: version 0 with the default policy, which tasks name as version 1', async () => {
    const res = await request('GET', POLICY, { token: tokens.westSupervisor });
    assert.equal(res.headers.get('etag'), '"0"');
    assert.deepEqual(await ok(res), { policyId: 'default', version: 0, policy: defaultTriagePolicy });
    const before = await callAndTask('aurora', { transcript: 'my son had a seizure this morning' });
    assert.deepEqual([before.tier, before.triage.rule, before.triage.policyVersion], [3, 'default', 1]);
    assert.equal(before.sla.targetMinutes, 60);
  });

  it('401 without a token, 403 for roles other than admin (supervisors may only read)', async () => {
    await failed(await request('GET', POLICY), 401, 'unauthorized');
    await failed(await request('PUT', POLICY, { body: newBase }), 401, 'unauthorized');
    await failed(await request('GET', POLICY, { token: tokens.harborCoordinator }), 403, 'forbidden');
    for (const tk of [tokens.harborCoordinator, tokens.westSupervisor]) {
      await failed(await request('PUT', POLICY, { token: tk, body: newBase }), 403, 'forbidden');
      await failed(
        await request('PUT', `${POLICY}/locations/boston`, { token: tk, body: bostonOverride }),
        403,
        'forbidden',
      );
      await failed(
        await request('DELETE', `${POLICY}/service-lines/oncology`, { token: tk }),
        403,
        'forbidden',
      );
    }
    assert.equal((await policyEvents()).length, 0);
  });

  it('400 validation_failed with field details for bad input, and nothing recorded', async () => {
    const badBase = await failed(
      await request('PUT', POLICY, {
        token: tokens.admin,
        body: {
          ...newBase,
          sla: { ...newBase.sla, tier3: { targetMinutes: 0, mode: 'business' } },
          escalationMatrix: [{ ...seizureRule, patterns: [{ text: '*', lang: 'en' }] }],
          colour: 'blue',
        },
      }),
      400,
      'validation_failed',
    );
    const fields = badBase.error.details.map((d) => d.field);
    for (const field of ['sla.tier3.targetMinutes', 'escalationMatrix.0.patterns.0.text', 'colour'])
      assert.ok(fields.includes(field), `${field} in ${JSON.stringify(fields)}`);
    assert.ok(badBase.error.details.every((d) => d.in === 'body'));

    // Valid in shape, but names a rule that does not exist: the decider's refusal, as a 400 too.
    const unknownRule = await failed(
      await request('PUT', `${POLICY}/locations/boston`, {
        token: tokens.admin,
        body: { rules: { no_such_rule: { escalationMinutes: 5 } } },
      }),
      400,
      'validation_failed',
    );
    assert.deepEqual(
      unknownRule.error.details.map((d) => d.field),
      ['rules.no_such_rule'],
    );
    const badLine = await failed(
      await request('PUT', `${POLICY}/service-lines/Not-Snake`, { token: tokens.admin, body: {} }),
      400,
      'validation_failed',
    );
    assert.deepEqual(
      badLine.error.details.map((d) => [d.field, d.in]),
      [['serviceLine', 'param']],
    );
    await failed(
      await request('PUT', POLICY, { token: tokens.admin, body: newBase, headers: { 'if-match': 'soon' } }),
      400,
      'validation_failed',
    );
    assert.equal((await policyEvents()).length, 0);
  });

  it('a PUT of the base records the default as version 1 and the change as version 2', async () => {
    const res = await request('PUT', POLICY, {
      token: tokens.admin,
      body: {
        ...newBase,
        reason: 'seizures go to the nurse line; routine calls within 90 minutes',
        expectedVersion: 0,
      },
      headers: { 'x-correlation-id': 'policy-change-1' },
    });
    assert.equal(res.headers.get('x-correlation-id'), 'policy-change-1');
    assert.equal(res.headers.get('etag'), '"2"');
    const body = await ok(res);
    assert.equal(body.version, 2);
    assert.equal(body.policy.version, 2);
    assert.equal(body.policy.sla.tier3.targetMinutes, 90);
    assert.deepEqual(body.policy.escalationMatrix.at(-1), seizureRule);
    assert.deepEqual(body.policy.serviceLineOverrides, defaultTriagePolicy.serviceLineOverrides);
    assert.deepEqual(await ok(await request('GET', POLICY, { token: tokens.admin })), body);

    const events = await policyEvents();
    assert.deepEqual(
      events.map((e) => [e.type, e.data.version, e.data.scope, e.data.changedBy, e.correlationId]),
      [
        ['TriagePolicyChanged', 1, 'health_system', 'admin-ada', 'policy-change-1'],
        ['TriagePolicyChanged', 2, 'health_system', 'admin-ada', 'policy-change-1'],
      ],
    );
    assert.deepEqual(events[0]!.data.policy, defaultTriagePolicy);
    assert.equal(events[1]!.data.reason, 'seizures go to the nurse line; routine calls within 90 minutes');
  });

  it('calls recorded afterwards are triaged with the new version', async () => {
    const seizure = await callAndTask('aurora', { transcript: 'my son had a seizure this morning' });
    assert.equal(seizure.tier, 1);
    assert.equal(seizure.triage.rule, 'phrase:seizure');
    assert.equal(seizure.triage.policyVersion, 2);
    assert.equal(seizure.sla.targetMinutes, 10);
    assert.deepEqual(seizure.handoff, { role: 'RN', accepted: false });

    const records = await callAndTask('boston', { intent: 'records' });
    assert.deepEqual(
      [records.tier, records.triage.rule, records.triage.policyVersion],
      [3, 'intent:records', 2],
    );
    assert.equal(records.sla.targetMinutes, 90);
  });

  it('409 version_conflict for a stale expectedVersion or If-Match, and nothing recorded', async () => {
    const stale = await failed(
      await request('PUT', POLICY, {
        token: tokens.admin,
        body: { ...newBase, defaultTier: 2, expectedVersion: 0 },
      }),
      409,
      'version_conflict',
    );
    assert.deepEqual(stale.error.details, [{ expectedVersion: 0, actualVersion: 2 }]);
    await failed(
      await request('PUT', `${POLICY}/locations/boston`, {
        token: tokens.admin,
        body: bostonOverride,
        headers: { 'if-match': '"1"' },
      }),
      409,
      'version_conflict',
    );
    assert.equal((await policyEvents()).length, 2);
  });

  it('a location override applies to that location only; the same override again records nothing', async () => {
    const put = () =>
      request('PUT', `${POLICY}/locations/boston`, {
        token: tokens.admin,
        body: { ...bostonOverride, reason: 'Back Bay calls back routine calls within 30 minutes' },
        headers: { 'if-match': '"2"' },
      });
    const body = await ok(await put());
    assert.equal(body.version, 3);
    assert.deepEqual(body.policy.locationOverrides, { boston: bostonOverride });

    const atBoston = await callAndTask('boston', { intent: 'records' });
    assert.deepEqual([atBoston.triage.policyVersion, atBoston.sla.targetMinutes], [3, 30]);
    assert.ok(
      atBoston.triage.reasons.some((r) => r.includes('location boston override')),
      atBoston.triage.reasons.join(' | '),
    );
    const atAurora = await callAndTask('aurora', { intent: 'records' });
    assert.deepEqual([atAurora.triage.policyVersion, atAurora.sla.targetMinutes], [3, 90]);

    // No-op: 200 with the current version, nothing appended.
    const again = await request('PUT', `${POLICY}/locations/boston`, {
      token: tokens.admin,
      body: bostonOverride,
    });
    assert.equal((await ok(again)).version, 3);
    assert.equal((await policyEvents()).length, 3);
    assert.equal((await policyEvents()).at(-1)!.locationId, 'boston');
  });

  it('DELETE removes an override (absent: a no-op answering the current version)', async () => {
    const removed = await ok(await request('DELETE', `${POLICY}/locations/boston`, { token: tokens.admin }));
    assert.equal(removed.version, 4);
    assert.deepEqual(removed.policy.locationOverrides, {});
    const atBoston = await callAndTask('boston', { intent: 'records' });
    assert.deepEqual([atBoston.triage.policyVersion, atBoston.sla.targetMinutes], [4, 90]);
    assert.equal(
      (await ok(await request('DELETE', `${POLICY}/locations/boston`, { token: tokens.admin }))).version,
      4,
    );

    const oncology = await ok(
      await request('DELETE', `${POLICY}/service-lines/oncology`, {
        token: tokens.admin,
        body: { reason: 'no oncology clinics', expectedVersion: 4 },
      }),
    );
    assert.equal(oncology.version, 5);
    assert.deepEqual(Object.keys(oncology.policy.serviceLineOverrides).sort(), [
      'behavioral_health',
      'pediatrics',
    ]);
    const last = (await policyEvents()).at(-1)!;
    assert.deepEqual(
      [last.data.scope, last.data.serviceLine, last.data.removed, last.data.reason],
      ['service_line', 'oncology', true, 'no oncology clinics'],
    );

    const line = await ok(
      await request('PUT', `${POLICY}/service-lines/primary_care`, {
        token: tokens.admin,
        body: { intentTiers: { records: 2 } },
      }),
    );
    assert.equal(line.version, 6);
    // Aurora's one service line is primary_care: records calls there are now Tier 2.
    const atAurora = await callAndTask('aurora', { intent: 'records' });
    assert.deepEqual([atAurora.tier, atAurora.triage.policyVersion, atAurora.sla.targetMinutes], [2, 6, 15]);
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const res = await fetch(`${rb.service.url}/api/docs/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(doc.paths[POLICY] ?? {}).sort(), ['get', 'put']);
    assert.deepEqual(Object.keys(doc.paths[`${POLICY}/service-lines/{serviceLine}`] ?? {}).sort(), [
      'delete',
      'put',
    ]);
    assert.deepEqual(Object.keys(doc.paths[`${POLICY}/locations/{locationId}`] ?? {}).sort(), [
      'delete',
      'put',
    ]);
  });
});
