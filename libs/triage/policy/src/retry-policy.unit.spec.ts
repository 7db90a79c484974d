import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BusinessCalendar } from '@ringback/calendar';
import { inQuietHours, nextAttempt, nextBusinessMorning, outOfQuietHours } from './retry-policy';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ZONES = ['America/Denver', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata'];

const aurora = new BusinessCalendar({
  timezone: 'America/Denver',
  hours: {
    mon: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    tue: [['08:00', '17:00']],
    wed: [['09:30', '17:00']],
    thu: [['07:00', '17:00']],
    fri: [['08:00', '17:00']],
  },
  holidays: ['2026-12-25'],
});

const calendarFor = (timezone: string, open: string, close: string): BusinessCalendar =>
  new BusinessCalendar({
    timezone,
    hours: { mon: [[open, close]], tue: [[open, close]], wed: [[open, close]], fri: [[open, close]] },
    holidays: [],
  });

const START_2026 = Date.parse('2026-01-01T00:00:00Z');
const END_2026 = Date.parse('2026-12-31T00:00:00Z');
const instantArb = fc.integer({ min: START_2026, max: END_2026 });
const zoneArb = fc.constantFrom(...ZONES);
const calendarArb = fc.option(
  fc
    .tuple(zoneArb, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 10 }))
    .map(([zone, openHour, length]) => {
      const pad = (h: number) => `${String(h).padStart(2, '0')}:00`;
      return calendarFor(zone, pad(openHour), pad(Math.min(23, openHour + length)));
    }),
  { nil: null },
);
const windowArb = fc.option(
  fc
    .tuple(fc.integer({ min: -2 * 24 * HOUR, max: 5 * 24 * HOUR }), fc.integer({ min: 1, max: 12 * HOUR }))
    .map(([offset, length]) => ({ offset, length })),
  { nil: null },
);

describe('retry policy', () => {
  it('attempt 1 → +15 min, attempt 2 → +2 h (outside quiet hours)', () => {
    // Monday 2026-11-23 10:00 in Denver.
    const at = '2026-11-23T17:00:00.000Z';
    const base = { attemptedAt: at, timezone: 'America/Denver', calendar: aurora };
    assert.deepEqual(nextAttempt({ ...base, failedAttemptNumber: 1 }), {
      nextAttemptAt: '2026-11-23T17:15:00.000Z',
      retriesExhausted: false,
    });
    assert.deepEqual(nextAttempt({ ...base, failedAttemptNumber: 2 }), {
      nextAttemptAt: '2026-11-23T19:00:00.000Z',
      retriesExhausted: false,
    });
  });

  it('attempt 3 → next business morning (the location opening), and retries are exhausted', () => {
    // Tuesday 2026-11-24 10:00 Denver: Wednesday opens at 09:30.
    const r = nextAttempt({
      failedAttemptNumber: 3,
      attemptedAt: '2026-11-24T17:00:00.000Z',
      timezone: 'America/Denver',
      calendar: aurora,
    });
    assert.deepEqual(r, { nextAttemptAt: '2026-11-25T16:30:00.000Z', retriesExhausted: true });
    // Thursday opens at 07:00, inside quiet hours: 08:00 instead.
    const thu = nextAttempt({
      failedAttemptNumber: 3,
      attemptedAt: '2026-11-25T17:00:00.000Z',
      timezone: 'America/Denver',
      calendar: aurora,
    });
    assert.equal(thu.nextAttemptAt, '2026-11-26T15:00:00.000Z');
    // Friday after 17:00 → Monday 08:00 (closed on the weekend).
    const fri = nextAttempt({
      failedAttemptNumber: 3,
      attemptedAt: '2026-11-27T23:30:00.000Z',
      timezone: 'America/Denver',
      calendar: aurora,
    });
    assert.equal(fri.nextAttemptAt, '2026-11-30T15:00:00.000Z');
  });

  it('never schedules into quiet hours: 20:00 + 2 h moves to 08:00 the next day', () => {
    // Monday 20:00 Denver = 03:00Z Tuesday.
    const r = nextAttempt({
      failedAttemptNumber: 2,
      attemptedAt: '2026-11-24T03:00:00.000Z',
      timezone: 'America/Denver',
      calendar: aurora,
    });
    assert.equal(r.nextAttemptAt, '2026-11-24T15:00:00.000Z');
  });

  it('moves into a preferred window that is still ahead, and ignores one that has passed', () => {
    const base = {
      failedAttemptNumber: 1,
      attemptedAt: '2026-11-23T17:00:00.000Z',
      timezone: 'America/Denver',
      calendar: aurora,
    };
    const ahead = nextAttempt({
      ...base,
      preferredWindow: { start: '2026-11-23T21:00:00.000Z', end: '2026-11-23T23:00:00.000Z' },
    });
    assert.equal(ahead.nextAttemptAt, '2026-11-23T21:00:00.000Z');
    const past = nextAttempt({
      ...base,
      preferredWindow: { start: '2026-11-23T14:00:00.000Z', end: '2026-11-23T16:00:00.000Z' },
    });
    assert.equal(past.nextAttemptAt, '2026-11-23T17:15:00.000Z');
  });

  it('quiet-hour helpers agree with each other', () => {
    fc.assert(
      fc.property(instantArb, zoneArb, (t, zone) => {
        const out = outOfQuietHours(t, zone);
        assert.ok(out >= t);
        assert.equal(inQuietHours(out, zone), false);
        if (!inQuietHours(t, zone)) assert.equal(out, t);
        assert.ok(nextBusinessMorning(t, zone, null) > t);
      }),
      { numRuns: 500 },
    );
  });

  it('property: after the attempt, never in quiet hours, non-decreasing with the attempt number', () => {
    fc.assert(
      fc.property(instantArb, zoneArb, calendarArb, windowArb, (at, zone, calendar, w) => {
        const timezone = calendar?.timezone ?? zone;
        const preferredWindow = w
          ? {
              start: new Date(at + w.offset).toISOString(),
              end: new Date(at + w.offset + w.length).toISOString(),
            }
          : null;
        let previous = -Infinity;
        for (let n = 1; n <= 5; n++) {
          const r = nextAttempt({
            failedAttemptNumber: n,
            attemptedAt: at,
            timezone,
            calendar,
            preferredWindow,
          });
          const next = Date.parse(r.nextAttemptAt);
          assert.ok(next > at, `attempt ${n}: ${r.nextAttemptAt} is not after ${new Date(at).toISOString()}`);
          assert.equal(
            inQuietHours(next, timezone),
            false,
            `attempt ${n}: ${r.nextAttemptAt} in quiet hours`,
          );
          assert.ok(next >= previous, `attempt ${n} is earlier than attempt ${n - 1}`);
          assert.equal(r.retriesExhausted, n >= 3);
          previous = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
