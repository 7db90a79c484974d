import { toEpochMillis, type BusinessCalendar } from '@ringback/calendar';

/**
 * When to try a failed callback again. Pure: time, calendar and the attempt number come in.
 *
 * - failed attempt 1 → attempt time + 15 minutes; 2 → + 2 hours; 3 and later → the next business
 *   morning: the location's first opening on a later local day (never earlier than + 2 hours; a
 *   location without usable hours falls back to 08:00 local on the next day);
 * - then moved into the caller's preferred window when one was given and is still ahead (a time
 *   before its start moves to its start);
 * - then never inside the patient's quiet hours (21:00–08:00 location local time): a time inside
 *   them moves to the 08:00 that ends them.
 *
 * Every step is non-decreasing in its input, so the result never decreases with the attempt number.
 * After the 3rd failed attempt `retriesExhausted` is true: the caller then marks the task unreachable.
 */
export interface RetryPolicyInput {
  /** Number of this failed attempt (1 = first failure since the task was (re)opened). */
  failedAttemptNumber: number;
  /** When the attempt happened (epoch ms or ISO-8601 with offset). */
  attemptedAt: number | string;
  /** IANA zone of the location: quiet hours and mornings are local. */
  timezone: string;
  /** The location calendar in force; null when unknown. */
  calendar: BusinessCalendar | null;
  preferredWindow?: { start: string; end: string } | null;
}

export interface RetryDecision {
  nextAttemptAt: string;
  retriesExhausted: boolean;
}

export const RETRY_DELAYS_MS: readonly number[] = [15 * 60_000, 2 * 60 * 60_000];
export const MAX_FAILED_ATTEMPTS = 3;
export const QUIET_HOURS = { startHour: 21, endHour: 8 } as const;

interface LocalParts {
  date: string;
  hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(ms: number, timezone: string): LocalParts {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
  return { date: `${parts['year']}-${parts['month']}-${parts['day']}`, hour: Number(parts['hour']) % 24 };
}

const nextDate = (date: string): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const localTime = (date: string, time: string, timezone: string): number =>
  toEpochMillis(`${date}T${time}`, timezone);

/** Is `ms` inside quiet hours (21:00–08:00 local)? */
export function inQuietHours(ms: number, timezone: string): boolean {
  const { hour } = localParts(ms, timezone);
  return hour >= QUIET_HOURS.startHour || hour < QUIET_HOURS.endHour;
}

/** `ms` itself outside quiet hours, else the 08:00 local that ends them. */
export function outOfQuietHours(ms: number, timezone: string): number {
  const { date, hour } = localParts(ms, timezone);
  if (hour < QUIET_HOURS.endHour) return Math.max(ms, localTime(date, '08:00:00', timezone));
  if (hour >= QUIET_HOURS.startHour) return localTime(nextDate(date), '08:00:00', timezone);
  return ms;
}

/** The location's first opening on a later local day than `ms` (08:00 next day without a calendar). */
export function nextBusinessMorning(ms: number, timezone: string, calendar: BusinessCalendar | null): number {
  const tomorrow = nextDate(localParts(ms, timezone).date);
  const fallback = localTime(tomorrow, '08:00:00', timezone);
  if (!calendar) return fallback;
  try {
    return calendar.nextOpening(localTime(tomorrow, '00:00:00', timezone)) ?? fallback;
  } catch {
    return fallback;
  }
}

export function nextAttempt(input: RetryPolicyInput): RetryDecision {
  const n = Math.max(1, Math.floor(input.failedAttemptNumber));
  const at = toEpochMillis(input.attemptedAt);
  const delay = RETRY_DELAYS_MS[n - 1];
  const lastDelay = RETRY_DELAYS_MS[RETRY_DELAYS_MS.length - 1] ?? 0;
  let next =
    delay !== undefined
      ? at + delay
      : Math.max(at + lastDelay, nextBusinessMorning(at, input.timezone, input.calendar));
  const window = input.preferredWindow;
  if (window) {
    const start = Date.parse(window.start);
    const end = Date.parse(window.end);
    if (Number.isFinite(start) && Number.isFinite(end) && end > start && next < start) next = start;
  }
  next = outOfQuietHours(next, input.timezone);
  return {
    nextAttemptAt: new Date(next).toISOString(),
    retriesExhausted: n >= MAX_FAILED_ATTEMPTS,
  };
}
