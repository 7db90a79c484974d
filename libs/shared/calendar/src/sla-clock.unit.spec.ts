import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NoOpenHoursError } from './business-calendar';
import { parseLocationSchedule } from './location-schedule';
import { clockStart, computeDueAt, slaStatus, thresholdInstants, type SlaClockBasis } from './sla-clock';
import { instant2026Arb, openScheduleArb } from './test-fixtures/schedule-arbitraries';

const ms = (iso: string): number => Date.parse(iso);
const lunch: [string, string][] = [
  ['08:00', '12:00'],
  ['13:00', '17:00'],
];
const aurora = parseLocationSchedule({
  timezone: 'America/Denver',
  hours: { mon: lunch, tue: lunch, wed: lunch, thu: lunch, fri: lunch },
  holidays: ['2026-12-25'],
});
const business: SlaClockBasis = { mode: 'business', schedule: aurora };

describe('clockStart', () => {
  it('starts at occurredAt (event time)', () => {
    assert.equal(clockStart('2026-11-23T11:50:00-07:00'), ms('2026-11-23T18:50:00Z'));
    assert.equal(clockStart('2026-11-23T11:50:00-07:00', null), ms('2026-11-23T18:50:00Z'));
  });

  it('starts at a preferred-window start later than occurredAt, never earlier', () => {
    assert.equal(
      clockStart('2026-11-23T11:50:00-07:00', '2026-11-23T15:00:00-07:00'),
      ms('2026-11-23T22:00:00Z'),
    );
    assert.equal(
      clockStart('2026-11-23T11:50:00-07:00', '2026-11-23T09:00:00-07:00'),
      ms('2026-11-23T18:50:00Z'),
    );
  });
});

describe('Tier 1: wall-clock 24/7', () => {
  it('is due 15 real minutes later, even after hours', () => {
    const target = { mode: 'wall_clock', startedAt: '2026-11-20T18:00:00-07:00', targetMinutes: 15 } as const;
    assert.equal(computeDueAt(target), ms('2026-11-21T01:15:00Z'));
    assert.deepEqual(thresholdInstants(target), {
      atRiskAt: ms('2026-11-21T01:11:15Z'),
      breachAt: ms('2026-11-21T01:15:00Z'),
    });
    const at = (now: string) =>
      slaStatus({ mode: 'wall_clock', startedAt: target.startedAt, dueAt: computeDueAt(target), now });
    assert.equal(at('2026-11-21T01:05:00Z'), 'on_track');
    assert.equal(at('2026-11-21T01:11:15Z'), 'at_risk');
    assert.equal(at('2026-11-21T01:15:00Z'), 'breached');
  });
});

describe('Tier 2/3: business minutes', () => {
  it('a new-patient call at 11:50 is due 13:05 and is not at risk over lunch', () => {
    const startedAt = '2026-11-23T11:50:00-07:00';
    const dueAt = computeDueAt({ ...business, startedAt, targetMinutes: 15 });
    assert.equal(dueAt, ms('2026-11-23T20:05:00Z'));
    const { atRiskAt, breachAt } = thresholdInstants({ ...business, startedAt, targetMinutes: 15 });
    assert.equal(atRiskAt, ms('2026-11-23T20:01:15Z')); // 13:01:15 local: 11.25 business minutes
    assert.equal(breachAt, dueAt);
    const at = (now: string) => slaStatus({ ...business, startedAt, dueAt, now });
    assert.equal(at('2026-11-23T11:55:00-07:00'), 'on_track');
    assert.equal(at('2026-11-23T12:45:00-07:00'), 'on_track'); // 10 of 15 minutes, clock paused
    assert.equal(at('2026-11-23T13:01:14.999-07:00'), 'on_track');
    assert.equal(at('2026-11-23T13:01:15-07:00'), 'at_risk');
    assert.equal(at('2026-11-23T13:05:00-07:00'), 'breached');
  });

  it('a Tier 3 voicemail on Friday 18:00 is due Monday 09:00', () => {
    const startedAt = clockStart('2026-11-20T18:00:00-07:00');
    assert.equal(computeDueAt({ ...business, startedAt, targetMinutes: 60 }), ms('2026-11-23T16:00:00Z'));
    const dueAt = computeDueAt({ ...business, startedAt, targetMinutes: 60 });
    assert.equal(slaStatus({ ...business, startedAt, dueAt, now: '2026-11-22T12:00:00-07:00' }), 'on_track');
  });

  it('a preferred window moves the business clock start', () => {
    const startedAt = clockStart('2026-11-23T08:10:00-07:00', '2026-11-23T14:00:00-07:00');
    assert.equal(computeDueAt({ ...business, startedAt, targetMinutes: 15 }), ms('2026-11-23T21:15:00Z'));
  });

  it('throws a typed error for a schedule that never opens', () => {
    const closed = parseLocationSchedule({ timezone: 'America/Denver', hours: {} });
    assert.throws(
      () => computeDueAt({ mode: 'business', schedule: closed, startedAt: 0, targetMinutes: 15 }),
      NoOpenHoursError,
    );
  });

  it('rejects a negative target', () => {
    assert.throws(() => computeDueAt({ mode: 'wall_clock', startedAt: 0, targetMinutes: -1 }), RangeError);
  });
});

describe('SLA clock properties', () => {
  it('slaStatus changes exactly at the threshold instants', () => {
    const basisArb: fc.Arbitrary<SlaClockBasis> = fc.oneof(
      fc.constant<SlaClockBasis>({ mode: 'wall_clock' }),
      openScheduleArb().map((schedule): SlaClockBasis => ({ mode: 'business', schedule })),
    );
    fc.assert(
      fc.property(
        basisArb,
        instant2026Arb,
        fc.constantFrom(15, 60, 7, 1, 0),
        fc.integer({ min: -86_400_000, max: 30 * 86_400_000 }),
        (basis, startedAt, targetMinutes, offset) => {
          const target = { ...basis, startedAt, targetMinutes };
          const dueAt = computeDueAt(target);
          const { atRiskAt, breachAt } = thresholdInstants(target);
          assert.equal(breachAt, dueAt);
          assert.ok(atRiskAt <= breachAt);
          for (const now of [startedAt + offset, atRiskAt - 1, atRiskAt, breachAt - 1, breachAt]) {
            const expected = now >= breachAt ? 'breached' : now >= atRiskAt ? 'at_risk' : 'on_track';
            assert.equal(slaStatus({ ...basis, startedAt, dueAt, now }), expected, `now=${now}`);
          }
        },
      ),
      { numRuns: 250 },
    );
  });
});
