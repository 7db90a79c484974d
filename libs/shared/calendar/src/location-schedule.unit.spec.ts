import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLocationSchedule, safeParseLocationSchedule } from './location-schedule';

const aurora = {
  timezone: 'America/Denver',
  hours: {
    mon: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    tue: [['08:00', '17:00']],
    wed: [],
    thu: [],
    fri: [],
    sat: [],
    sun: [],
  },
  holidays: ['2026-12-25'],
};

/** `field → message` of every issue, for compact assertions on paths. */
function issues(input: unknown): Map<string, string> {
  const result = safeParseLocationSchedule(input);
  assert.ok(!result.success, 'expected the schedule to be rejected');
  return new Map(result.error.issues.map((i) => [i.path.map(String).join('.'), i.message]));
}

describe('location schedule validation', () => {
  it('accepts the contract example unchanged', () => {
    assert.deepEqual(parseLocationSchedule(aurora), aurora);
  });

  it('treats holidays as optional and missing weekdays as closed', () => {
    const s = parseLocationSchedule({ timezone: 'Pacific/Honolulu', hours: { sat: [['09:00', '13:00']] } });
    assert.deepEqual(s.holidays, []);
    assert.equal(s.hours.mon, undefined);
  });

  it('allows 24:00 as an end, touching intervals and a whole day', () => {
    const s = parseLocationSchedule({
      timezone: 'America/New_York',
      hours: {
        fri: [
          ['08:00', '12:00'],
          ['12:00', '24:00'],
        ],
        sat: [['00:00', '24:00']],
      },
    });
    assert.deepEqual(s.hours.sat, [['00:00', '24:00']]);
  });

  it('rejects an unknown time zone at `timezone`', () => {
    const found = issues({ ...aurora, timezone: 'America/Boulder' });
    assert.deepEqual([...found.keys()], ['timezone']);
    assert.match(found.get('timezone') ?? '', /time zone/);
  });

  it('rejects overlapping and unordered intervals at the offending index', () => {
    const overlapping = issues({
      ...aurora,
      hours: {
        mon: [
          ['08:00', '12:00'],
          ['11:30', '13:00'],
        ],
      },
    });
    assert.deepEqual([...overlapping.keys()], ['hours.mon.1']);
    const unordered = issues({
      ...aurora,
      hours: {
        tue: [
          ['13:00', '17:00'],
          ['08:00', '12:00'],
        ],
      },
    });
    assert.deepEqual([...unordered.keys()], ['hours.tue.1']);
  });

  it('rejects intervals that end before they start, and 24:00 as a start', () => {
    const found = issues({ ...aurora, hours: { wed: [['17:00', '08:00']], thu: [['24:00', '24:00']] } });
    assert.deepEqual([...found.keys()].sort(), ['hours.thu.0', 'hours.wed.0']);
    assert.match(found.get('hours.thu.0') ?? '', /24:00 may only end/);
  });

  it('rejects malformed times at the element path', () => {
    const found = issues({
      ...aurora,
      hours: {
        fri: [
          ['8:00', '12:00'],
          ['13:00', '24:30'],
        ],
        sat: [['09:00']],
      },
    });
    assert.deepEqual([...found.keys()].sort(), ['hours.fri.0.0', 'hours.fri.1.1', 'hours.sat.0']);
  });

  it('rejects unknown weekday keys', () => {
    const found = issues({ ...aurora, hours: { monday: [['08:00', '17:00']] } });
    assert.deepEqual([...found.keys()], ['hours']);
  });

  it('rejects impossible and malformed holiday dates by index', () => {
    const found = issues({ ...aurora, holidays: ['2026-12-25', '2026-02-30', '2026-1-5', '2027-02-29'] });
    assert.deepEqual([...found.keys()], ['holidays.1', 'holidays.2', 'holidays.3']);
    assert.doesNotThrow(() => parseLocationSchedule({ ...aurora, holidays: ['2028-02-29'] }));
  });

  it('reports missing required fields', () => {
    const found = issues({ holidays: [] });
    assert.deepEqual([...found.keys()].sort(), ['hours', 'timezone']);
  });
});
