import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

/** Weekday keys of `hours`, in ISO order (Monday first). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A weekday key of `hours`. */
export type Weekday = (typeof WEEKDAYS)[number];

/** Most intervals one weekday may list; a guard against absurd payloads, not a business rule. */
export const MAX_INTERVALS_PER_DAY = 48;

/** Most holidays one schedule may list. */
export const MAX_HOLIDAYS = 1000;

const TIME_OF_DAY = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Minutes after local midnight for an `HH:MM` wall-clock time (`24:00` is 1440), or `null` when the
 * text is not one.
 */
export function minutesOfDay(time: string): number | null {
  if (!TIME_OF_DAY.test(time)) return null;
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** `HH:MM`, `00:00`–`23:59`, or `24:00` (only meaningful as the end of an interval: local midnight). */
export const timeOfDaySchema = z
  .string()
  .regex(TIME_OF_DAY, 'expected a wall-clock time HH:MM between 00:00 and 24:00');

/** One opening interval `[start, end)` in local wall-clock time; `start` must be before `end`. */
export const openingIntervalSchema = z
  .tuple([timeOfDaySchema, timeOfDaySchema])
  .superRefine(([start, end], ctx) => {
    const s = minutesOfDay(start);
    const e = minutesOfDay(end);
    if (s !== null && e !== null && s >= e) {
      ctx.addIssue({
        code: 'custom',
        message:
          s === 1440
            ? '24:00 may only end an interval'
            : `interval start ${start} must be before its end ${end}`,
      });
    }
  });

/**
 * The intervals of one weekday, ordered and non-overlapping. Touching intervals (`12:00` then
 * `12:00`) are allowed and behave as one.
 */
export const dayHoursSchema = z
  .array(openingIntervalSchema)
  .max(MAX_INTERVALS_PER_DAY)
  .superRefine((intervals, ctx) => {
    // Element issues are reported by the tuple schema; only compare intervals that parsed.
    let previousEnd: number | null = null;
    intervals.forEach((interval, i) => {
      const s = Array.isArray(interval) ? minutesOfDay(String(interval[0])) : null;
      const e = Array.isArray(interval) ? minutesOfDay(String(interval[1])) : null;
      if (s === null || e === null || s >= e) return;
      if (previousEnd !== null && s < previousEnd) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: 'intervals must be in order and must not overlap the previous one',
        });
      }
      previousEnd = previousEnd === null ? e : Math.max(previousEnd, e);
    });
  });

/** Opening hours per weekday; a missing weekday (or an empty list) means closed all day. */
export const weeklyHoursSchema = z.strictObject({
  mon: dayHoursSchema.optional(),
  tue: dayHoursSchema.optional(),
  wed: dayHoursSchema.optional(),
  thu: dayHoursSchema.optional(),
  fri: dayHoursSchema.optional(),
  sat: dayHoursSchema.optional(),
  sun: dayHoursSchema.optional(),
});

/** An IANA time-zone name luxon (and so the runtime's Intl) knows, e.g. `America/Denver`. */
export const timezoneSchema = z
  .string()
  .min(1)
  .refine((zone) => IANAZone.isValidZone(zone), { message: 'unknown IANA time zone' });

/** A real calendar date `YYYY-MM-DD` (local to the location: the whole local day is closed). */
export const isoDateSchema = z
  .string()
  .regex(ISO_DATE, 'expected a date YYYY-MM-DD')
  .refine((d) => DateTime.fromFormat(d, 'yyyy-MM-dd', { zone: 'utc' }).isValid, {
    message: 'not a real calendar date',
  });

/**
 * The opening rules of a location, exactly as the `PUT /api/v1/admin/locations/{id}` body carries
 * them (`timezone`, `hours`, `holidays`). Unknown weekday keys are rejected; other body fields are
 * the caller's to add with `.extend(...)`. Issues carry field paths such as `hours.mon.1`.
 */
export const locationScheduleSchema = z.object({
  timezone: timezoneSchema,
  hours: weeklyHoursSchema,
  holidays: z.array(isoDateSchema).max(MAX_HOLIDAYS).default([]),
});

/** A validated location schedule (`holidays` always present). */
export type LocationSchedule = z.output<typeof locationScheduleSchema>;

/** What a caller may hand in before validation (`holidays` optional). */
export type LocationScheduleInput = z.input<typeof locationScheduleSchema>;

/** One weekday's intervals as `[start, end]` wall-clock pairs. */
export type OpeningInterval = z.output<typeof openingIntervalSchema>;

/** Weekly hours by weekday key. */
export type WeeklyHours = z.output<typeof weeklyHoursSchema>;

/**
 * Validates opening rules. Throws the `ZodError` on invalid input; the HTTP error mapper already
 * turns that into a 400 `validation_failed` with one `{ field, code, message }` detail per issue.
 */
export function parseLocationSchedule(input: unknown): LocationSchedule {
  return locationScheduleSchema.parse(input);
}

type ScheduleParse = ReturnType<typeof locationScheduleSchema.safeParse>;

// Every task event of a location parses the same few schedules (and IANA zone checks are dear), so
// valid ones are kept by content; the same object comes back each time, which also lets
// `businessCalendar` reuse its calendar. Shared results are frozen: schedules are immutable values.
const SCHEDULE_CACHE_SIZE = 512;
const parsedSchedules = new Map<string, ScheduleParse>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Non-throwing variant of {@link parseLocationSchedule}; a valid result is frozen and may be shared. */
export function safeParseLocationSchedule(input: unknown): ScheduleParse {
  let key: string | undefined;
  try {
    key = JSON.stringify(input);
  } catch {
    key = undefined;
  }
  if (key !== undefined) {
    const hit = parsedSchedules.get(key);
    if (hit) {
      parsedSchedules.delete(key);
      parsedSchedules.set(key, hit);
      return hit;
    }
  }
  const result = locationScheduleSchema.safeParse(input);
  if (key !== undefined && result.success) {
    deepFreeze(result.data);
    parsedSchedules.set(key, result);
    if (parsedSchedules.size > SCHEDULE_CACHE_SIZE)
      parsedSchedules.delete(parsedSchedules.keys().next().value!);
  }
  return result;
}

/** True when at least one weekday has an opening interval (holidays are not considered). */
export function hasWeeklyHours(schedule: Pick<LocationSchedule, 'hours'>): boolean {
  return WEEKDAYS.some((day) => (schedule.hours[day]?.length ?? 0) > 0);
}
