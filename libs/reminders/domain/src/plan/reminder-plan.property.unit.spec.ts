import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { inQuietHours, outOfQuietHours, planReminders } from './reminder-plan';

const DENVER = 'America/Denver';
const local = (iso: string, zone = DENVER) => DateTime.fromISO(iso, { zone }).toUTC().toISO()!;
const kinds = (p: ReturnType<typeof planReminders>) => p.messages.map((m) => [m.kind, m.sendAt]);

describe('reminder plan', () => {
  it('a Thursday 10:00 visit booked on Monday: confirmation now, 48 h, 24 h and a same-day message at 08:00', () => {
    const plan = planReminders({
      appointmentStart: local('2026-12-03T10:00'),
      bookedAt: local('2026-11-30T11:00'),
      timezone: DENVER,
      bestTimeWindow: null,
      highRisk: false,
    });
    assert.deepEqual(kinds(plan), [
      ['confirmation', local('2026-11-30T11:00')],
      ['reminder_48h', local('2026-12-01T10:00')],
      ['reminder_24h', local('2026-12-02T10:00')],
      ['same_day', local('2026-12-03T08:00')],
    ]);
    assert.equal(plan.followUpAt, local('2026-12-02T14:00'));
    assert.equal(plan.outreachAt, null);
  });

  it('quiet hours move a booking at 21:30 to 08:00 and a 07:30 visit’s reminders out of the night', () => {
    const plan = planReminders({
      appointmentStart: local('2026-12-03T07:30'),
      bookedAt: local('2026-11-30T21:30'),
      timezone: DENVER,
      bestTimeWindow: null,
      highRisk: false,
    });
    assert.deepEqual(kinds(plan), [
      // The 48 h reminder would come with the confirmation: one message is enough.
      ['confirmation', local('2026-12-01T08:00')],
      ['reminder_24h', local('2026-12-02T08:00')],
    ]);
  });

  it('puts reminders in the patient’s best window and gives high-risk patients outreach instead of the 48 h reminder', () => {
    const plan = planReminders({
      appointmentStart: local('2026-12-03T10:00'),
      bookedAt: local('2026-11-30T11:00'),
      timezone: DENVER,
      bestTimeWindow: { start: '17:00', end: '19:00' },
      highRisk: true,
    });
    assert.equal(plan.outreachAt, local('2026-12-01T17:00'));
    assert.deepEqual(kinds(plan), [
      ['confirmation', local('2026-11-30T11:00')],
      ['reminder_24h', local('2026-12-02T17:00')],
      ['same_day', local('2026-12-03T08:00')],
    ]);
  });

  it('keeps local times across a DST change (two days before a Monday after the autumn change)', () => {
    // 1 November 2026: clocks go back in the US. The 48 h reminder of Monday 2 Nov 10:00 MST comes on
    // Saturday 31 Oct at 10:00 MDT (49 hours ahead in real time), at the hour of the appointment.
    const plan = planReminders({
      appointmentStart: local('2026-11-02T10:00'),
      bookedAt: local('2026-10-20T09:00'),
      timezone: DENVER,
      bestTimeWindow: null,
      highRisk: false,
    });
    assert.equal(plan.messages.find((m) => m.kind === 'reminder_48h')?.sendAt, '2026-10-31T16:00:00.000Z');
    assert.equal(
      DateTime.fromISO(plan.messages.find((m) => m.kind === 'reminder_48h')!.sendAt, { zone: DENVER }).hour,
      10,
    );
    assert.equal(plan.messages.find((m) => m.kind === 'reminder_24h')?.sendAt, '2026-11-01T17:00:00.000Z');
  });

  it('never in quiet hours, never after the start, never before the booking, in time order (property)', () => {
    const zones = fc.constantFrom(
      'America/Denver',
      'America/New_York',
      'America/Los_Angeles',
      'Europe/London',
      'Pacific/Auckland',
    );
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        zones,
        fc.integer({ min: 0, max: 360 * 24 * 60 }),
        fc.integer({ min: 1, max: 30 * 24 * 60 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 6 }))),
        fc.boolean(),
        (zone, bookedMin, leadMin, window, highRisk) => {
          const booked = t0 + bookedMin * 60_000;
          const start = booked + leadMin * 60_000;
          const bestTimeWindow = window
            ? {
                start: `${String(window[0]).padStart(2, '0')}:00`,
                end: `${String(Math.min(24, window[0] + window[1])).padStart(2, '0')}:00`.replace(
                  '24:00',
                  '23:59',
                ),
              }
            : null;
          const plan = planReminders({
            appointmentStart: new Date(start).toISOString(),
            bookedAt: new Date(booked).toISOString(),
            timezone: zone,
            bestTimeWindow,
            highRisk,
          });
          let previous = -Infinity;
          for (const m of plan.messages) {
            const at = Date.parse(m.sendAt);
            assert.ok(!inQuietHours(at, zone), `${m.kind} at ${m.sendAt} is in quiet hours (${zone})`);
            assert.ok(at < start, `${m.kind} after the start`);
            assert.ok(at >= booked, `${m.kind} before the booking`);
            assert.ok(at >= previous, 'in time order');
            previous = at;
          }
          assert.equal(
            new Set(plan.messages.map((m) => m.kind)).size,
            plan.messages.length,
            'each kind once',
          );
          if (highRisk) assert.ok(!plan.messages.some((m) => m.kind === 'reminder_48h'));
          if (plan.outreachAt) assert.ok(Date.parse(plan.outreachAt) < start);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('quiet hours end at 08:00 local the same or the next day', () => {
    assert.equal(
      new Date(outOfQuietHours(Date.parse(local('2026-12-01T21:00')), DENVER)).toISOString(),
      local('2026-12-02T08:00'),
    );
    assert.equal(
      new Date(outOfQuietHours(Date.parse(local('2026-12-01T03:00')), DENVER)).toISOString(),
      local('2026-12-01T08:00'),
    );
    assert.equal(
      new Date(outOfQuietHours(Date.parse(local('2026-12-01T12:00')), DENVER)).toISOString(),
      local('2026-12-01T12:00'),
    );
  });
});
