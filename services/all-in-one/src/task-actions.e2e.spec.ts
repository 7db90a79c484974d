import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import type { EventEnvelope } from '@ringback/contracts';
import { eventually } from '@ringback/testing';
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
  locationId: string;
  regionId: string;
  podId: string;
  status: string;
  tier: number;
  intent: string | null;
  callCount: number;
  sla: { targetMinutes: number; startedAt: string; dueAt: string; status: string };
  triage: { policyVersion: number; rule: string; reasons: string[] };
  handoff: { role: string; accepted: boolean } | null;
  assigneeId: string | null;
  attemptCount: number;
}

interface AttemptBody extends TaskBody {
  attemptNumber: number;
  nextAttemptAt: string | null;
  retriesExhausted: boolean;
}

interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

describe('coordinator actions on tasks over the all-in-one process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-task-actions-'));
  let rb: RunningRingback;
  const tokens = {} as Record<
    'admin' | 'coordinator' | 'otherCoordinator' | 'harborCoordinator' | 'clinicStaff' | 'supervisor',
    string
  >;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);

  const request = (method: string, url: string, opts: { token?: string; body?: unknown } = {}) =>
    fetch(`${rb.service.url}${url}`, {
      method,
      headers: {
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
  const act = (taskId: string, action: string, body?: unknown, tk: string = tokens.coordinator) =>
    request('POST', `/api/v1/tasks/${taskId}/${action}`, {
      token: tk,
      ...(body === undefined ? {} : { body }),
    });
  const ok = async <T = TaskBody>(res: Response): Promise<T> => {
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as T;
  };
  const fails = async (res: Response, status: number, code?: string): Promise<ErrorBody> => {
    assert.equal(res.status, status, await res.clone().text());
    const body = (await res.json()) as ErrorBody;
    if (code) assert.equal(body.error.code, code);
    return body;
  };
  const append = async (event: EventEnvelope) => {
    const stream = await rb.adapters.eventStore.readStream(event.streamId);
    await rb.adapters.eventStore.appendToStream(event.streamId, [event], {
      expectedRevision: stream.length === 0 ? 'no_stream' : stream.at(-1)!.streamRevision,
    });
  };
  const waitForTask = async (taskId: string) => {
    await eventually(async () => {
      const res = await request('GET', `/api/v1/tasks/${taskId}`, { token: tokens.admin });
      return res.status === 200;
    });
  };

  const nowish = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const calls = [
    inboundContact(
      { taskId: 'tk-flow', providerCallId: 'CA-flow', intent: 'new_patient', from: '+13035550111' },
      nowish,
    ),
    inboundContact(
      {
        taskId: 'tk-urgent',
        providerCallId: 'CA-urgent',
        from: '+13035550112',
        intent: 'billing',
        transcript: 'My dad has chest pain',
      },
      nowish,
    ),
    inboundContact(
      { taskId: 'tk-retries', providerCallId: 'CA-retries', intent: 'records', from: '+13035550113' },
      nowish,
    ),
    inboundContact(
      { taskId: 'tk-scope', providerCallId: 'CA-scope', intent: 'records', from: '+13035550114' },
      nowish,
    ),
  ];

  before(async () => {
    rb = await startRingback(dataDir);
    tokens.admin = await token({ role: 'admin' });
    tokens.coordinator = await token({ role: 'coordinator', sub: 'coord-ann', pods: ['pod-mountain'] });
    tokens.otherCoordinator = await token({ role: 'coordinator', sub: 'coord-bo', pods: ['pod-mountain'] });
    tokens.harborCoordinator = await token({ role: 'coordinator', sub: 'coord-cy', pods: ['pod-harbor'] });
    tokens.clinicStaff = await token({ role: 'clinic_staff', sub: 'staff-di', locations: ['aurora'] });
    tokens.supervisor = await token({ role: 'supervisor', sub: 'sup-ed', regions: ['west'] });
    for (const [id, body] of [
      ['aurora', aurora],
      ['boston', boston],
    ] as const) {
      const res = await request('PUT', `/api/v1/admin/locations/${id}`, { token: tokens.admin, body });
      assert.equal(res.status, 200, await res.clone().text());
    }
    for (const call of calls) await append(call);
    for (const call of calls) await waitForTask(call.data.taskId);
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('claim → attempt (no answer) → attempt (booked) → resolve → reopen', async () => {
    const claimed = await ok(await act('tk-flow', 'claim'));
    assert.equal(claimed.status, 'assigned');
    assert.equal(claimed.assigneeId, 'coord-ann');
    // Someone else cannot work it, nor claim it.
    await fails(
      await act('tk-flow', 'claim', undefined, tokens.otherCoordinator),
      409,
      'task_already_assigned',
    );
    await fails(
      await act('tk-flow', 'attempts', { outcome: 'busy' }, tokens.otherCoordinator),
      422,
      'not_assignee',
    );

    const missed = await ok<AttemptBody>(await act('tk-flow', 'attempts', { outcome: 'no_answer' }));
    assert.equal(missed.attemptCount, 1);
    assert.equal(missed.attemptNumber, 1);
    // The retry goes back to the queue, to whoever is free at its time.
    assert.equal(missed.status, 'open');
    assert.equal(missed.assigneeId, null);
    assert.ok(missed.nextAttemptAt);
    assert.match(missed.nextAttemptAt, /Z$/);
    assert.ok(Date.parse(missed.nextAttemptAt) > Date.parse(nowish));
    assert.equal(missed.retriesExhausted, false);
    await fails(await act('tk-flow', 'attempts', { outcome: 'busy' }), 422, 'task_not_assigned');
    await ok(await act('tk-flow', 'claim'));

    const booked = await ok<AttemptBody>(
      await act('tk-flow', 'attempts', { outcome: 'reached_booked', notes: 'booked Tue 9:00' }),
    );
    assert.equal(booked.attemptCount, 2);
    assert.equal(booked.nextAttemptAt, null);
    assert.equal(booked.retriesExhausted, false);
    assert.equal(booked.status, 'in_progress');
    assert.equal(booked.sla.status, 'met');

    const resolved = await ok(await act('tk-flow', 'resolve', { resolution: 'booked' }));
    assert.equal(resolved.status, 'resolved');
    await fails(await act('tk-flow', 'resolve', { resolution: 'booked' }), 409, 'already_resolved');

    const reopened = await ok(await act('tk-flow', 'reopen', { reason: 'the patient called to cancel' }));
    assert.equal(reopened.status, 'open');
    assert.equal(reopened.assigneeId, null);

    const read = await ok(await request('GET', '/api/v1/tasks/tk-flow', { token: tokens.coordinator }));
    assert.equal(read.status, 'open');
    const types = (await rb.adapters.eventStore.readStream('task-tk-flow')).map((e) => e.envelope.type);
    assert.deepEqual(types, [
      'TaskOpened',
      'TaskClaimed',
      'CallbackAttemptRecorded',
      'TaskRequeued',
      'TaskClaimed',
      'CallbackAttemptRecorded',
      'SlaStopped',
      'TaskResolved',
      'TaskReopened',
    ]);
  });

  it('a Tier 1 task is not resolved before a clinical handoff; escalate, accept, then resolve', async () => {
    await fails(
      await act('tk-urgent', 'resolve', { resolution: 'resolved' }),
      422,
      'clinical_handoff_required',
    );
    const escalated = await ok(
      await act('tk-urgent', 'escalate', { role: 'RN', reason: 'chest pain reported' }, tokens.supervisor),
    );
    assert.equal(escalated.status, 'escalated');
    assert.deepEqual(escalated.handoff, { role: 'RN', accepted: false });
    await fails(
      await act('tk-urgent', 'escalate', { role: 'RN', reason: 'again' }),
      409,
      'already_escalated',
    );
    const accepted = await ok(await act('tk-urgent', 'handoff/accept', undefined, tokens.supervisor));
    assert.deepEqual(accepted.handoff, { role: 'RN', accepted: true });
    assert.equal(accepted.sla.status, 'met');
    const resolved = await ok(await act('tk-urgent', 'resolve', { resolution: 'handled_clinically' }));
    assert.equal(resolved.status, 'resolved');
  });

  it('three failed attempts exhaust the retries: the task closes as unreachable with its follow-up', async () => {
    const next: number[] = [];
    for (const [i, outcome] of (['no_answer', 'voicemail_left', 'busy'] as const).entries()) {
      await ok(await act('tk-retries', 'claim'));
      const a = await ok<AttemptBody>(
        await act('tk-retries', 'attempts', { outcome, ...(i === 2 ? { followUp: 'letter' } : {}) }),
      );
      assert.equal(a.attemptNumber, i + 1);
      assert.equal(a.retriesExhausted, i === 2);
      if (i < 2) {
        assert.equal(a.status, 'open');
        assert.ok(a.nextAttemptAt);
        next.push(Date.parse(a.nextAttemptAt));
      } else {
        assert.equal(a.status, 'unreachable');
        assert.equal(a.nextAttemptAt, null);
      }
    }
    assert.ok(next[0]! <= next[1]!);
    const stream = (await rb.adapters.eventStore.readStream('task-tk-retries')).map((e) => e.envelope);
    const marked = stream.find((e) => e.type === 'TaskMarkedUnreachable');
    assert.equal((marked?.data as { followUpChannel?: string }).followUpChannel, 'letter');
    await fails(await act('tk-retries', 'unreachable', { followUp: 'sms' }), 409, 'already_unreachable');
  });

  it('403 for clinic_staff and for a coordinator outside the task’s pods; 404 for an unknown task', async () => {
    await fails(await act('tk-scope', 'claim', undefined, tokens.clinicStaff), 403, 'forbidden');
    await fails(await act('tk-scope', 'claim', undefined, tokens.harborCoordinator), 403, 'forbidden');
    await fails(await act('tk-nope', 'claim'), 404, 'task_not_found');
    await fails(await act('tk-nope', 'claim', undefined, tokens.harborCoordinator), 404, 'task_not_found');
    const untouched = await ok(await request('GET', '/api/v1/tasks/tk-scope', { token: tokens.admin }));
    assert.equal(untouched.status, 'open');
  });

  it('400 with field details for a bad body', async () => {
    const cases: [string, unknown][] = [
      ['attempts', { outcome: 'maybe' }],
      ['attempts', {}],
      ['escalate', { role: 'surgeon', reason: 'x' }],
      ['escalate', { role: 'RN' }],
      ['resolve', { resolution: 'done', extra: 1 }],
      ['unreachable', { followUp: 'pigeon' }],
      ['reopen', { reason: '   ' }],
    ];
    for (const [action, body] of cases) {
      const res = await act('tk-scope', action, body);
      const error = await fails(res, 400);
      assert.ok(error.error.details.length > 0, `${action} ${JSON.stringify(body)}`);
    }
  });

  it('401 without a token or with a bad one', async () => {
    assert.equal((await request('POST', '/api/v1/tasks/tk-scope/claim')).status, 401);
    assert.equal((await request('POST', '/api/v1/tasks/tk-scope/claim', { token: 'not-a-jwt' })).status, 401);
  });

  it('documents the action endpoints in the OpenAPI document', async () => {
    const res = await fetch(`${rb.service.url}/api/docs/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    for (const action of [
      'claim',
      'attempts',
      'escalate',
      'handoff/accept',
      'resolve',
      'unreachable',
      'reopen',
    ])
      assert.ok(doc.paths[`/api/v1/tasks/{taskId}/${action}`], action);
  });
});
