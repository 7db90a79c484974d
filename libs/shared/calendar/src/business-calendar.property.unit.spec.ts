import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { BusinessCalendar } from './business-calendar';
import {
  DST_ZONES,
  TRANSITIONS_2026,
  date2026Arb,
  instant2026Arb,
  openScheduleArb,
  scheduleArb,
} from './test-fixtures/schedule-arbitraries';
import {
  referenceAddMinutes,
  referenceIntervals,
  referenceIsOpen,
  referenceOpenMinutes,
} from './test-fixtures/reference-calendar';

const MINUTE = 60_000;
const minutesArb = fc.integer({ min: 1, max: 2_000 });

describe('BusinessCalendar properties', () => {
  it('the clock never runs while closed: exactly `minutes` of open time, ending on open time', () => {
    fc.assert(
      fc.property(openScheduleArb(), instant2026Arb, minutesArb, (schedule, start, minutes) => {
        const cal = new BusinessCalendar(schedule);
        const due = cal.addBusinessMinutes(start, minutes);
        assert.ok(due > start);
        assert.equal(cal.businessMinutesBetween(start, due), minutes);
        // The last millisecond before the due instant was open: due is open time or a closing edge.
        assert.equal(cal.isOpen(due - 1), true);
      }),
      { numRuns: 250 },
    );
  });

  it('nextOpening is open and nothing is open before it', () => {
    fc.assert(
      fc.property(openScheduleArb(), instant2026Arb, (schedule, at) => {
        const cal = new BusinessCalendar(schedule);
        const next = cal.nextOpening(at);
        assert.ok(next !== null);
        assert.equal(cal.isOpen(next), true);
        assert.equal(cal.businessMinutesBetween(at, next), 0);
        assert.equal(next === at, cal.isOpen(at));
      }),
      { numRuns: 250 },
    );
  });

  it('due time is monotonic in the start and strictly increasing in minutes', () => {
    fc.assert(
      fc.property(
        openScheduleArb(),
        instant2026Arb,
        fc.integer({ min: 0, max: 7 * 24 * 60 * MINUTE }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        (schedule, a, gap, m, extra) => {
          const cal = new BusinessCalendar(schedule);
          assert.ok(cal.addBusinessMinutes(a, m) <= cal.addBusinessMinutes(a + gap, m));
          assert.ok(cal.addBusinessMinutes(a, m) < cal.addBusinessMinutes(a, m + extra));
        },
      ),
      { numRuns: 250 },
    );
  });

  it('adding m then n equals adding m + n (n > 0)', () => {
    fc.assert(
      fc.property(
        openScheduleArb(),
        instant2026Arb,
        fc.integer({ min: 0, max: 1_500 }),
        minutesArb,
        (s, a, m, n) => {
          const cal = new BusinessCalendar(s);
          assert.equal(
            cal.addBusinessMinutes(cal.addBusinessMinutes(a, m), n),
            cal.addBusinessMinutes(a, m + n),
          );
        },
      ),
      { numRuns: 250 },
    );
  });

  it('openIntervals are ordered, disjoint, non-touching, inside the range and sum to businessMinutesBetween', () => {
    fc.assert(
      fc.property(
        scheduleArb(),
        instant2026Arb,
        fc.integer({ min: 0, max: 20 * 24 * 60 * MINUTE }),
        (s, from, span) => {
          const cal = new BusinessCalendar(s);
          const intervals = cal.openIntervals(from, from + span);
          let previousEnd = -Infinity;
          let total = 0;
          for (const iv of intervals) {
            assert.ok(iv.start > previousEnd && iv.start < iv.end);
            assert.ok(iv.start >= from && iv.end <= from + span);
            assert.equal(cal.isOpen(iv.start), true);
            previousEnd = iv.end;
            total += iv.end - iv.start;
          }
          assert.equal(cal.businessMillisecondsBetween(from, from + span), total);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('holidays contribute zero business minutes', () => {
    fc.assert(
      // probe / 1000 of the way through the holiday, a half-open day: 1000 would be the next midnight.
      fc.property(openScheduleArb(), date2026Arb, fc.integer({ min: 0, max: 999 }), (s, holiday, probe) => {
        const without = new BusinessCalendar({ ...s, holidays: s.holidays.filter((h) => h !== holiday) });
        const withIt = new BusinessCalendar({
          ...without.schedule,
          holidays: [...without.schedule.holidays, holiday],
        });
        const dayStart = DateTime.fromISO(holiday, { zone: s.timezone }).startOf('day');
        const from = dayStart.toMillis();
        const to = dayStart.plus({ days: 1 }).startOf('day').toMillis();
        const around = [from - 3 * 86_400_000, to + 3 * 86_400_000] as const;
        assert.equal(withIt.businessMinutesBetween(from, to), 0);
        assert.equal(withIt.isOpen(from + Math.floor(((to - from) * probe) / 1_000)), false);
        assert.equal(
          withIt.businessMinutesBetween(...around),
          without.businessMinutesBetween(...around) - without.businessMinutesBetween(from, to),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('matches a brute-force minute-stepping reference across 2026 DST transitions', () => {
    const caseArb = fc
      .constantFrom(...DST_ZONES)
      .chain((zone) =>
        fc.record({
          zone: fc.constant(zone),
          transition: fc.constantFrom(...TRANSITIONS_2026[zone]),
          holidayOffset: fc.option(fc.integer({ min: -1, max: 1 }), { nil: undefined }),
        }),
      )
      .chain(({ zone, transition, holidayOffset }) => {
        const holidays =
          holidayOffset === undefined
            ? []
            : [DateTime.fromISO(transition).plus({ days: holidayOffset }).toFormat('yyyy-MM-dd')];
        return fc.record({
          schedule: scheduleArb([zone], fc.constant(holidays)),
          transition: fc.constant(transition),
          startIndex: fc.integer({ min: 0, max: 36 * 60 - 1 }),
          endIndex: fc.integer({ min: 0, max: 36 * 60 }),
          minutes: fc.integer({ min: 0, max: 600 }),
          probes: fc.array(fc.integer({ min: 0, max: 36 * 60 - 1 }), { minLength: 5, maxLength: 5 }),
        });
      });
    fc.assert(
      fc.property(caseArb, ({ schedule, transition, startIndex, endIndex, minutes, probes }) => {
        const cal = new BusinessCalendar(schedule);
        // 36 hours from 06:00 local the day before the transition, across the whole transition day.
        const from = DateTime.fromISO(`${transition}T00:00`, { zone: schedule.timezone })
          .minus({ hours: 18 })
          .toMillis();
        const to = from + 36 * 60 * MINUTE;
        const flags = referenceOpenMinutes(schedule, from, to);
        assert.deepEqual(cal.openIntervals(from, to), referenceIntervals(flags, from));
        for (const p of probes) assert.equal(cal.isOpen(from + p * MINUTE + 30_000), flags[p]);
        const expected = referenceAddMinutes(flags, from, startIndex, minutes);
        if (expected !== null)
          assert.equal(cal.addBusinessMinutes(from + startIndex * MINUTE, minutes), expected);
        const [i, j] = startIndex <= endIndex ? [startIndex, endIndex] : [endIndex, startIndex];
        assert.equal(
          cal.businessMinutesBetween(from + i * MINUTE, from + j * MINUTE),
          flags.slice(i, j).filter(Boolean).length,
        );
      }),
      { numRuns: 60 },
    );
  });

  it('isOpen agrees with the reference at arbitrary instants in all zones', () => {
    fc.assert(
      fc.property(scheduleArb(), instant2026Arb, (s, at) => {
        assert.equal(new BusinessCalendar(s).isOpen(at), referenceIsOpen(s, at));
      }),
      { numRuns: 300 },
    );
  });
});
