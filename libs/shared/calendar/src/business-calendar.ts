import { DomainError } from '@ringback/kernel';
import { DateTime, IANAZone } from 'luxon';
import {
  WEEKDAYS,
  hasWeeklyHours,
  locationScheduleSchema,
  minutesOfDay,
  type LocationSchedule,
  type LocationScheduleInput,
} from './location-schedule';

const SECOND = 1_000;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** How far searches look ahead for an open minute before giving up (days of real time). */
export const SEARCH_HORIZON_DAYS = 400;
const HORIZON = SEARCH_HORIZON_DAYS * DAY;
// Forward scans work in chunks so a 24/7 location never needs an unbounded interval.
const CHUNK = 3 * DAY;

/**
 * An instant: epoch milliseconds, or an ISO-8601 string. A string with an offset (`Z`, `-07:00`)
 * names one instant; a string without one is read as wall-clock time in the location's zone
 * (luxon's rules: a time inside a spring-forward gap moves forward by the gap, a time inside a
 * fall-back overlap takes the earlier, pre-transition offset).
 */
export type Instant = number | string;

/** A half-open span `[start, end)` of epoch milliseconds. */
export interface OpenInterval {
  start: number;
  end: number;
}

/**
 * The clock can never complete: no open minute within {@link SEARCH_HORIZON_DAYS} days (the
 * schedule has no weekly hours, or holidays cover every open day). Code `calendar_no_open_hours`.
 */
export class NoOpenHoursError extends DomainError {
  constructor(timezone: string, fromMs: number) {
    super(
      'calendar_no_open_hours',
      `no open business hours within ${SEARCH_HORIZON_DAYS} days after ${new Date(fromMs).toISOString()}`,
      [{ timezone, from: new Date(fromMs).toISOString(), horizonDays: SEARCH_HORIZON_DAYS }],
    );
    this.name = 'NoOpenHoursError';
  }
}

const OFFSET_SUFFIX = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Epoch milliseconds for an {@link Instant}. `zone` interprets ISO strings without an offset; with
 * no `zone` such strings are rejected. Throws `RangeError` on anything unparseable.
 */
export function toEpochMillis(input: Instant, zone?: string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new RangeError(`not a finite epoch-millisecond instant: ${input}`);
    return input;
  }
  const t = input.indexOf('T');
  const hasOffset = t >= 0 && OFFSET_SUFFIX.test(input.slice(t));
  if (!hasOffset && zone === undefined) {
    throw new RangeError(`ISO instant needs an explicit offset or Z: ${input}`);
  }
  const parsed = hasOffset ? DateTime.fromISO(input, { setZone: true }) : DateTime.fromISO(input, { zone });
  if (!parsed.isValid) throw new RangeError(`not an ISO-8601 instant: ${input}`);
  return parsed.toMillis();
}

interface Segment {
  start: number;
  end: number;
  /** UTC offset in milliseconds, constant over the segment. */
  offset: number;
}

/**
 * Offsets of one zone, memoized per UTC day. Assumes at most one transition per UTC day, which
 * holds for every zone in current tz data.
 */
class ZoneOffsets {
  private readonly zone: IANAZone;
  private readonly atMidnight = new Map<number, number>();
  private readonly transitions = new Map<number, number>();

  constructor(name: string) {
    this.zone = IANAZone.create(name);
  }

  offsetAt(ms: number): number {
    return this.zone.offset(ms) * MINUTE;
  }

  private midnightOffset(day: number): number {
    let o = this.atMidnight.get(day);
    if (o === undefined) {
      if (this.atMidnight.size > 100_000) this.atMidnight.clear();
      o = this.offsetAt(day * DAY);
      this.atMidnight.set(day, o);
    }
    return o;
  }

  /** First instant of UTC `day` whose offset differs from its midnight offset (tz data has whole seconds). */
  private transitionIn(day: number, before: number): number {
    let at = this.transitions.get(day);
    if (at === undefined) {
      let lo = day * DAY;
      let hi = lo + DAY;
      while (hi - lo > SECOND) {
        const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
        if (this.offsetAt(mid) === before) lo = mid;
        else hi = mid;
      }
      if (this.transitions.size > 10_000) this.transitions.clear();
      at = hi;
      this.transitions.set(day, at);
    }
    return at;
  }

  /** Constant-offset segments covering `[from, to)`, in order. */
  segments(from: number, to: number): Segment[] {
    const out: Segment[] = [];
    const push = (start: number, end: number, offset: number): void => {
      if (start >= end) return;
      const last = out[out.length - 1];
      if (last && last.offset === offset && last.end === start) last.end = end;
      else out.push({ start, end, offset });
    };
    for (let day = Math.floor(from / DAY); day * DAY < to; day++) {
      const a = Math.max(from, day * DAY);
      const b = Math.min(to, (day + 1) * DAY);
      const before = this.midnightOffset(day);
      const after = this.midnightOffset(day + 1);
      if (before === after) {
        push(a, b, before);
        continue;
      }
      const at = this.transitionIn(day, before);
      push(a, Math.min(b, at), before);
      push(Math.max(a, at), b, after);
    }
    return out;
  }
}

const zoneCache = new Map<string, ZoneOffsets>();
function zoneOffsets(name: string): ZoneOffsets {
  let z = zoneCache.get(name);
  if (!z) {
    z = new ZoneOffsets(name);
    zoneCache.set(name, z);
  }
  return z;
}

/** Day number (days since 1970-01-01) of a `YYYY-MM-DD` date. */
const dayNumber = (isoDate: string): number =>
  Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10))) / DAY;

// Day 0 (1970-01-01) was a Thursday; index 0 here is Monday, like WEEKDAYS.
const weekdayIndex = (day: number): number => (((day + 3) % 7) + 7) % 7;

/**
 * Business hours of one location: when it is open, and how business minutes add up.
 *
 * Semantics, chosen so that a minute-by-minute reading of the local clock is the definition:
 * an instant is open exactly when its local date (in the schedule's zone, using luxon's IANA data)
 * is not a holiday and its local wall-clock time lies in one of that weekday's `[start, end)`
 * intervals. `24:00` ends an interval at the next local midnight, so `["08:00","24:00"]` followed by
 * a next-day `["00:00", ...]` is one continuous open period. Consequences around DST:
 * - spring forward (a local hour is skipped): wall-clock times in the gap never occur, so an
 *   interval inside the gap contributes nothing, and one that starts in it opens at the first
 *   existing instant after (02:30 opening on 2026-03-08 in Denver opens at 03:00 MDT). This differs
 *   from luxon's `DateTime.fromObject`, which would shift 02:30 to 03:30 and grant minutes that no
 *   clock on the wall ever showed.
 * - fall back (a local hour repeats): wall-clock times in the repeated hour occur twice and are open
 *   both times, so a `01:00`–`04:00` interval on 2026-11-01 in Denver is four real hours long.
 *
 * Instants come in as epoch ms or ISO strings ({@link Instant}) and go out as epoch ms.
 * Searches look at most {@link SEARCH_HORIZON_DAYS} days past their last open minute.
 * The instance is immutable and safe to share.
 */
export class BusinessCalendar {
  /** The validated schedule this calendar answers for. */
  readonly schedule: LocationSchedule;
  /** IANA zone name of the schedule. */
  readonly timezone: string;
  private readonly offsets: ZoneOffsets;
  /** Per weekday (Monday first), `[startMinute, endMinute]` pairs. */
  private readonly weekly: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  private readonly holidays: ReadonlySet<number>;

  /** Validates `schedule` (throws the `ZodError` when invalid). */
  constructor(schedule: LocationSchedule | LocationScheduleInput) {
    this.schedule = locationScheduleSchema.parse(schedule);
    this.timezone = this.schedule.timezone;
    this.offsets = zoneOffsets(this.timezone);
    this.weekly = WEEKDAYS.map((day) =>
      (this.schedule.hours[day] ?? []).map(([s, e]) => [minutesOfDay(s) ?? 0, minutesOfDay(e) ?? 0] as const),
    );
    this.holidays = new Set(this.schedule.holidays.map(dayNumber));
  }

  /** True when some weekday has opening hours (holidays aside). */
  hasOpenHours(): boolean {
    return hasWeeklyHours(this.schedule);
  }

  /** Epoch ms of `at`; ISO strings without an offset are local to this location. */
  toMillis(at: Instant): number {
    return toEpochMillis(at, this.timezone);
  }

  /** Whether the location is open at `at` (intervals are half-open: closed at the closing minute). */
  isOpen(at: Instant): boolean {
    const t = this.toMillis(at);
    return this.intervals(t, t + 1).length > 0;
  }

  /**
   * The first open instant at or after `at` (`at` itself when open), or `null` when nothing opens
   * within {@link SEARCH_HORIZON_DAYS} days.
   */
  nextOpening(at: Instant): number | null {
    for (const piece of this.piecesFrom(this.toMillis(at))) return piece.start;
    return null;
  }

  /**
   * The instant at which a clock started at `start` has run `minutes` business minutes: the clock
   * runs only while open, and a clock started while closed starts at the next opening. With
   * `minutes` 0 that is the next opening; otherwise the result may be a closing instant (a clock
   * completed exactly at 17:00 is due at 17:00, not at the next morning's opening).
   * Fractional minutes are honoured to the millisecond.
   * @throws NoOpenHoursError when the location has no open minute within the search horizon.
   * @throws RangeError for a negative or non-finite `minutes`.
   */
  addBusinessMinutes(start: Instant, minutes: number): number {
    if (!Number.isFinite(minutes) || minutes < 0) {
      throw new RangeError(`business minutes must be a finite number >= 0, got ${minutes}`);
    }
    return this.addBusinessMilliseconds(start, Math.round(minutes * MINUTE));
  }

  /** {@link addBusinessMinutes} in whole milliseconds (what SLA thresholds use to stay exact). */
  addBusinessMilliseconds(start: Instant, ms: number): number {
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(`business milliseconds must be a safe integer >= 0, got ${ms}`);
    }
    const from = this.toMillis(start);
    let remaining = ms;
    for (const piece of this.piecesFrom(from)) {
      if (remaining === 0) return piece.start;
      const length = piece.end - piece.start;
      if (remaining <= length) return piece.start + remaining;
      remaining -= length;
    }
    throw new NoOpenHoursError(this.timezone, from);
  }

  /**
   * Business minutes between `a` and `b` (open time inside `[a, b)`), negative when `b` is before
   * `a`. Fractional when the instants are not on whole minutes.
   */
  businessMinutesBetween(a: Instant, b: Instant): number {
    return this.businessMillisecondsBetween(a, b) / MINUTE;
  }

  /** {@link businessMinutesBetween} in milliseconds. */
  businessMillisecondsBetween(a: Instant, b: Instant): number {
    const from = this.toMillis(a);
    const to = this.toMillis(b);
    if (to < from) return -this.businessMillisecondsBetween(to, from);
    return this.intervals(from, to).reduce((sum, iv) => sum + (iv.end - iv.start), 0);
  }

  /**
   * The open periods inside `[from, to)`, clipped to it, in order, with touching periods merged (so
   * a `24:00` close and a `00:00` opening give one period). Cost is linear in the span.
   */
  openIntervals(from: Instant, to: Instant): OpenInterval[] {
    return this.intervals(this.toMillis(from), this.toMillis(to));
  }

  private intervals(from: number, to: number): OpenInterval[] {
    const out: OpenInterval[] = [];
    if (!(from < to)) return out;
    const push = (start: number, end: number): void => {
      const last = out[out.length - 1];
      if (last && start <= last.end) last.end = Math.max(last.end, end);
      else out.push({ start, end });
    };
    for (const seg of this.offsets.segments(from, to)) {
      // Within a segment local time = instant + offset, so wall-clock intervals map back linearly.
      const localFrom = seg.start + seg.offset;
      const localTo = seg.end + seg.offset;
      for (let day = Math.floor(localFrom / DAY); day * DAY < localTo; day++) {
        if (this.holidays.has(day)) continue;
        for (const [startMinute, endMinute] of this.weekly[weekdayIndex(day)] ?? []) {
          const s = Math.max(localFrom, day * DAY + startMinute * MINUTE);
          const e = Math.min(localTo, day * DAY + endMinute * MINUTE);
          if (s < e) push(s - seg.offset, e - seg.offset);
        }
      }
    }
    return out;
  }

  /** Open pieces from `from` onwards (touching pieces possible at chunk edges), bounded by the horizon. */
  private *piecesFrom(from: number): Generator<OpenInterval> {
    let cursor = from;
    let lastOpen = from;
    while (cursor - lastOpen <= HORIZON) {
      const to = cursor + CHUNK;
      for (const piece of this.intervals(cursor, to)) {
        yield piece;
        lastOpen = piece.end;
      }
      cursor = to;
    }
  }
}

const calendars = new WeakMap<object, BusinessCalendar>();

/**
 * The calendar for a schedule, memoized per schedule object (schedules are treated as immutable);
 * a calendar passes through unchanged.
 */
export function businessCalendar(schedule: LocationSchedule | BusinessCalendar): BusinessCalendar {
  if (schedule instanceof BusinessCalendar) return schedule;
  let calendar = calendars.get(schedule);
  if (!calendar) {
    calendar = new BusinessCalendar(schedule);
    calendars.set(schedule, calendar);
  }
  return calendar;
}
