import { DateTime } from 'luxon';

/**
 * When an appointment's messages go out (seed 000's no-show layer, seed 003's reminder sequence):
 * a confirmation right after booking, reminders 48 h and 24 h ahead (with a reschedule link), and a
 * same-day message with check-in instructions. Every time is placed in the patient's local time:
 * never in quiet hours (20:00-08:00), inside the patient's best timing window where one is given,
 * never after the appointment, never before the booking, and no reminder within 12 h of an earlier
 * message (the same-day instructions aside). A patient with prior no-shows gets a
 * coordinator outreach task instead of the 48 h reminder; a 24 h reminder left unanswered raises a
 * follow-up task for the front desk. Pure: all instants come in, none are read from a clock.
 */

export type MessageKind = 'confirmation' | 'reminder_48h' | 'reminder_24h' | 'same_day';

export interface PlannedMessage {
  kind: MessageKind;
  /** UTC ISO-8601. */
  sendAt: string;
}

export interface ReminderPlan {
  messages: PlannedMessage[];
  /** High-risk patients: when a coordinator should reach out (instead of the 48 h reminder). */
  outreachAt: string | null;
  /** When an unanswered 24 h reminder becomes a front-desk follow-up task. */
  followUpAt: string | null;
}

export interface ReminderPlanInput {
  appointmentStart: string;
  bookedAt: string;
  /** IANA zone of the location (the patient's local time). */
  timezone: string;
  /** Local `HH:MM` window the patient prefers, or null. */
  bestTimeWindow: { start: string; end: string } | null;
  /** Two or more prior no-shows. */
  highRisk: boolean;
}

export const QUIET_HOURS = { start: 20 * 60, end: 8 * 60 } as const;
/** A reminder is worth sending only this long before the start. */
const REMINDER_LEAD_MS = 60 * 60_000;
const SAME_DAY_LEAD_MS = 15 * 60_000;
const FOLLOW_UP_AFTER_MS = 4 * 60 * 60_000;
/** Two messages about one appointment at least this far apart (same-day instructions aside). */
const MIN_GAP_MS = 12 * 60 * 60_000;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const localMinutes = (t: DateTime): number => t.hour * 60 + t.minute;

/** Whether local time `t` is inside quiet hours. */
export function inQuietHours(ms: number, zone: string): boolean {
  const m = localMinutes(DateTime.fromMillis(ms, { zone }));
  return m >= QUIET_HOURS.start || m < QUIET_HOURS.end;
}

/** The first instant at or after `ms` outside quiet hours (08:00 local, DST-safe). */
export function outOfQuietHours(ms: number, zone: string): number {
  if (!inQuietHours(ms, zone)) return ms;
  let t = DateTime.fromMillis(ms, { zone });
  if (localMinutes(t) >= QUIET_HOURS.start) t = t.plus({ days: 1 });
  return t.set({ hour: 8, minute: 0, second: 0, millisecond: 0 }).toMillis();
}

/**
 * The instant nearest `target` inside the local window `[start, end)` on target's local date,
 * or `target` itself when that day's window is empty or `latest` comes first.
 */
function intoWindow(
  target: number,
  zone: string,
  window: { start: string; end: string } | null,
  latest: number,
): number {
  if (!window) return target;
  const day = DateTime.fromMillis(target, { zone }).startOf('day');
  const at = (mins: number) => day.set({ hour: Math.floor(mins / 60), minute: mins % 60 }).toMillis();
  const from = at(minutesOf(window.start));
  const to = at(minutesOf(window.end)) - 60_000; // the window's last whole minute
  if (to < from) return target;
  const t = Math.min(Math.max(target, from), to);
  return t <= latest ? t : target;
}

export function planReminders(input: ReminderPlanInput): ReminderPlan {
  const zone = input.timezone;
  const start = Date.parse(input.appointmentStart);
  const booked = Date.parse(input.bookedAt);
  const messages: PlannedMessage[] = [];
  const add = (kind: MessageKind, ms: number) => messages.push({ kind, sendAt: new Date(ms).toISOString() });

  const confirmation = outOfQuietHours(booked, zone);
  if (confirmation < start) add('confirmation', confirmation);

  // "48 h before" as people mean it: two calendar days earlier at the same local time, so a reminder
  // across a DST change still comes at the hour of the appointment.
  const reminder = (daysAhead: number): number | null => {
    const latest = start - REMINDER_LEAD_MS;
    const target = DateTime.fromMillis(start, { zone }).minus({ days: daysAhead }).toMillis();
    const t = outOfQuietHours(intoWindow(target, zone, input.bestTimeWindow, latest), zone);
    return t > booked && t <= latest ? t : null;
  };
  // A reminder hard on the heels of an earlier message (booked a day or two ahead) says nothing new.
  const afterConfirmation = (t: number | null) => (t !== null && t - confirmation < MIN_GAP_MS ? null : t);
  const r48 = afterConfirmation(reminder(2));
  const r24raw = afterConfirmation(reminder(1));
  const r24 = r24raw !== null && r48 !== null && !input.highRisk && r24raw - r48 < MIN_GAP_MS ? null : r24raw;
  let outreachAt: string | null = null;
  if (r48 !== null) {
    if (input.highRisk) outreachAt = new Date(r48).toISOString();
    else add('reminder_48h', r48);
  }
  if (r24 !== null) add('reminder_24h', r24);

  const localStart = DateTime.fromMillis(start, { zone });
  const morning = localStart.set({ hour: 8, minute: 0, second: 0, millisecond: 0 }).toMillis();
  const sameDay = outOfQuietHours(Math.max(start - 3 * 60 * 60_000, morning), zone);
  if (
    sameDay > booked &&
    sameDay <= start - SAME_DAY_LEAD_MS &&
    DateTime.fromMillis(sameDay, { zone }).hasSame(localStart, 'day')
  )
    add('same_day', sameDay);

  const followUp = r24 === null ? null : Math.min(r24 + FOLLOW_UP_AFTER_MS, start - REMINDER_LEAD_MS);
  messages.sort((a, b) => (a.sendAt < b.sendAt ? -1 : a.sendAt > b.sendAt ? 1 : 0));
  return {
    messages,
    outreachAt,
    followUpAt: followUp !== null && r24 !== null && followUp > r24 ? new Date(followUp).toISOString() : null,
  };
}
