import { CALL_INTENTS, type HistoricalCall } from '@ringback/contracts';
import { DateTime } from 'luxon';
import type { ContactFact, TaskFact, Tier } from '../facts/facts';
import { rate } from '../kpis/kpis';

/**
 * The historical call-log CSV. One header line, then one call per line; column names are matched
 * case-insensitively, unknown columns are ignored:
 * | column | required | meaning |
 * |---|---|---|
 * | `call_id` | yes | the phone system's call id (unique per location) |
 * | `location_id` | yes | a configured Ringback location |
 * | `started_at` | yes | when the call came in: ISO-8601 with offset, or local time without one (read in the location's zone) |
 * | `outcome` | yes | `answered`, `missed` or `voicemail` |
 * | `intent` | no | one of the contract's intents |
 * | `first_callback_at` | no | when the clinic first called back |
 * | `reached_at` | no | when a callback reached the caller |
 * | `booked` | no | `true`/`false` (`yes`/`no`, `1`/`0`): the callback ended in a booking |
 */
export const CALL_LOG_COLUMNS = [
  'call_id',
  'location_id',
  'started_at',
  'outcome',
  'intent',
  'first_callback_at',
  'reached_at',
  'booked',
] as const;

export type RowResult = { ok: true; call: HistoricalCall } | { ok: false; errors: string[] };

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0', '']);

function instant(
  raw: string | undefined,
  zone: string | null,
  column: string,
  errors: string[],
): string | null {
  const v = (raw ?? '').trim();
  if (!v) return null;
  const hasOffset = /(Z|[+-]\d\d:?\d\d)$/i.test(v);
  // ISO-8601, or the `2026-11-23 09:00[:00]` most phone systems export.
  const read = (opts: { setZone: true } | { zone: string }) => {
    const iso = DateTime.fromISO(v, opts);
    return iso.isValid ? iso : DateTime.fromSQL(v, opts);
  };
  const t = hasOffset ? read({ setZone: true }) : zone ? read({ zone }) : null;
  if (!t || !t.isValid) {
    errors.push(`${column}: not an ISO-8601 time (${v.slice(0, 40)})`);
    return null;
  }
  return t.toUTC().toISO()!;
}

/**
 * One CSV record (column -> value) as a historical call, or why not. `zoneOf` names the zone of a
 * known location and is null for an unknown one.
 */
export function parseCallLogRow(
  record: Record<string, string | undefined>,
  zoneOf: (locationId: string) => string | null,
): RowResult {
  const get = (name: string) => record[name]?.trim() ?? '';
  const errors: string[] = [];
  const callId = get('call_id');
  if (!callId) errors.push('call_id: required');
  else if (callId.length > 200) errors.push('call_id: at most 200 characters');
  const locationId = get('location_id');
  const zone = locationId ? zoneOf(locationId) : null;
  if (!locationId) errors.push('location_id: required');
  else if (!zone) errors.push(`location_id: unknown location ${locationId.slice(0, 64)}`);
  const occurredAt = instant(get('started_at'), zone, 'started_at', errors);
  if (!get('started_at')) errors.push('started_at: required');
  const outcome = get('outcome').toLowerCase();
  if (!['answered', 'missed', 'voicemail'].includes(outcome))
    errors.push(`outcome: answered, missed or voicemail (got ${outcome.slice(0, 20) || 'nothing'})`);
  const intentRaw = get('intent').toLowerCase();
  const intent = intentRaw
    ? (CALL_INTENTS as readonly string[]).includes(intentRaw)
      ? intentRaw
      : null
    : null;
  if (intentRaw && !intent) errors.push(`intent: not one of ${CALL_INTENTS.join(', ')}`);
  const firstCallbackAt = instant(get('first_callback_at'), zone, 'first_callback_at', errors);
  const reachedAt = instant(get('reached_at'), zone, 'reached_at', errors);
  const bookedRaw = get('booked').toLowerCase();
  if (!TRUE.has(bookedRaw) && !FALSE.has(bookedRaw)) errors.push('booked: true or false');
  if (occurredAt && firstCallbackAt && firstCallbackAt < occurredAt)
    errors.push('first_callback_at: before the call');
  if (outcome === 'answered' && (firstCallbackAt || reachedAt))
    errors.push('an answered call has no callback');
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    call: {
      callId,
      locationId,
      occurredAt: occurredAt!,
      outcome: outcome as HistoricalCall['outcome'],
      intent: intent as HistoricalCall['intent'],
      firstCallbackAt,
      reachedAt,
      booked: TRUE.has(bookedRaw),
    },
  };
}

const tierOf = (intent: string | null): Tier =>
  intent === 'urgent_symptom'
    ? 1
    : intent === 'new_patient' || intent === 'referral' || intent === 'procedure_consult'
      ? 2
      : 3;

/** Facts of an imported call: the call, and for a missed call or voicemail its (historical) callback. */
export function factsOfHistoricalCall(
  call: HistoricalCall,
  where: { regionId: string; podId: string },
): { contact: ContactFact; task: TaskFact | null } {
  const id = `import:${call.locationId}:${call.callId}`;
  const contact: ContactFact = {
    contactId: id,
    locationId: call.locationId,
    occurredAt: call.occurredAt,
    kind:
      call.outcome === 'answered' ? 'answered' : call.outcome === 'voicemail' ? 'voicemail' : 'missed_call',
    taskId: call.outcome === 'answered' ? null : id,
    intent: call.intent,
    imported: true,
  };
  if (call.outcome === 'answered') return { contact, task: null };
  const task: TaskFact = {
    taskId: id,
    locationId: call.locationId,
    regionId: where.regionId,
    podId: where.podId,
    tier: tierOf(call.intent),
    intent: call.intent,
    channel: call.outcome === 'voicemail' ? 'voicemail' : 'missed_call',
    openedAt: call.occurredAt,
    firstAttemptAt: call.firstCallbackAt,
    firstReachedAt: call.reachedAt,
    resolvedAt: call.reachedAt,
    resolution: call.reachedAt ? (call.booked ? 'booked' : 'resolved') : null,
    unreachableAt: null,
    reopenCount: 0,
    // History has no SLA clock of Ringback's: these calls count in no attainment figure.
    slaDueAt: call.occurredAt,
    slaMet: null,
    slaBreached: false,
    escalatedAt: null,
    handoffAcceptedAt: null,
    bookedAt: call.booked ? (call.reachedAt ?? call.firstCallbackAt) : null,
    imported: true,
  };
  return { contact, task };
}

export interface MissedCallDiagnostic {
  missedCalls: number;
  /** Missed calls with no callback attempt on the clinic's local date of the call. */
  notReturnedSameDay: number;
  sameDayReturnRate: number | null;
  neverCalledBack: number;
  /** Mean minutes from the call to the first callback, over the calls called back. */
  averageCallbackDelayMinutes: number | null;
  newPatientMissedCalls: number;
  /** New-patient missed calls that never booked and were not called back within `lostAfterMinutes`. */
  newPatientCallsLostToDelay: number;
  lostAfterMinutes: number;
}

/**
 * Seed 000's 7-day missed-call diagnostic over the tasks (missed calls and voicemails) whose call
 * falls in the period: calls not returned the same day, average callback delay, and new-patient calls
 * lost to delay (not booked, and not called back within an hour; new patients call the next clinic).
 */
export function missedCallDiagnostic(
  tasks: readonly TaskFact[],
  zoneOf: (locationId: string) => string,
  period: { fromMs: number; toMs: number },
  lostAfterMinutes = 60,
): MissedCallDiagnostic {
  const inPeriod = tasks.filter(
    (t) =>
      (t.channel === 'missed_call' || t.channel === 'voicemail') &&
      Date.parse(t.openedAt) >= period.fromMs &&
      Date.parse(t.openedAt) < period.toMs,
  );
  const day = (iso: string, t: TaskFact) => DateTime.fromISO(iso, { zone: zoneOf(t.locationId) }).toISODate();
  const returnedSameDay = inPeriod.filter(
    (t) => t.firstAttemptAt !== null && day(t.firstAttemptAt, t) === day(t.openedAt, t),
  );
  const delays = inPeriod
    .filter((t) => t.firstAttemptAt !== null)
    .map((t) => (Date.parse(t.firstAttemptAt!) - Date.parse(t.openedAt)) / 60_000);
  const newPatients = inPeriod.filter((t) => t.intent === 'new_patient');
  const lost = newPatients.filter(
    (t) =>
      t.bookedAt === null &&
      (t.firstAttemptAt === null ||
        Date.parse(t.firstAttemptAt) - Date.parse(t.openedAt) > lostAfterMinutes * 60_000),
  );
  return {
    missedCalls: inPeriod.length,
    notReturnedSameDay: inPeriod.length - returnedSameDay.length,
    sameDayReturnRate: rate(returnedSameDay.length, inPeriod.length),
    neverCalledBack: inPeriod.filter((t) => t.firstAttemptAt === null).length,
    averageCallbackDelayMinutes: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : null,
    newPatientMissedCalls: newPatients.length,
    newPatientCallsLostToDelay: lost.length,
    lostAfterMinutes,
  };
}
