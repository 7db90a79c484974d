import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ringbackEventRegistry, type EventEnvelope } from '@ringback/contracts';
import { deterministicUuidV7 } from '@ringback/kernel';
import { InMemoryEventStore, InMemoryReadModelStore } from '@ringback/in-memory';
import { ProjectionRunner } from '@ringback/platform-core';
import { computeKpis } from '@ringback/reporting-domain';
import { DateTime } from 'luxon';
import { KpiGauges } from '../kpis/kpi-gauges';
import {
  REPORTING_APPOINTMENTS,
  REPORTING_CONTACTS,
  REPORTING_DAILY_COUNTS,
  REPORTING_LOCATIONS,
  REPORTING_TASKS,
  reportingFactsProjection,
  type AppointmentFactDoc,
  type ContactFactDoc,
  type DailyCountsDoc,
  type ReportingLocationDoc,
  type TaskFactDoc,
} from './reporting-facts.projection';

// Events as the services record them, for one Monday at Aurora (Denver, UTC-7).
let n = 0;
const ev = (
  streamId: string,
  type: string,
  occurredAt: string,
  data: Record<string, unknown>,
  recordedAt = occurredAt,
): EventEnvelope => ({
  eventId: deterministicUuidV7(Date.parse(recordedAt), 'reporting-spec', String(++n)),
  type,
  schemaVersion: 1,
  streamId,
  occurredAt,
  recordedAt,
  correlationId: `c-${n}`,
  causationId: null,
  locationId: 'aurora',
  traceparent: null,
  data,
});
const week = {
  mon: [['08:00', '17:00']],
  tue: [['08:00', '17:00']],
  wed: [],
  thu: [],
  fri: [],
  sat: [],
  sun: [],
};
const location = ev('location-aurora', 'LocationConfigured', '2026-11-01T00:00:00.000Z', {
  locationId: 'aurora',
  name: 'Aurora Family Medicine',
  regionId: 'west',
  podId: 'pod-mountain',
  timezone: 'America/Denver',
  hours: week,
  holidays: [],
  serviceLines: ['primary_care'],
  version: 1,
});
const contact = (id: string, at: string, taskId: string, recordedAt = at) =>
  ev(
    `call-aurora.+13035550101`,
    'InboundContactRecorded',
    at,
    {
      providerCallId: id,
      channel: 'missed_call',
      taskId,
      joinedOpenTask: false,
      callCount: 1,
      locationId: 'aurora',
      from: '+13035550101',
      callerName: null,
      intent: 'new_patient',
      transcript: null,
      preferredWindow: null,
      language: null,
      notes: null,
    },
    recordedAt,
  );
const opened = (taskId: string, at: string, dueAt: string) =>
  ev(`task-${taskId}`, 'TaskOpened', at, {
    taskId,
    locationId: 'aurora',
    regionId: 'west',
    podId: 'pod-mountain',
    channel: 'missed_call',
    providerCallId: `p-${taskId}`,
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
      reasons: ['r'],
      policyVersion: 1,
      handoff: null,
      crisis: false,
      requiredDocumentation: [],
    },
    sla: { mode: 'business', targetMinutes: 15, startedAt: at, dueAt, calendarVersion: 1 },
    openedAt: at,
  });
const attempt = (taskId: string, at: string, successful: boolean) =>
  ev(`task-${taskId}`, 'CallbackAttemptRecorded', at, {
    taskId,
    attemptId: `a-${taskId}-${at}`,
    attemptNumber: 1,
    coordinatorId: 'ann',
    outcome: successful ? 'reached_booked' : 'no_answer',
    successful,
    nextAttemptAt: successful ? null : '2026-11-30T18:00:00.000Z',
    note: null,
    attemptedAt: at,
  });
const stopped = (taskId: string, at: string, dueAt: string, met: boolean) =>
  ev(`task-${taskId}`, 'SlaStopped', at, {
    taskId,
    tier: 2,
    reason: 'first_contact',
    startedAt: '2026-11-30T16:00:00.000Z',
    dueAt,
    stoppedAt: at,
    met,
  });
const resolved = (taskId: string, at: string) =>
  ev(`task-${taskId}`, 'TaskResolved', at, {
    taskId,
    resolvedBy: 'ann',
    resolution: 'booked',
    note: null,
    resolvedAt: at,
  });

const history: EventEnvelope[] = [
  location,
  contact('CA1', '2026-11-30T16:00:00.000Z', 't1'),
  opened('t1', '2026-11-30T16:00:00.000Z', '2026-11-30T16:15:00.000Z'),
  attempt('t1', '2026-11-30T16:10:00.000Z', true),
  stopped('t1', '2026-11-30T16:10:00.000Z', '2026-11-30T16:15:00.000Z', true),
  resolved('t1', '2026-11-30T16:12:00.000Z'),
  contact('CA2', '2026-11-30T17:00:00.000Z', 't2'),
  opened('t2', '2026-11-30T17:00:00.000Z', '2026-11-30T17:15:00.000Z'),
  attempt('t2', '2026-11-30T17:40:00.000Z', true),
  stopped('t2', '2026-11-30T17:40:00.000Z', '2026-11-30T17:15:00.000Z', false),
  // A webhook delivered a day late: its call happened on Monday and counts on Monday.
  contact('CA3', '2026-11-30T20:00:00.000Z', 't3', '2026-12-01T18:00:00.000Z'),
];

async function run(events: EventEnvelope[], batches: number[]) {
  const store = new InMemoryEventStore();
  const readModels = new InMemoryReadModelStore();
  const runner = new ProjectionRunner({
    store,
    readModels,
    projection: reportingFactsProjection,
    registry: ringbackEventRegistry(),
    batchSize: 3,
  });
  let at = 0;
  for (const size of batches) {
    for (const e of events.slice(at, at + size)) {
      const stream = await store.readStream(e.streamId);
      await store.appendToStream(e.streamId, [e], {
        expectedRevision: stream.length === 0 ? 'no_stream' : stream.at(-1)!.streamRevision,
      });
    }
    at += size;
    if (at === size) await runner.start();
    await runner.whenCaughtUp();
  }
  const dump = async () => ({
    tasks: await readModels.find<TaskFactDoc>(REPORTING_TASKS, {}),
    contacts: await readModels.find<ContactFactDoc>(REPORTING_CONTACTS, {}),
    appointments: await readModels.find<AppointmentFactDoc>(REPORTING_APPOINTMENTS, {}),
    locations: await readModels.find<ReportingLocationDoc>(REPORTING_LOCATIONS, {}),
    daily: await readModels.find<DailyCountsDoc>(REPORTING_DAILY_COUNTS, {}),
  });
  const incremental = await dump();
  await runner.rebuild();
  await runner.whenCaughtUp();
  const rebuilt = await dump();
  await runner.stop();
  return { incremental, rebuilt };
}

describe('reporting facts projection (real projection runner, in-memory stores)', () => {
  it('folds tasks and calls by event time; a late call counts on the day it happened', async () => {
    const { incremental } = await run(history, [history.length]);
    const t1 = incremental.tasks.find((t) => t.taskId === 't1')!;
    assert.deepEqual(
      [t1.tier, t1.firstAttemptAt, t1.firstReachedAt, t1.slaMet, t1.resolution, t1.bookedAt],
      [2, '2026-11-30T16:10:00.000Z', '2026-11-30T16:10:00.000Z', true, 'booked', '2026-11-30T16:12:00.000Z'],
    );
    const late = incremental.contacts.find((c) => c.contactId === 'CA3')!;
    assert.equal(late.occurredAt, '2026-11-30T20:00:00.000Z');
    const monday = { fromMs: Date.parse('2026-11-30T07:00:00Z'), toMs: Date.parse('2026-12-01T07:00:00Z') };
    const kpis = computeKpis({ ...incremental, zoneOf: () => 'America/Denver' }, monday);
    assert.equal(kpis.totalInbound, 3);
    assert.deepEqual(kpis.slaAttainment, { tier1: null, tier2: 1 / 2, tier3: null });
    assert.equal(kpis.medianMinutesToFirstAttempt, 25); // 10 and 40
    assert.equal(kpis.sameDayCompletionRate, 1 / 2);
  });

  it('rebuilding from zero gives exactly the incremental result, whatever the batches', async () => {
    for (const batches of [[history.length], [1, 4, 6], [2, 2, 2, 2, 3]]) {
      const { incremental, rebuilt } = await run(history, batches);
      assert.deepEqual(rebuilt, incremental, `batches ${batches.join(',')}`);
      const once = await run(history, [history.length]);
      assert.deepEqual(incremental, once.incremental, 'the same facts however the events arrived');
    }
  });

  it("today's KPI gauges count the location's local day across two UTC dates from running counts, not facts", async () => {
    // Denver's Monday 2026-11-30 runs from 07:00Z on the 30th to 07:00Z on 1 December.
    const events = [
      ...history.slice(0, 8),
      contact('CA4', '2026-12-01T05:00:00.000Z', 't4'), // Monday 22:00 in Denver, Tuesday in UTC
      opened('t4', '2026-12-01T05:00:00.000Z', '2026-12-01T15:15:00.000Z'),
      contact('CA5', '2026-11-30T05:00:00.000Z', 't5'), // Sunday 22:00 in Denver
      opened('t5', '2026-11-30T05:00:00.000Z', '2026-11-30T15:15:00.000Z'),
      contact('CA6', '2026-11-20T17:00:00.000Z', 't6'), // ten days before
      opened('t6', '2026-11-20T17:00:00.000Z', '2026-11-20T17:15:00.000Z'),
    ];
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    for (const e of events) {
      const stream = await store.readStream(e.streamId);
      await store.appendToStream(e.streamId, [e], {
        expectedRevision: stream.length === 0 ? 'no_stream' : stream.at(-1)!.streamRevision,
      });
    }
    const runner = new ProjectionRunner({
      store,
      readModels,
      projection: reportingFactsProjection,
      registry: ringbackEventRegistry(),
    });
    await runner.start();
    await runner.whenCaughtUp();
    await runner.stop();
    const read: string[] = [];
    const spy = Object.create(readModels) as InMemoryReadModelStore;
    spy.find = (collection, filter, options) => {
      read.push(collection);
      return readModels.find(collection, filter, options);
    };
    spy.get = (collection, id) => {
      read.push(collection);
      return readModels.get(collection, id);
    };
    spy.getMany = (collection, ids) => {
      read.push(collection);
      return readModels.getMany(collection, ids);
    };
    const gauges = new KpiGauges(spy, { now: () => Date.parse('2026-11-30T23:00:00.000Z') });
    const { calls, tasks: taskCounts } = await gauges.snapshot();
    const where = { location: 'aurora', region: 'west', pod: 'pod-mountain' };
    // CA1, CA2 (the 30th, UTC) and CA4 (1 December, UTC) are Monday in Denver; CA5 and CA6 are not.
    assert.deepEqual([...calls], [[JSON.stringify({ ...where, kind: 'missed_call' }), 3]]);
    assert.equal(taskCounts.get(JSON.stringify({ ...where, tier: '2', state: 'opened' })), 3);
    assert.ok(
      !read.includes(REPORTING_TASKS) && !read.includes(REPORTING_CONTACTS),
      `the gauges read ${read.join(', ')}: not one fact`,
    );
    // The same counts a scan of every fact gives, at any moment of the Monday and the days around it.
    const facts = {
      tasks: await readModels.find<TaskFactDoc>(REPORTING_TASKS, {}),
      contacts: await readModels.find<ContactFactDoc>(REPORTING_CONTACTS, {}),
    };
    for (const at of [
      '2026-11-29T12:00:00Z',
      '2026-11-30T07:00:00Z',
      '2026-12-01T06:59:59Z',
      '2026-12-01T07:00:00Z',
    ]) {
      const day = DateTime.fromISO(at, { zone: 'America/Denver' }).toISODate();
      const local = (iso: string | null) =>
        iso === null ? null : DateTime.fromISO(iso, { zone: 'America/Denver' }).toISODate();
      const snapshot = await new KpiGauges(readModels, { now: () => Date.parse(at) }).snapshot();
      const ofDay = facts.tasks.filter((t) => local(t.openedAt) === day);
      assert.equal(
        snapshot.calls.get(JSON.stringify({ ...where, kind: 'missed_call' })) ?? 0,
        facts.contacts.filter((c) => local(c.occurredAt) === day).length,
        at,
      );
      for (const [state, count] of [
        ['opened', ofDay.length],
        ['attempted_same_day', ofDay.filter((t) => local(t.firstAttemptAt) === day).length],
        ['completed_same_day', ofDay.filter((t) => local(t.resolvedAt) === day).length],
        ['sla_met', ofDay.filter((t) => t.slaMet === true && !t.slaBreached).length],
        ['sla_breached', ofDay.filter((t) => t.slaBreached || t.slaMet === false).length],
      ] as const)
        assert.equal(
          snapshot.tasks.get(JSON.stringify({ ...where, tier: '2', state })) ?? 0,
          count,
          `${at} ${state}`,
        );
    }
  });
});
