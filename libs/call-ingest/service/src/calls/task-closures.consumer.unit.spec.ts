import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callerLineDecider } from '@ringback/call-ingest-domain';
import { ringbackEventRegistry, type EventEnvelope } from '@ringback/contracts';
import { UuidV7Generator, VirtualClock } from '@ringback/kernel';
import { InMemoryEventStore } from '@ringback/in-memory';
import { handleCommand, type Bus } from '@ringback/platform-core';
import { TaskClosuresConsumer } from './task-closures.consumer';

const ids = new UuidV7Generator();
const quiet = { warn: () => undefined, error: () => undefined };
const LINE = 'call-aurora.13035550101';
const at = '2026-11-23T18:50:00.000Z';

const meta = (streamId: string, occurredAt = at) => ({
  eventId: ids.next(),
  schemaVersion: 1,
  streamId,
  occurredAt,
  recordedAt: occurredAt,
  correlationId: 'corr-1',
  causationId: null,
  locationId: 'aurora',
  traceparent: null,
});

async function openTaskOnLine(store: InMemoryEventStore, taskId: string): Promise<void> {
  await handleCommand({
    store,
    registry: ringbackEventRegistry(),
    decider: callerLineDecider,
    streamId: LINE,
    command: {
      type: 'RecordInboundContact',
      stamp: { ...meta(LINE), traceparent: null },
      newTaskId: taskId,
      providerCallId: `CA-${taskId}`,
      channel: 'missed_call',
      locationId: 'aurora',
      from: '+13035550101',
      callerName: null,
      intent: 'new_patient',
      transcript: null,
      preferredWindow: null,
      language: null,
      notes: null,
    },
  });
  const clock = { targetMinutes: 15, mode: 'business', startedAt: at, dueAt: at, calendarVersion: 1 };
  const opened: EventEnvelope = {
    ...meta(`task-${taskId}`),
    type: 'TaskOpened',
    data: {
      taskId,
      locationId: 'aurora',
      regionId: 'west',
      podId: 'pod-mountain',
      channel: 'missed_call',
      providerCallId: `CA-${taskId}`,
      callerPhone: '+13035550101',
      callerName: null,
      intent: 'new_patient',
      transcript: null,
      language: null,
      occurredAt: at,
      preferredWindow: null,
      triage: {
        tier: 2,
        rule: 'intent:new_patient',
        reasons: [],
        policyVersion: 1,
        handoff: null,
        crisis: false,
        requiredDocumentation: [],
      },
      sla: clock,
      openedAt: at,
    },
  };
  await store.appendToStream(`task-${taskId}`, [opened], { expectedRevision: 'no_stream' });
}

const resolved = (taskId: string): EventEnvelope => ({
  ...meta(`task-${taskId}`, '2026-11-23T19:10:00.000Z'),
  type: 'TaskResolved',
  data: {
    taskId,
    resolvedBy: 'coord-1',
    resolution: 'booked',
    note: null,
    resolvedAt: '2026-11-23T19:10:00.000Z',
  },
});

describe('TaskClosuresConsumer', () => {
  it('closes the caller line task once, however often the closing event is delivered', async () => {
    const store = new InMemoryEventStore();
    const consumer = new TaskClosuresConsumer({} as Bus, store, new VirtualClock(Date.parse(at)), quiet);
    const taskId = ids.next();
    await openTaskOnLine(store, taskId);
    const closing = resolved(taskId);
    await consumer.handle(closing);
    await consumer.handle(closing);
    const line = await store.readStream(LINE);
    assert.deepEqual(
      line.map((r) => r.envelope.type),
      ['InboundContactRecorded', 'CallerLineTaskClosed'],
    );
    const closed = line[1]!.envelope;
    assert.deepEqual(closed.data, { taskId, reason: 'resolved' });
    assert.equal(closed.causationId, closing.eventId);
    assert.equal(closed.occurredAt, '2026-11-23T19:10:00.000Z');

    // The next call from the number opens a new task.
    const next = ids.next();
    await openTaskOnLine(store, next);
    const latest = (await store.readStream(LINE)).at(-1)!.envelope.data as {
      taskId: string;
      callCount: number;
    };
    assert.deepEqual([latest.taskId, latest.callCount], [next, 1]);
  });

  it('marks unreachable tasks closed with reason unreachable', async () => {
    const store = new InMemoryEventStore();
    const consumer = new TaskClosuresConsumer({} as Bus, store, new VirtualClock(Date.parse(at)), quiet);
    const taskId = ids.next();
    await openTaskOnLine(store, taskId);
    await consumer.handle({
      ...meta(`task-${taskId}`),
      type: 'TaskMarkedUnreachable',
      data: {
        taskId,
        markedBy: 'coord-1',
        followUpChannel: 'sms',
        attemptCount: 3,
        note: null,
        markedAt: at,
      },
    });
    assert.deepEqual((await store.readStream(LINE)).at(-1)!.envelope.data, { taskId, reason: 'unreachable' });
  });

  it('ignores other task events and closures of tasks it cannot find', async () => {
    const store = new InMemoryEventStore();
    const consumer = new TaskClosuresConsumer({} as Bus, store, new VirtualClock(Date.parse(at)), quiet);
    await consumer.handle(resolved(ids.next()));
    await consumer.handle({ ...meta('task-x'), type: 'TaskClaimed', data: {} });
    assert.equal(await store.headPosition(), 0n);
  });
});
