import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppointmentFact, ContactFact, TaskFact } from '../facts/facts';
import { computeKpis, median, percentile } from './kpis';

// One Monday at Aurora (Denver, MST = UTC-7): the period is Monday 00:00 to Tuesday 00:00 local.
const period = { fromMs: Date.parse('2026-11-30T07:00:00Z'), toMs: Date.parse('2026-12-01T07:00:00Z') };
const zoneOf = () => 'America/Denver';
const Z = (hhmm: string, day = '2026-11-30') => `${day}T${hhmm}:00.000Z`;

const task = (taskId: string, over: Partial<TaskFact>): TaskFact => ({
  taskId,
  locationId: 'aurora',
  regionId: 'west',
  podId: 'pod-mountain',
  tier: 2,
  intent: null,
  channel: 'missed_call',
  openedAt: Z('16:00'),
  firstAttemptAt: null,
  firstReachedAt: null,
  resolvedAt: null,
  resolution: null,
  unreachableAt: null,
  reopenCount: 0,
  slaDueAt: Z('16:15'),
  slaMet: null,
  slaBreached: false,
  escalatedAt: null,
  handoffAcceptedAt: null,
  bookedAt: null,
  imported: false,
  ...over,
});
const contact = (
  contactId: string,
  kind: ContactFact['kind'],
  occurredAt: string,
  taskId: string | null = null,
): ContactFact => ({
  contactId,
  locationId: 'aurora',
  occurredAt,
  kind,
  taskId,
  intent: null,
  imported: false,
});
const appointment = (appointmentId: string, over: Partial<AppointmentFact>): AppointmentFact => ({
  appointmentId,
  locationId: 'aurora',
  source: 'callback',
  taskId: null,
  newPatient: false,
  bookedAt: Z('10:00', '2026-11-23'),
  start: Z('18:00'),
  status: 'booked',
  lateCancellation: false,
  ...over,
});

// The day, by hand (times UTC; local = UTC-7):
const tasks: TaskFact[] = [
  // Sunday 23:00 local: outside the period, but resolved on Monday (a callback completed on Monday).
  task('t0', {
    tier: 3,
    openedAt: Z('06:00'),
    firstAttemptAt: Z('15:00'),
    firstReachedAt: Z('15:00'),
    resolvedAt: Z('16:30'),
    resolution: 'resolved',
  }),
  // 09:00 new patient: tried after 10 min, reached, booked; SLA met.
  task('t1', {
    intent: 'new_patient',
    firstAttemptAt: Z('16:10'),
    firstReachedAt: Z('16:10'),
    resolvedAt: Z('16:12'),
    resolution: 'booked',
    slaMet: true,
    bookedAt: Z('16:12'),
  }),
  // 10:00 voicemail, Tier 3: first try after 30 min fails, reached at 12:40 after its 11:00 due time.
  task('t2', {
    tier: 3,
    channel: 'voicemail',
    openedAt: Z('17:00'),
    slaDueAt: Z('18:00'),
    firstAttemptAt: Z('17:30'),
    firstReachedAt: Z('19:40'),
    resolvedAt: Z('19:45'),
    resolution: 'resolved',
    slaMet: false,
    slaBreached: true,
  }),
  // 21:00 (after hours): first try Tuesday 08:05 (665 min), booked Tuesday; business clock met.
  task('t3', {
    openedAt: Z('04:00', '2026-12-01'),
    slaDueAt: Z('15:15', '2026-12-01'),
    firstAttemptAt: Z('15:05', '2026-12-01'),
    firstReachedAt: Z('15:05', '2026-12-01'),
    resolvedAt: Z('15:10', '2026-12-01'),
    resolution: 'booked',
    slaMet: true,
    bookedAt: Z('15:10', '2026-12-01'),
  }),
  // 12:00 Tier 1 callback request: handed off at 12:12 (due 12:15), resolved, reopened, resolved again.
  task('t4', {
    tier: 1,
    channel: 'callback_request',
    intent: 'urgent_symptom',
    openedAt: Z('19:00'),
    slaDueAt: Z('19:15'),
    firstAttemptAt: Z('19:03'),
    firstReachedAt: Z('19:03'),
    escalatedAt: Z('19:05'),
    handoffAcceptedAt: Z('19:12'),
    resolvedAt: Z('20:00'),
    resolution: 'handled_clinically',
    slaMet: true,
    reopenCount: 1,
  }),
  // 13:00 referral: tried and reached after 40 min, past its 13:15 due; still open.
  task('t5', {
    intent: 'referral',
    openedAt: Z('20:00'),
    slaDueAt: Z('20:15'),
    firstAttemptAt: Z('20:40'),
    firstReachedAt: Z('20:40'),
    slaMet: false,
    slaBreached: true,
  }),
  // 11:00 voicemail, Tier 3: tried after 30 min, never reached, closed unreachable; breached.
  task('t6', {
    tier: 3,
    channel: 'voicemail',
    openedAt: Z('18:00'),
    slaDueAt: Z('19:00'),
    firstAttemptAt: Z('18:30'),
    unreachableAt: Z('22:00'),
    slaBreached: true,
  }),
  // 14:00 Tier 1: reached after 2 min, handed off at 14:20, five minutes after its 14:15 due.
  task('t7', {
    tier: 1,
    openedAt: Z('21:00'),
    slaDueAt: Z('21:15'),
    firstAttemptAt: Z('21:02'),
    firstReachedAt: Z('21:02'),
    handoffAcceptedAt: Z('21:20'),
    resolvedAt: Z('21:25'),
    resolution: 'handled_clinically',
    slaMet: false,
  }),
];
const contacts: ContactFact[] = [
  contact('c0', 'missed_call', Z('06:00'), 't0'), // Sunday night: outside
  contact('c1', 'missed_call', Z('16:00'), 't1'),
  contact('c2', 'voicemail', Z('17:00'), 't2'),
  contact('c3', 'answered', Z('17:30')),
  contact('c4', 'answered', Z('18:00')),
  contact('c5', 'missed_call', Z('04:00', '2026-12-01'), 't3'),
  contact('c6', 'callback_request', Z('19:00'), 't4'),
  contact('c8', 'voicemail', Z('18:00'), 't6'),
  contact('c9', 'missed_call', Z('20:00'), 't5'),
  contact('c10', 'missed_call', Z('21:00'), 't7'),
];
const appointments: AppointmentFact[] = [
  appointment('a1', {
    taskId: 't1',
    newPatient: true,
    bookedAt: Z('16:12'),
    start: Z('18:00'),
    status: 'arrived',
  }),
  appointment('a2', { start: Z('19:00'), status: 'no_show' }),
  appointment('a3', { source: 'direct', start: Z('20:00'), status: 'no_show' }),
  appointment('a4', { source: 'waitlist', start: Z('21:00'), status: 'arrived' }),
  appointment('a5', { source: 'direct', start: Z('22:00'), status: 'booked' }),
  appointment('a6', {
    taskId: 't3',
    newPatient: true,
    bookedAt: Z('15:10', '2026-12-01'),
    start: Z('16:00', '2026-12-03'),
  }),
  appointment('a7', { source: 'direct', start: Z('22:30'), status: 'arrived' }),
];

describe('KPIs of a hand-computed day', () => {
  it('matches the figures worked out by hand', () => {
    const k = computeKpis({ tasks, contacts, appointments, zoneOf }, period);
    assert.deepEqual(k, {
      totalInbound: 9, // c1-c6, c8-c10
      missedCalls: 6, // c1, c2, c5, c8, c9, c10
      missedCallRate: 6 / 8, // 6 missed of 8 (2 answered)
      callbacksCompleted: 5, // t0, t1, t2, t4, t7 resolved on Monday (t3 on Tuesday)
      sameDayCompletionRate: 4 / 7, // t1, t2, t4, t7 of the 7 opened on Monday
      callsNotReturnedSameDay: 1, // t3 (first try on Tuesday)
      medianMinutesToFirstAttempt: 30, // 2, 3, 10, 30, 30, 40, 665
      p90MinutesToFirstAttempt: 665,
      slaAttainment: { tier1: 1 / 2, tier2: 2 / 3, tier3: 0 }, // t4 of t4,t7; t1,t3 of t1,t3,t5; none of t2,t6
      callbackToBookingConversion: 2 / 6, // t1, t3 booked of the 6 reached (t6 never was)
      newPatientsFromPhone: 1, // a1 (a6 was booked on Tuesday)
      voicemailAbandonment: 1 / 2, // t6 of the voicemails t2, t6
      noShowRate: { callbackBooked: 1 / 2, otherBooked: 1 / 3 }, // a2 of a1,a2; a3 of a3,a4,a7
      escalationCompliance: 1 / 2, // t4 in time, t7 late
      reworkRate: 1 / 5, // t4 reopened, of t1, t2, t3, t4, t7 resolved
      counts: { tasksOpened: 7, tasksReached: 6, attendanceRecorded: 5 },
    });
  });

  it('answers null rates for an empty period and counts nothing outside it', () => {
    const empty = computeKpis(
      { tasks, contacts, appointments, zoneOf },
      { fromMs: Date.parse('2027-01-01'), toMs: Date.parse('2027-01-02') },
    );
    assert.equal(empty.totalInbound, 0);
    assert.equal(empty.missedCallRate, null);
    assert.equal(empty.sameDayCompletionRate, null);
    assert.deepEqual(empty.slaAttainment, { tier1: null, tier2: null, tier3: null });
    assert.equal(empty.medianMinutesToFirstAttempt, null);
  });

  it('median and nearest-rank percentile', () => {
    assert.equal(median([1, 2, 3]), 2);
    assert.equal(median([1, 2, 3, 4]), 2.5);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9);
    assert.equal(percentile([5], 90), 5);
  });
});
