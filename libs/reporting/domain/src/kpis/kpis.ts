import type { AppointmentFact, ContactFact, TaskFact, Tier } from '../facts/facts';
import { localDayOf } from './daily-counts';

/**
 * The KPIs clinics are judged by (seed 000's dashboard; the contract's `GET /api/v1/reports/kpis`),
 * computed from facts by event time over `[from, to)`. Definitions, each over the period:
 * - totalInbound: calls (missed, voicemail, callback requests, answered); missedCalls: missed + voicemail;
 *   missedCallRate: missed / (missed + answered).
 * - Task KPIs count tasks whose first call falls in the period (a cohort): sameDayCompletionRate is the
 *   share resolved on the clinic's local date of the call (target 90 %); callsNotReturnedSameDay the
 *   tasks with no attempt that local day; minutes to first attempt (median, p90) from the call; SLA
 *   attainment per tier over decided clocks (met / (met + breached)); callbackToBookingConversion the
 *   booked share of tasks whose caller was reached; escalationCompliance the Tier 1 tasks handed to a
 *   clinician by their due time; reworkRate the resolved tasks reopened; voicemailAbandonment the
 *   voicemails never reached (closed unreachable, or no successful contact yet).
 * - callbacksCompleted: tasks resolved in the period (whenever they were opened).
 * - Appointment KPIs: newPatientsFromPhone counts new-patient bookings from callbacks made in the
 *   period; noShowRate no-shows over recorded attendance of appointments starting in the period, for
 *   callback bookings and for the others.
 * Rates are in [0, 1], or null when their denominator is 0.
 */
export interface Kpis {
  totalInbound: number;
  missedCalls: number;
  missedCallRate: number | null;
  callbacksCompleted: number;
  sameDayCompletionRate: number | null;
  callsNotReturnedSameDay: number;
  medianMinutesToFirstAttempt: number | null;
  p90MinutesToFirstAttempt: number | null;
  slaAttainment: { tier1: number | null; tier2: number | null; tier3: number | null };
  callbackToBookingConversion: number | null;
  newPatientsFromPhone: number;
  voicemailAbandonment: number | null;
  noShowRate: { callbackBooked: number | null; otherBooked: number | null };
  escalationCompliance: number | null;
  reworkRate: number | null;
  /** Denominators, so a reader can tell 0 % of 1 from 0 % of 1,000. */
  counts: { tasksOpened: number; tasksReached: number; attendanceRecorded: number };
}

export interface Period {
  fromMs: number;
  toMs: number;
}

export interface KpiInput {
  tasks: readonly TaskFact[];
  contacts: readonly ContactFact[];
  appointments: readonly AppointmentFact[];
  /** IANA zone per location (local dates for same-day measures); UTC when unknown. */
  zoneOf: (locationId: string) => string;
}

const ms = (iso: string): number => Date.parse(iso);
const inPeriod = (iso: string | null, p: Period): boolean =>
  iso !== null && ms(iso) >= p.fromMs && ms(iso) < p.toMs;
export const rate = (num: number, den: number): number | null => (den === 0 ? null : num / den);

/** Nearest-rank percentile of sorted values (null when empty). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The median: the middle value, or the mean of the two middle ones. */
export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const localDate = localDayOf;

export function computeKpis(input: KpiInput, period: Period): Kpis {
  const contacts = input.contacts.filter((c) => inPeriod(c.occurredAt, period));
  const answered = contacts.filter((c) => c.kind === 'answered').length;
  const missed = contacts.filter((c) => c.kind === 'missed_call' || c.kind === 'voicemail').length;

  const cohort = input.tasks.filter((t) => inPeriod(t.openedAt, period));
  const sameDay = (at: string | null, t: TaskFact) =>
    at !== null &&
    localDate(at, input.zoneOf(t.locationId)) === localDate(t.openedAt, input.zoneOf(t.locationId));
  const toFirstAttempt = cohort
    .filter((t) => t.firstAttemptAt !== null)
    .map((t) => (ms(t.firstAttemptAt!) - ms(t.openedAt)) / 60_000)
    .sort((a, b) => a - b);
  const attainment = (tier: Tier): number | null => {
    const decided = cohort.filter((t) => t.tier === tier && (t.slaMet !== null || t.slaBreached));
    return rate(decided.filter((t) => t.slaMet === true && !t.slaBreached).length, decided.length);
  };
  const reached = cohort.filter((t) => t.firstReachedAt !== null);
  const tier1 = cohort.filter((t) => t.tier === 1);
  const resolvedOnce = cohort.filter((t) => t.resolvedAt !== null || t.reopenCount > 0);
  const voicemails = cohort.filter((t) => t.channel === 'voicemail');

  const attended = input.appointments.filter(
    (a) => inPeriod(a.start, period) && (a.status === 'arrived' || a.status === 'no_show'),
  );
  const noShow = (list: AppointmentFact[]) =>
    rate(list.filter((a) => a.status === 'no_show').length, list.length);

  return {
    totalInbound: contacts.length,
    missedCalls: missed,
    missedCallRate: rate(missed, missed + answered),
    callbacksCompleted: input.tasks.filter((t) => inPeriod(t.resolvedAt, period)).length,
    sameDayCompletionRate: rate(cohort.filter((t) => sameDay(t.resolvedAt, t)).length, cohort.length),
    callsNotReturnedSameDay: cohort.filter((t) => !sameDay(t.firstAttemptAt, t)).length,
    medianMinutesToFirstAttempt: median(toFirstAttempt),
    p90MinutesToFirstAttempt: percentile(toFirstAttempt, 90),
    slaAttainment: { tier1: attainment(1), tier2: attainment(2), tier3: attainment(3) },
    callbackToBookingConversion: rate(reached.filter((t) => t.bookedAt !== null).length, reached.length),
    newPatientsFromPhone: input.appointments.filter(
      (a) => a.source === 'callback' && a.newPatient && inPeriod(a.bookedAt, period),
    ).length,
    voicemailAbandonment: rate(voicemails.filter((t) => t.firstReachedAt === null).length, voicemails.length),
    noShowRate: {
      callbackBooked: noShow(attended.filter((a) => a.source === 'callback')),
      otherBooked: noShow(attended.filter((a) => a.source !== 'callback')),
    },
    escalationCompliance: rate(
      tier1.filter((t) => t.handoffAcceptedAt !== null && ms(t.handoffAcceptedAt) <= ms(t.slaDueAt)).length,
      tier1.length,
    ),
    reworkRate: rate(resolvedOnce.filter((t) => t.reopenCount > 0).length, resolvedOnce.length),
    counts: { tasksOpened: cohort.length, tasksReached: reached.length, attendanceRecorded: attended.length },
  };
}
