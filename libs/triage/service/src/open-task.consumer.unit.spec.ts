import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ringbackEventRegistry,
  type EventEnvelope,
  type InboundContactRecorded,
  type LocationConfiguredData,
} from '@ringback/contracts';
import { VirtualClock, deterministicUuidV7 } from '@ringback/kernel';
import { InMemoryEventStore } from '@ringback/in-memory';
import type { Bus } from '@ringback/platform-core';
import { defaultTriagePolicy, type JoinCall, type OpenTask } from '@ringback/triage-domain';
import {
  OpenTaskConsumer,
  taskCommandFor,
  taskStreamId,
  type InboundContactEvent,
} from './open-task.consumer';

const aurora: LocationConfiguredData = {
  locationId: 'aurora',
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
  version: 3,
};

const AT = '2026-11-23T19:00:00.000Z';

function call(
  data: Partial<InboundContactRecorded> = {},
  meta: Partial<EventEnvelope> = {},
): InboundContactEvent {
  const n = String(meta.eventId ?? data.providerCallId ?? 'CA1');
  return {
    eventId: deterministicUuidV7(Date.parse('2026-11-23T18:50:05Z'), 'test-call', n),
    type: 'InboundContactRecorded',
    schemaVersion: 1,
    streamId: 'call-aurora.+13035550101',
    // Monday 2026-11-23 11:50 in Denver (UTC-7)
    occurredAt: '2026-11-23T18:50:00.000Z',
    recordedAt: '2026-11-23T18:50:05.000Z',
    correlationId: 'corr-1',
    causationId: null,
    locationId: 'aurora',
    traceparent: null,
    ...meta,
    data: {
      providerCallId: 'CA1',
      channel: 'missed_call',
      taskId: 'task-a1',
      joinedOpenTask: false,
      callCount: 1,
      locationId: 'aurora',
      from: '+13035550101',
      callerName: 'Dana Reyes',
      intent: 'new_patient',
      transcript: "Hi, I'd like to book a first visit",
      preferredWindow: null,
      language: null,
      notes: null,
      ...data,
    },
  } as InboundContactEvent;
}

const ctx = { location: aurora, policy: defaultTriagePolicy, at: AT };

describe('triage: InboundContactRecorded -> task command', () => {
  it('opens a Tier 2 task on business minutes across the lunch closure (11:50 -> 13:05 local)', () => {
    const command = taskCommandFor(call(), ctx) as OpenTask;
    assert.equal(command.type, 'OpenTask');
    const d = command.data;
    assert.equal(d.taskId, 'task-a1');
    assert.equal(d.regionId, 'west');
    assert.equal(d.podId, 'pod-mountain');
    assert.equal(d.callerPhone, '+13035550101');
    assert.equal(d.occurredAt, '2026-11-23T18:50:00.000Z');
    assert.equal(d.at, AT);
    assert.equal(d.triage.tier, 2);
    assert.equal(d.triage.rule, 'intent:new_patient');
    assert.equal(d.triage.policyVersion, defaultTriagePolicy.version);
    assert.equal(d.triage.handoff, null);
    assert.ok(d.triage.reasons.length > 0);
    assert.deepEqual(d.sla, {
      targetMinutes: 15,
      mode: 'business',
      startedAt: '2026-11-23T18:50:00.000Z',
      dueAt: '2026-11-23T20:05:00.000Z', // 13:05 MST
      calendarVersion: 3,
    });
  });

  it('a symptom phrase wins: Tier 1 on the wall clock with an RN handoff, even at night', () => {
    const command = taskCommandFor(
      call(
        {
          intent: 'billing',
          transcript: 'question about my bill, also I have chest pain since this morning',
        },
        { occurredAt: '2026-11-24T05:00:00.000Z' }, // 22:00 Monday, closed
      ),
      ctx,
    ) as OpenTask;
    const d = command.data;
    assert.equal(d.triage.tier, 1);
    assert.equal(d.triage.rule, 'phrase:chest pain');
    assert.deepEqual(d.triage.handoff, { role: 'RN' });
    assert.ok(d.triage.reasons.some((r) => r.includes('overridden')));
    assert.equal(d.sla.mode, 'wall_clock');
    assert.equal(d.sla.targetMinutes, 15);
    assert.equal(d.sla.startedAt, '2026-11-24T05:00:00.000Z');
    assert.equal(d.sla.dueAt, '2026-11-24T05:15:00.000Z');
  });

  it('a preferred window starting later starts the clock at its start; an earlier one does not', () => {
    const later = taskCommandFor(
      call({
        // Monday 14:00-15:00 local
        preferredWindow: { start: '2026-11-23T21:00:00.000Z', end: '2026-11-23T22:00:00.000Z' },
      }),
      ctx,
    ) as OpenTask;
    assert.equal(later.data.sla.startedAt, '2026-11-23T21:00:00.000Z');
    assert.equal(later.data.sla.dueAt, '2026-11-23T21:15:00.000Z');
    assert.deepEqual(later.data.preferredWindow, {
      start: '2026-11-23T21:00:00.000Z',
      end: '2026-11-23T22:00:00.000Z',
    });

    const earlier = taskCommandFor(
      call({ preferredWindow: { start: '2026-11-23T15:00:00.000Z', end: '2026-11-23T16:00:00.000Z' } }),
      ctx,
    ) as OpenTask;
    assert.equal(earlier.data.sla.startedAt, '2026-11-23T18:50:00.000Z');
  });

  it('a call on a closed day starts its business clock at the next opening', () => {
    const command = taskCommandFor(
      call({ intent: 'billing' }, { occurredAt: '2026-11-25T17:00:00.000Z' }), // Wednesday, closed
      ctx,
    ) as OpenTask;
    assert.equal(command.data.triage.tier, 3);
    // next opening Monday 2026-11-30 08:00 MST = 15:00Z, + 60 business minutes
    assert.equal(command.data.sla.startedAt, '2026-11-30T15:00:00.000Z');
    assert.equal(command.data.sla.dueAt, '2026-11-30T16:00:00.000Z');
  });

  it('a repeat call that joined an open task is JoinCall, with its own triage for a possible retriage', () => {
    const command = taskCommandFor(
      call({
        providerCallId: 'CA2',
        joinedOpenTask: true,
        callCount: 2,
        transcript: 'trouble breathing now',
      }),
      ctx,
    ) as JoinCall;
    assert.equal(command.type, 'JoinCall');
    assert.equal(command.data.taskId, 'task-a1');
    assert.equal(command.data.providerCallId, 'CA2');
    assert.equal(command.data.occurredAt, '2026-11-23T18:50:00.000Z');
    assert.equal(command.data.triage?.tier, 1);
    assert.equal(command.data.sla?.mode, 'wall_clock');
  });

  it('no task without the location configuration; no hours at all falls back to the wall clock', () => {
    assert.equal(taskCommandFor(call(), { ...ctx, location: null }), null);
    const closed = { ...aurora, hours: { ...aurora.hours, mon: [], tue: [] } };
    const command = taskCommandFor(call(), { ...ctx, location: closed }) as OpenTask;
    assert.equal(command.data.sla.mode, 'wall_clock');
    assert.equal(command.data.sla.dueAt, '2026-11-23T19:05:00.000Z');
    assert.match(command.data.triage.reasons.at(-1)!, /wall-clock/);
  });
});

describe('OpenTaskConsumer.handle', () => {
  const registry = ringbackEventRegistry();
  const setup = async () => {
    const store = new InMemoryEventStore();
    const clock = new VirtualClock(AT);
    const consumer = new OpenTaskConsumer({} as Bus, store, clock, {
      warn: () => undefined,
      error: () => undefined,
    });
    await store.appendToStream(
      'location-aurora',
      [
        {
          eventId: deterministicUuidV7(Date.parse('2026-11-01T00:00:00Z'), 'loc', '3'),
          type: 'LocationConfigured',
          schemaVersion: 1,
          streamId: 'location-aurora',
          occurredAt: '2026-11-01T00:00:00.000Z',
          recordedAt: '2026-11-01T00:00:00.000Z',
          correlationId: 'c',
          causationId: null,
          locationId: 'aurora',
          traceparent: null,
          data: aurora,
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    return { store, consumer };
  };

  it('appends TaskOpened once, with deterministic ids, causation and correlation; redelivery is a no-op', async () => {
    const { store, consumer } = await setup();
    const event = call();
    await consumer.handle(event);
    await consumer.handle(event);
    const recorded = await store.readStream(taskStreamId('task-a1'));
    assert.equal(recorded.length, 1);
    const opened = registry.upcast(recorded[0]!.envelope);
    assert.equal(opened.type, 'TaskOpened');
    assert.equal(opened.causationId, event.eventId);
    assert.equal(opened.correlationId, 'corr-1');
    assert.equal(opened.occurredAt, event.occurredAt);
    assert.equal((opened.data as { sla: { calendarVersion: number } }).sla.calendarVersion, 3);
  });

  it('joins a repeat call and retriages when it is more urgent', async () => {
    const { store, consumer } = await setup();
    await consumer.handle(call());
    const repeat = call(
      { providerCallId: 'CA2', joinedOpenTask: true, callCount: 2, transcript: 'I have chest pain' },
      { occurredAt: '2026-11-23T19:10:00.000Z', recordedAt: '2026-11-23T19:10:01.000Z' },
    );
    await consumer.handle(repeat);
    await consumer.handle(repeat);
    const recorded = await store.readStream(taskStreamId('task-a1'));
    assert.deepEqual(
      recorded.map((r) => r.envelope.type),
      ['TaskOpened', 'CallJoinedTask'],
    );
    const joined = recorded[1]!.envelope.data as {
      callCount: number;
      retriage: { triage: { tier: number }; sla: { dueAt: string } } | null;
    };
    assert.equal(joined.callCount, 2);
    assert.equal(joined.retriage?.triage.tier, 1);
    assert.equal(joined.retriage?.sla.dueAt, '2026-11-23T19:25:00.000Z');
  });

  it('ignores other call events', async () => {
    const { store, consumer } = await setup();
    await consumer.handle({ ...call(), type: 'AnsweredCallRecorded' } as EventEnvelope);
    assert.equal((await store.readStream(taskStreamId('task-a1'))).length, 0);
  });
});
