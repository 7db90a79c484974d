import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PHI_REDACTED, type EventEnvelope } from '@ringback/contracts';
import { VirtualClock } from '@ringback/kernel';
import { InMemoryReadModelStore } from '@ringback/in-memory';
import type { ReadModelDoc } from '@ringback/platform-core';
import {
  TASKS_COLLECTION,
  TASK_CALLERS_COLLECTION,
  tasksProjection,
  type TaskCallerDoc,
  type TaskDoc,
} from './tasks.projection';
import { TasksReadModel } from './tasks.read-model';

let n = 0;
const envelope = (type: string, streamId: string, data: unknown): EventEnvelope => ({
  eventId: `0190${String(++n).padStart(4, '0')}-0000-7000-8000-000000000000`,
  type,
  schemaVersion: 1,
  streamId,
  occurredAt: '2026-11-23T18:50:00.000Z',
  recordedAt: '2026-11-23T18:50:01.000Z',
  correlationId: 'c',
  causationId: null,
  locationId: 'aurora',
  traceparent: null,
  data,
});

const location = envelope('LocationConfigured', 'location-aurora', {
  locationId: 'aurora',
  name: 'Aurora',
  regionId: 'west',
  podId: 'pod-mountain',
  timezone: 'America/Denver',
  hours: {
    mon: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    tue: [],
    wed: [],
    thu: [],
    fri: [],
    sat: [],
    sun: [],
  },
  holidays: [],
  serviceLines: [],
  version: 1,
});

const opened = envelope('TaskOpened', 'task-t1', {
  taskId: 't1',
  locationId: 'aurora',
  regionId: 'west',
  podId: 'pod-mountain',
  channel: 'missed_call',
  providerCallId: 'CA1',
  callerPhone: '+13035550101',
  callerName: null,
  intent: 'new_patient',
  transcript: null,
  language: null,
  occurredAt: '2026-11-23T18:50:00.000Z',
  preferredWindow: null,
  triage: {
    tier: 2,
    rule: 'intent:new_patient',
    reasons: ['r'],
    policyVersion: 1,
    handoff: null,
    crisis: false,
    requiredDocumentation: [],
  },
  sla: {
    targetMinutes: 15,
    mode: 'business',
    startedAt: '2026-11-23T18:50:00.000Z',
    dueAt: '2026-11-23T20:05:00.000Z',
    calendarVersion: 1,
  },
  openedAt: '2026-11-23T18:50:01.000Z',
});

async function project(events: EventEnvelope[]): Promise<InMemoryReadModelStore> {
  const store = new InMemoryReadModelStore();
  let position = 0n;
  for (const e of events) {
    position += 1n;
    const ops = await tasksProjection.handle(e, position, {
      get: <T extends ReadModelDoc>(collection: string, id: string) => store.get<T>(collection, id),
    });
    await store.applyBatch(ops, {
      processorId: tasksProjection.id,
      position,
      version: tasksProjection.version,
    });
  }
  return store;
}

describe('tasks projection and live SLA status', () => {
  it('projects the task with queryable fields', async () => {
    const store = await project([location, opened]);
    const doc = await store.get<TaskDoc>(TASKS_COLLECTION, 't1');
    assert.ok(doc);
    assert.equal(doc.status, 'open');
    assert.equal(doc.tier, 2);
    assert.equal(doc.regionId, 'west');
    assert.equal(doc.dueAtMs, Date.parse('2026-11-23T20:05:00.000Z'));
  });

  it("lists each caller's tasks by number, once each, and none under a shredded number", async () => {
    const second = envelope('TaskOpened', 'task-t2', {
      ...(opened.data as object),
      taskId: 't2',
      providerCallId: 'CA2',
    });
    const shredded = envelope('TaskOpened', 'task-t3', {
      ...(opened.data as object),
      taskId: 't3',
      providerCallId: 'CA3',
      callerPhone: PHI_REDACTED,
    });
    const store = await project([location, opened, second, opened, shredded]);
    assert.deepEqual(await store.get<TaskCallerDoc>(TASK_CALLERS_COLLECTION, '+13035550101'), {
      id: '+13035550101',
      tasks: [
        { taskId: 't1', locationId: 'aurora' },
        { taskId: 't2', locationId: 'aurora' },
      ],
    });
    assert.equal(await store.get(TASK_CALLERS_COLLECTION, PHI_REDACTED), null);
    assert.ok(await store.get<TaskDoc>(TASKS_COLLECTION, 't3'));
  });

  it('counts business time on the recorded calendar: the lunch closure does not make it at risk', async () => {
    const store = await project([location, opened]);
    const at = (iso: string) => new TasksReadModel(store, new VirtualClock(iso));
    const user = { sub: 'a', role: 'admin' as const, regions: [], locations: [], pods: [] };
    // 11:59 local: 9 of 15 business minutes
    assert.equal((await at('2026-11-23T18:59:00.000Z').getView('t1', user))?.sla.status, 'on_track');
    // 12:30 local, closed: still 10 of 15 (real time would say breached)
    assert.equal((await at('2026-11-23T19:30:00.000Z').getView('t1', user))?.sla.status, 'on_track');
    // 13:02 local: 12 of 15 = 80 %
    assert.equal((await at('2026-11-23T20:02:00.000Z').getView('t1', user))?.sla.status, 'at_risk');
    assert.equal((await at('2026-11-23T20:05:00.000Z').getView('t1', user))?.sla.status, 'breached');
  });

  it('recorded thresholds and stops win: breached from sla-monitor, met from SlaStopped', async () => {
    const user = { sub: 'a', role: 'admin' as const, regions: [], locations: [], pods: [] };
    const early = new VirtualClock('2026-11-23T18:51:00.000Z');
    const breached = await project([
      location,
      opened,
      envelope('SlaBreached', 'sla-t1', {
        taskId: 't1',
        locationId: 'aurora',
        tier: 2,
        dueAt: '2026-11-23T20:05:00.000Z',
        breachedAt: '2026-11-23T20:05:00.000Z',
        supervisorAlert: true,
        priorityBump: 1,
        overflow: false,
        clockVersion: 1,
      }),
    ]);
    assert.equal((await new TasksReadModel(breached, early).getView('t1', user))?.sla.status, 'breached');

    const met = await project([
      location,
      opened,
      envelope('SlaStopped', 'task-t1', {
        taskId: 't1',
        tier: 2,
        reason: 'first_contact',
        startedAt: '2026-11-23T18:50:00.000Z',
        dueAt: '2026-11-23T20:05:00.000Z',
        stoppedAt: '2026-11-23T19:55:00.000Z',
        met: true,
      }),
    ]);
    const late = new VirtualClock('2026-11-24T00:00:00.000Z');
    assert.equal((await new TasksReadModel(met, late).getView('t1', user))?.sla.status, 'met');
  });

  it('a user out of scope reads nothing', async () => {
    const store = await project([location, opened]);
    const east = { sub: 's', role: 'supervisor' as const, regions: ['east'], locations: [], pods: [] };
    const rm = new TasksReadModel(store, new VirtualClock('2026-11-23T19:00:00.000Z'));
    assert.equal(await rm.getView('t1', east), null);
    assert.deepEqual(await rm.listVisibleTo(east), []);
  });
});
