import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@ringback/kernel';
import { BusinessCalendar, NoOpenHoursError, SEARCH_HORIZON_DAYS, toEpochMillis } from './business-calendar';
import type { LocationScheduleInput } from './location-schedule';

const ms = (iso: string): number => Date.parse(iso);
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

const lunch: [string, string][] = [
  ['08:00', '12:00'],
  ['13:00', '17:00'],
];
/** Aurora (Denver): weekdays with a lunch closure, closed on 2026-12-25. */
const denver = new BusinessCalendar({
  timezone: 'America/Denver',
  hours: { mon: lunch, tue: lunch, wed: lunch, thu: lunch, fri: lunch, sat: [], sun: [] },
  holidays: ['2026-12-25'],
});

const weekdays = (zone: string, hours: [string, string][]): LocationScheduleInput => ({
  timezone: zone,
  hours: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours },
});

describe('BusinessCalendar: Denver clinic with a lunch closure', () => {
  it('a call at 11:50 with 15 business minutes is due at 13:05 local', () => {
    const due = denver.addBusinessMinutes('2026-11-23T11:50:00-07:00', 15);
    assert.equal(iso(due), '2026-11-23T20:05:00.000Z');
    assert.equal(denver.businessMinutesBetween('2026-11-23T11:50:00-07:00', due), 15);
  });

  it('is open at opening time and closed at closing time', () => {
    assert.equal(denver.isOpen('2026-11-23T08:00:00-07:00'), true);
    assert.equal(denver.isOpen('2026-11-23T11:59:59.999-07:00'), true);
    assert.equal(denver.isOpen('2026-11-23T12:00:00-07:00'), false);
    assert.equal(denver.isOpen('2026-11-23T12:30:00-07:00'), false);
    assert.equal(denver.isOpen('2026-11-23T17:00:00-07:00'), false);
  });

  it('an after-hours voicemail on Friday 18:00 starts its clock at Monday opening', () => {
    const friday = '2026-11-20T18:00:00-07:00';
    assert.equal(denver.isOpen(friday), false);
    assert.equal(iso(denver.nextOpening(friday)), '2026-11-23T15:00:00.000Z');
    assert.equal(iso(denver.addBusinessMinutes(friday, 15)), '2026-11-23T15:15:00.000Z');
    assert.equal(iso(denver.addBusinessMinutes(friday, 0)), '2026-11-23T15:00:00.000Z');
  });

  it('nextOpening of an open instant is the instant itself', () => {
    assert.equal(denver.nextOpening('2026-11-23T09:17:00-07:00'), ms('2026-11-23T16:17:00Z'));
  });

  it('a clock completing exactly at closing time is due at closing time', () => {
    assert.equal(iso(denver.addBusinessMinutes('2026-11-23T16:45:00-07:00', 15)), '2026-11-24T00:00:00.000Z');
  });

  it('skips the 2026-12-25 holiday (and the weekend after it)', () => {
    assert.equal(denver.isOpen('2026-12-25T10:00:00-07:00'), false);
    assert.equal(denver.businessMinutesBetween('2026-12-25T00:00:00-07:00', '2026-12-26T00:00:00-07:00'), 0);
    const due = denver.addBusinessMinutes('2026-12-24T16:55:00-07:00', 15);
    assert.equal(iso(due), '2026-12-28T15:10:00.000Z');
  });

  it('crosses the 2026-03-08 spring-forward weekend (MST to MDT)', () => {
    const due = denver.addBusinessMinutes('2026-03-06T16:50:00-07:00', 15);
    assert.equal(iso(due), '2026-03-09T14:05:00.000Z'); // 08:05 MDT
    // Opening is 08:00 local on both sides: 15:00Z before, 14:00Z after.
    assert.deepEqual(denver.openIntervals('2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z').slice(0, 3), [
      { start: ms('2026-03-06T15:00:00Z'), end: ms('2026-03-06T19:00:00Z') },
      { start: ms('2026-03-06T20:00:00Z'), end: ms('2026-03-07T00:00:00Z') },
      { start: ms('2026-03-09T14:00:00Z'), end: ms('2026-03-09T18:00:00Z') },
    ]);
  });

  it('crosses the 2026-11-01 fall-back weekend (MDT to MST)', () => {
    const due = denver.addBusinessMinutes('2026-10-30T16:50:00-06:00', 15);
    assert.equal(iso(due), '2026-11-02T15:05:00.000Z'); // 08:05 MST
  });

  it('reads ISO strings without an offset as local wall-clock time', () => {
    assert.equal(denver.addBusinessMinutes('2026-11-23T11:50', 15), ms('2026-11-23T20:05:00Z'));
    assert.throws(() => toEpochMillis('2026-11-23T11:50'), RangeError);
    assert.throws(() => denver.isOpen('not a date'), RangeError);
    assert.throws(() => denver.addBusinessMinutes(0, -1), RangeError);
  });
});

describe('BusinessCalendar: DST gaps and overlaps are read off the local wall clock', () => {
  const sunday = (hours: [string, string][]): BusinessCalendar =>
    new BusinessCalendar({ timezone: 'America/Denver', hours: { sun: hours } });

  it('an interval spanning the skipped hour is one real hour shorter', () => {
    const cal = sunday([['01:00', '04:00']]);
    assert.deepEqual(cal.openIntervals('2026-03-07T00:00:00Z', '2026-03-09T00:00:00Z'), [
      { start: ms('2026-03-08T08:00:00Z'), end: ms('2026-03-08T10:00:00Z') }, // 01:00 MST – 04:00 MDT
    ]);
  });

  it('an interval spanning the repeated hour is one real hour longer', () => {
    const cal = sunday([['01:00', '04:00']]);
    assert.equal(cal.businessMinutesBetween('2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z'), 240);
    assert.equal(iso(cal.addBusinessMinutes('2026-11-01T01:00:00-06:00', 90)), '2026-11-01T08:30:00.000Z'); // 01:30 MST
  });

  it('an opening inside the gap opens at the first instant after it', () => {
    const cal = sunday([['02:30', '05:00']]);
    assert.equal(iso(cal.nextOpening('2026-03-08T00:00:00-07:00')), '2026-03-08T09:00:00.000Z'); // 03:00 MDT
    assert.equal(cal.businessMinutesBetween('2026-03-08T00:00:00-07:00', '2026-03-09T00:00:00-06:00'), 120);
  });

  it('an interval entirely inside the gap contributes nothing that day', () => {
    const cal = sunday([['02:15', '02:45']]);
    assert.equal(cal.businessMinutesBetween('2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z'), 0);
    assert.equal(iso(cal.nextOpening('2026-03-08T00:00:00-07:00')), '2026-03-15T08:15:00.000Z');
  });

  it('an interval inside the repeated hour is open on both passes', () => {
    const cal = sunday([['01:15', '01:45']]);
    assert.deepEqual(cal.openIntervals('2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z'), [
      { start: ms('2026-11-01T07:15:00Z'), end: ms('2026-11-01T07:45:00Z') }, // MDT pass
      { start: ms('2026-11-01T08:15:00Z'), end: ms('2026-11-01T08:45:00Z') }, // MST pass
    ]);
  });

  it('a 24/7 location counts real time across both transitions', () => {
    const day: [string, string][] = [['00:00', '24:00']];
    const cal = new BusinessCalendar({
      timezone: 'America/Denver',
      hours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
    });
    assert.equal(cal.addBusinessMinutes('2026-03-08T01:30:00-07:00', 60), ms('2026-03-08T09:30:00Z'));
    assert.equal(
      cal.businessMinutesBetween('2026-11-01T00:00:00-06:00', '2026-11-02T00:00:00-07:00'),
      25 * 60,
    );
    assert.deepEqual(cal.openIntervals('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'), [
      { start: ms('2026-03-01T00:00:00Z'), end: ms('2026-04-01T00:00:00Z') },
    ]);
  });
});

describe('BusinessCalendar: other zones', () => {
  it('Honolulu has no DST: opening stays 18:00Z across 2026-03-08', () => {
    const cal = new BusinessCalendar(weekdays('Pacific/Honolulu', [['08:00', '17:00']]));
    assert.equal(cal.nextOpening('2026-03-06T20:00:00Z'), ms('2026-03-06T20:00:00Z'));
    assert.equal(iso(cal.nextOpening('2026-03-07T12:00:00Z')), '2026-03-09T18:00:00.000Z');
    assert.equal(iso(cal.addBusinessMinutes('2026-03-06T16:30:00-10:00', 60)), '2026-03-09T18:30:00.000Z'); // 08:30 HST
  });

  it('New York moves from EST to EDT over the same weekend', () => {
    const cal = new BusinessCalendar(weekdays('America/New_York', [['09:00', '17:00']]));
    assert.equal(iso(cal.addBusinessMinutes('2026-03-06T16:30:00-05:00', 60)), '2026-03-09T13:30:00.000Z');
    assert.equal(cal.businessMinutesBetween('2026-03-06T16:30:00-05:00', '2026-03-09T09:30:00-04:00'), 60);
  });
});

describe('BusinessCalendar: a 24:00 end', () => {
  const cal = new BusinessCalendar({
    timezone: 'America/Denver',
    hours: { sat: [['08:00', '24:00']], sun: [['00:00', '12:00']] },
  });

  it('runs the clock straight through midnight into the next day', () => {
    assert.equal(iso(cal.addBusinessMinutes('2026-11-21T23:55:00-07:00', 10)), '2026-11-22T07:05:00.000Z');
    assert.equal(cal.isOpen('2026-11-21T23:59:59.999-07:00'), true);
    assert.equal(cal.isOpen('2026-11-22T00:00:00-07:00'), true);
  });

  it('reports Saturday 08:00 to Sunday 12:00 as one open interval', () => {
    assert.deepEqual(cal.openIntervals('2026-11-20T00:00:00Z', '2026-11-24T00:00:00Z'), [
      { start: ms('2026-11-21T15:00:00Z'), end: ms('2026-11-22T19:00:00Z') },
    ]);
  });

  it('24:00 is the next local midnight even on a 25-hour day', () => {
    const late = new BusinessCalendar({ timezone: 'America/Denver', hours: { sat: [['23:00', '24:00']] } });
    assert.deepEqual(late.openIntervals('2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z'), [
      { start: ms('2026-11-01T05:00:00Z'), end: ms('2026-11-01T06:00:00Z') },
    ]);
  });
});

describe('BusinessCalendar: schedules that never open', () => {
  const closed = new BusinessCalendar({ timezone: 'America/Denver', hours: { mon: [], tue: [] } });

  it('nextOpening is null and addBusinessMinutes throws a typed error instead of looping', () => {
    assert.equal(closed.hasOpenHours(), false);
    assert.equal(closed.nextOpening('2026-01-01T00:00:00Z'), null);
    assert.throws(
      () => closed.addBusinessMinutes('2026-01-01T00:00:00Z', 15),
      (e: unknown) =>
        e instanceof NoOpenHoursError && e instanceof DomainError && e.code === 'calendar_no_open_hours',
    );
    assert.equal(closed.businessMinutesBetween('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), 0);
  });

  it('gives up when holidays cover every open day within the horizon', () => {
    const start = Date.UTC(2026, 0, 1);
    const holidays = Array.from({ length: SEARCH_HORIZON_DAYS + 10 }, (_, i) =>
      new Date(start + i * 86_400_000).toISOString().slice(0, 10),
    );
    const cal = new BusinessCalendar({
      timezone: 'Pacific/Honolulu',
      hours: { wed: [['09:00', '10:00']] },
      holidays,
    });
    assert.equal(cal.nextOpening('2026-01-01T12:00:00Z'), null);
    assert.throws(() => cal.addBusinessMinutes('2026-01-01T12:00:00Z', 1), NoOpenHoursError);
  });

  it('rejects an invalid schedule at construction', () => {
    assert.throws(() => new BusinessCalendar({ timezone: 'Nowhere/Land', hours: {} }));
  });
});
