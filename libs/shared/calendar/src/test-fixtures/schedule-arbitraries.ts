import fc from 'fast-check';
import { WEEKDAYS, type LocationSchedule, type OpeningInterval } from '../location-schedule';

/** Zones the property specs draw from: DST (US, EU, a 30-minute shift) and no-DST ones. */
export const ZONES = [
  'America/Denver',
  'America/New_York',
  'America/Phoenix',
  'Pacific/Honolulu',
  'Europe/London',
  'Australia/Lord_Howe',
] as const;

/** Zones with DST in 2026. */
export const DST_ZONES = [
  'America/Denver',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
] as const;

/** 2026 DST transition dates (local) per DST zone. */
export const TRANSITIONS_2026: Record<(typeof DST_ZONES)[number], readonly string[]> = {
  'America/Denver': ['2026-03-08', '2026-11-01'],
  'America/New_York': ['2026-03-08', '2026-11-01'],
  'Europe/London': ['2026-03-29', '2026-10-25'],
  'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
};

const hhmm = (quarter: number): string =>
  `${String(Math.floor(quarter / 4)).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`;

// Quarter-hour boundaries 0..96 (96 = 24:00), with extra weight on 00:00–04:00 where DST happens.
const boundary = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 96 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 16 }), weight: 2 },
);

/** 0–3 ordered, non-overlapping intervals on 15-minute boundaries (touching ones included). */
export const dayIntervalsArb: fc.Arbitrary<OpeningInterval[]> = fc
  .uniqueArray(boundary, { minLength: 0, maxLength: 6 })
  .chain((bounds) =>
    fc.boolean().map((touch) => {
      const sorted = [...bounds].sort((a, b) => a - b);
      if (sorted.length % 2 === 1) sorted.pop();
      const intervals: OpeningInterval[] = [];
      sorted.forEach((q, i) => {
        if (i % 2 === 1) intervals.push([hhmm(sorted[i - 1] ?? 0), hhmm(q)]);
      });
      const [first, second] = intervals;
      // Occasionally make two intervals touch, which must behave as one.
      if (touch && first && second) second[0] = first[1];
      return intervals;
    }),
  );

/** A random ISO date in 2026. */
export const date2026Arb: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 364 })
  .map((d) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));

/** A random valid schedule; weekdays are missing, empty or have 0–3 intervals. */
export const scheduleArb = (
  zones: readonly string[] = ZONES,
  holidays: fc.Arbitrary<string[]> = fc.uniqueArray(date2026Arb, { maxLength: 3 }),
): fc.Arbitrary<LocationSchedule> =>
  fc
    .record({
      timezone: fc.constantFrom(...zones),
      days: fc.tuple(...WEEKDAYS.map(() => fc.option(dayIntervalsArb, { nil: undefined }))),
      holidays,
    })
    .map(({ timezone, days, holidays: hs }) => {
      const hours: LocationSchedule['hours'] = {};
      WEEKDAYS.forEach((day, i) => {
        const intervals = days[i];
        if (intervals !== undefined) hours[day] = intervals;
      });
      return { timezone, hours, holidays: hs };
    });

/** A schedule with at least one open interval on some weekday. */
export const openScheduleArb = (zones: readonly string[] = ZONES): fc.Arbitrary<LocationSchedule> =>
  scheduleArb(zones).filter((s) => WEEKDAYS.some((d) => (s.hours[d]?.length ?? 0) > 0));

const START_2026 = Date.UTC(2026, 0, 1);
const END_2026 = Date.UTC(2027, 0, 1);

/** An arbitrary millisecond instant in 2026. */
export const instant2026Arb: fc.Arbitrary<number> = fc.integer({ min: START_2026, max: END_2026 });
