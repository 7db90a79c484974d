import { DateTime } from 'luxon';
import { WEEKDAYS, minutesOfDay, type LocationSchedule } from '../location-schedule';

const MINUTE = 60_000;

/**
 * Brute-force reference for specs: reads the local wall clock of one instant with luxon and checks
 * it against the rules literally. Deliberately naive; it is the definition the fast calendar must
 * agree with.
 */
export function referenceIsOpen(schedule: LocationSchedule, ms: number): boolean {
  const local = DateTime.fromMillis(ms, { zone: schedule.timezone });
  if (schedule.holidays.includes(local.toISODate() ?? '')) return false;
  const day = WEEKDAYS[local.weekday - 1] ?? 'mon';
  const minute = local.hour * 60 + local.minute;
  return (schedule.hours[day] ?? []).some(
    ([start, end]) => (minutesOfDay(start) ?? NaN) <= minute && minute < (minutesOfDay(end) ?? NaN),
  );
}

/** Open/closed for each minute `[from + i min, from + (i+1) min)` of `[from, to)`; `from` on a whole minute. */
export function referenceOpenMinutes(schedule: LocationSchedule, from: number, to: number): boolean[] {
  const flags: boolean[] = [];
  for (let t = from; t < to; t += MINUTE) flags.push(referenceIsOpen(schedule, t));
  return flags;
}

/** Maximal runs of open minutes as `[start, end)` epoch-ms intervals. */
export function referenceIntervals(
  flags: readonly boolean[],
  from: number,
): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  flags.forEach((open, i) => {
    if (!open) return;
    const start = from + i * MINUTE;
    const last = out[out.length - 1];
    if (last && last.end === start) last.end = start + MINUTE;
    else out.push({ start, end: start + MINUTE });
  });
  return out;
}

/**
 * Minute-stepping `addBusinessMinutes` over precomputed flags: walks from index `startIndex`,
 * counting open minutes; `null` when the flags run out first.
 */
export function referenceAddMinutes(
  flags: readonly boolean[],
  from: number,
  startIndex: number,
  minutes: number,
): number | null {
  let i = startIndex;
  if (minutes === 0) {
    while (i < flags.length && !flags[i]) i++;
    return i < flags.length ? from + i * MINUTE : null;
  }
  let remaining = minutes;
  for (; i < flags.length; i++) {
    if (flags[i]) remaining--;
    if (remaining === 0) return from + (i + 1) * MINUTE;
  }
  return null;
}
