import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import type { EventEnvelope } from '@ringback/contracts';
import { deterministicUuidV7 } from '@ringback/kernel';
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
  handoff: { role: string } | null;
}

describe('tasks over the all-in-one process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-tasks-'));
  let rb: RunningRingback;
  const tokens = {} as Record<'admin' | 'westSupervisor' | 'eastSupervisor' | 'harborCoordinator', string>;
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
  const getTask = (taskId: string, tk: string = tokens.admin) =>
    request('GET', `/api/v1/tasks/${taskId}`, { token: tk });
  const list = async (query: string, tk: string = tokens.admin): Promise<TaskBody[]> => {
    const res = await request('GET', `/api/v1/tasks${query}`, { token: tk });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { items: TaskBody[] }).items;
  };
  const append = async (event: EventEnvelope) => {
    const stream = await rb.adapters.eventStore.readStream(event.streamId);
    await rb.adapters.eventStore.appendToStream(event.streamId, [event], {
      expectedRevision: stream.length === 0 ? 'no_stream' : stream.at(-1)!.streamRevision,
    });
  };
  const waitForTask = async (taskId: string, check: (t: TaskBody) => boolean = () => true) => {
    let task: TaskBody | undefined;
    await eventually(async () => {
      const res = await getTask(taskId);
      if (res.status !== 200) return false;
      task = (await res.json()) as TaskBody;
      return check(task);
    });
    return task!;
  };

  // Monday 2026-11-23, 11:50 in Denver: 10 business minutes before lunch, 5 after.
  const lunchCall = inboundContact(
    {
      taskId: 'tk-aurora-lunch',
      providerCallId: 'CA-lunch',
      intent: 'new_patient',
      transcript: 'first visit',
    },
    '2026-11-23T18:50:00.000Z',
  );
  const nowish = new Date(Math.floor(Date.now() / 1000) * 1000);
  const urgentCall = inboundContact(
    {
      taskId: 'tk-aurora-urgent',
      providerCallId: 'CA-urgent',
      from: '+13035550102',
      intent: 'billing',
      transcript: 'My dad has chest pain and his bill is wrong',
    },
    nowish.toISOString(),
  );
  const bostonCall = inboundContact(
    {
      taskId: 'tk-boston-1',
      providerCallId: 'CA-boston',
      locationId: 'boston',
      from: '+16175550100',
      intent: 'records',
    },
    nowish.toISOString(),
  );

  before(async () => {
    rb = await startRingback(dataDir);
    tokens.admin = await token({ role: 'admin' });
    tokens.westSupervisor = await token({ role: 'supervisor', regions: ['west'] });
    tokens.eastSupervisor = await token({ role: 'supervisor', regions: ['east'] });
    tokens.harborCoordinator = await token({ role: 'coordinator', pods: ['pod-harbor'] });
    for (const [id, body] of [
      ['aurora', aurora],
      ['boston', boston],
    ] as const) {
      const res = await request('PUT', `/api/v1/admin/locations/${id}`, { token: tokens.admin, body });
      assert.equal(res.status, 200, await res.clone().text());
    }
    await append(lunchCall);
    await append(urgentCall);
    await append(bostonCall);
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens a Tier 2 task on business minutes across the lunch closure, as the contract shows it', async () => {
    const task = await waitForTask('tk-aurora-lunch');
    assert.deepEqual(Object.keys(task).slice(0, 12), [
      'taskId',
      'locationId',
      'regionId',
      'podId',
      'status',
      'tier',
      'intent',
      'callCount',
      'sla',
      'triage',
      'handoff',
      'assigneeId',
    ]);
    assert.equal(task.locationId, 'aurora');
    assert.equal(task.regionId, 'west');
    assert.equal(task.podId, 'pod-mountain');
    assert.equal(task.status, 'open');
    assert.equal(task.tier, 2);
    assert.equal(task.intent, 'new_patient');
    assert.equal(task.callCount, 1);
    assert.deepEqual(
      { ...task.sla, status: undefined },
      {
        targetMinutes: 15,
        startedAt: '2026-11-23T18:50:00.000Z',
        dueAt: '2026-11-23T20:05:00.000Z',
        status: undefined,
      },
    );
    // The call lies in the past: its clock ran out long ago.
    assert.equal(task.sla.status, 'breached');
    assert.equal(task.triage.rule, 'intent:new_patient');
    assert.equal(task.triage.policyVersion, 1);
    assert.ok(task.triage.reasons.some((r) => r.includes('new_patient')));
    assert.equal(task.handoff, null);
    assert.equal('callerPhone' in task || 'callerName' in task, false);
  });

  it('a symptom phrase makes a Tier 1 task on the wall clock with an RN handoff', async () => {
    const task = await waitForTask('tk-aurora-urgent');
    assert.equal(task.tier, 1);
    assert.equal(task.triage.rule, 'phrase:chest pain');
    assert.deepEqual(task.handoff, { role: 'RN', accepted: false });
    assert.equal(task.sla.targetMinutes, 15);
    assert.equal(task.sla.startedAt, nowish.toISOString());
    assert.equal(task.sla.dueAt, new Date(nowish.getTime() + 15 * 60_000).toISOString());
    assert.equal(task.sla.status, 'on_track');
    assert.match(task.sla.dueAt, /Z$/);
  });

  it('a redelivered call opens no second task; a repeat call joins the open one', async () => {
    await waitForTask('tk-aurora-lunch');
    // The same call again, recorded twice upstream (new event id, same provider call and task).
    await append({ ...lunchCall, eventId: deterministicUuidV7(Date.now(), 'tasks-e2e', 'dup') });
    const repeat = inboundContact(
      {
        taskId: 'tk-aurora-lunch',
        providerCallId: 'CA-lunch-2',
        joinedOpenTask: true,
        callCount: 2,
        intent: 'new_patient',
      },
      '2026-11-23T19:00:00.000Z',
    );
    await append(repeat);
    const task = await waitForTask('tk-aurora-lunch', (t) => t.callCount === 2);
    assert.equal(task.tier, 2);
    assert.equal(task.sla.dueAt, '2026-11-23T20:05:00.000Z');
    const taskEvents = await rb.adapters.eventStore.readStream('task-tk-aurora-lunch');
    assert.deepEqual(
      taskEvents.map((e) => e.envelope.type),
      ['TaskOpened', 'CallJoinedTask'],
    );
    assert.equal(taskEvents[0]!.envelope.causationId, lunchCall.eventId);
    assert.equal(taskEvents[0]!.envelope.correlationId, lunchCall.correlationId);
    const aurorasTasks = await list('?locationId=aurora');
    assert.deepEqual(aurorasTasks.map((t) => t.taskId).sort(), ['tk-aurora-lunch', 'tk-aurora-urgent']);
  });

  it('lists tasks with the locationId, regionId, status and tier filters', async () => {
    await waitForTask('tk-boston-1');
    await waitForTask('tk-aurora-urgent');
    const ids = (items: TaskBody[]) => items.map((t) => t.taskId).sort();
    assert.deepEqual(ids(await list('')), ['tk-aurora-lunch', 'tk-aurora-urgent', 'tk-boston-1']);
    assert.deepEqual(ids(await list('?tier=1')), ['tk-aurora-urgent']);
    assert.deepEqual(ids(await list('?regionId=east')), ['tk-boston-1']);
    assert.deepEqual(ids(await list('?regionId=west&tier=2')), ['tk-aurora-lunch']);
    assert.deepEqual(ids(await list('?status=open&locationId=boston')), ['tk-boston-1']);
    assert.deepEqual(ids(await list('?status=resolved')), []);
    const boston = (await list('?locationId=boston'))[0]!;
    assert.equal(boston.tier, 3);
    assert.equal(boston.triage.rule, 'intent:records');
    assert.equal(boston.sla.targetMinutes, 60);
  });

  it('400 with details for an invalid filter', async () => {
    for (const query of ['?tier=5', '?status=closed', '?colour=blue']) {
      const res = await request('GET', `/api/v1/tasks${query}`, { token: tokens.admin });
      assert.equal(res.status, 400, query);
      const body = (await res.json()) as { error: { code: string; details: unknown[] } };
      assert.ok(body.error.details.length > 0, query);
    }
  });

  it('scope: lists only tasks in scope, and a task outside it reads as 404, like an unknown one', async () => {
    await waitForTask('tk-boston-1');
    const ids = (items: TaskBody[]) => items.map((t) => t.taskId).sort();
    assert.deepEqual(ids(await list('', tokens.westSupervisor)), ['tk-aurora-lunch', 'tk-aurora-urgent']);
    assert.deepEqual(ids(await list('', tokens.eastSupervisor)), ['tk-boston-1']);
    assert.deepEqual(ids(await list('?regionId=east', tokens.westSupervisor)), []);
    assert.deepEqual(ids(await list('', tokens.harborCoordinator)), ['tk-boston-1']);

    assert.equal((await getTask('tk-boston-1', tokens.eastSupervisor)).status, 200);
    const hidden = await getTask('tk-boston-1', tokens.westSupervisor);
    const unknown = await getTask('tk-nope', tokens.westSupervisor);
    assert.equal(hidden.status, 404);
    assert.equal(unknown.status, 404);
    const [a, b] = (await Promise.all([hidden.json(), unknown.json()])) as { error: { code: string } }[];
    assert.equal(a!.error.code, b!.error.code);
  });

  it('401 without a token or with a bad one', async () => {
    assert.equal((await request('GET', '/api/v1/tasks')).status, 401);
    assert.equal((await request('GET', '/api/v1/tasks/tk-aurora-lunch')).status, 401);
    assert.equal((await request('GET', '/api/v1/tasks', { token: 'not-a-jwt' })).status, 401);
  });

  it('documents the task endpoints in the OpenAPI document', async () => {
    const res = await fetch(`${rb.service.url}/api/docs/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/api/v1/tasks']);
    assert.ok(doc.paths['/api/v1/tasks/{taskId}']);
  });
});
