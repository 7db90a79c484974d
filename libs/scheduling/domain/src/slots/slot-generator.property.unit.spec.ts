import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateSlots, type ProviderTemplate } from './slot-generator';

const template = (over: Partial<ProviderTemplate> = {}): ProviderTemplate => ({
  templateId: 'tpl-1',
  providerId: 'dr-lee',
  locationId: 'aurora',
  timezone: 'America/Denver',
  weekly: {
    mon: [
      { start: '08:00', end: '12:00', slotMinutes: 30, appointmentTypeIds: ['new-visit', 'follow-up'] },
      { start: '13:00', end: '14:00', slotMinutes: 20, appointmentTypeIds: ['follow-up'], protected: true },
    ],
  },
  ...over,
});

describe('provider templates to slots', () => {
  it('cuts a Monday into slots in the location’s time zone, protected ones marked', () => {
    const slots = generateSlots(template(), '2026-11-30', '2026-12-01');
    assert.equal(slots.length, 8 + 3);
    assert.deepEqual(generateSlots(template(), '2026-11-30', '2026-12-01', ['2026-11-30']), []);
    assert.equal(slots[0]!.start, '2026-11-30T15:00:00.000Z'); // 08:00 MST
    assert.equal(slots[0]!.slotId, 'dr-lee.2026-11-30T15:00:00.000Z');
    assert.equal(slots[7]!.end, '2026-11-30T19:00:00.000Z');
    assert.deepEqual(
      slots.slice(8).map((s) => [s.start, s.protected]),
      [
        ['2026-11-30T20:00:00.000Z', true],
        ['2026-11-30T20:20:00.000Z', true],
        ['2026-11-30T20:40:00.000Z', true],
      ],
    );
  });

  it('keeps real slot lengths across DST changes (an overnight interval on the fall-back night)', () => {
    const overnight = template({
      weekly: {
        sat: [{ start: '22:00', end: '24:00', slotMinutes: 60, appointmentTypeIds: ['x'] }],
        sun: [{ start: '00:00', end: '04:00', slotMinutes: 60, appointmentTypeIds: ['x'] }],
      },
    });
    // 2026-11-01: Denver falls back at 02:00; the local night 00:00-04:00 lasts five real hours.
    const slots = generateSlots(overnight, '2026-10-31', '2026-11-01');
    const sunday = slots.filter((s) => s.start >= '2026-11-01T06:00:00.000Z');
    assert.equal(sunday.length, 5);
    for (const s of slots) assert.equal(Date.parse(s.end) - Date.parse(s.start), 3_600_000);
  });

  it('an interval ending at a time the fall-back night repeats ends at its first occurrence', () => {
    // Found by the property below (seed 525541812): 00:00-01:00 on 2027-11-07 in Denver made 2 hours.
    const early = template({
      weekly: { sun: [{ start: '00:00', end: '01:00', slotMinutes: 15, appointmentTypeIds: ['t'] }] },
    });
    const slots = generateSlots(early, '2027-11-07', '2027-11-07');
    assert.deepEqual(
      slots.map((s) => s.start),
      ['06:00', '06:15', '06:30', '06:45'].map((t) => `2027-11-07T${t}:00.000Z`),
    );
  });

  it('a half hour the fall-back night repeats gives slots in both occurrences and none outside it', () => {
    // Found by the property below (seed -1996210284): 01:30-02:00 on 2027-11-07 in Denver lasts 90 real
    // minutes (01:30 MDT to 02:00 MST) and made slots at 01:00 and 01:15 MST, outside its hours.
    const repeated = template({
      weekly: { sun: [{ start: '01:30', end: '02:00', slotMinutes: 15, appointmentTypeIds: ['t'] }] },
    });
    const slots = generateSlots(repeated, '2027-11-07', '2027-11-07');
    assert.deepEqual(
      slots.map((s) => s.start),
      ['07:30', '07:45', '08:30', '08:45'].map((t) => `2027-11-07T${t}:00.000Z`),
    );
  });

  it('never overlaps, stays inside the template’s local hours, and is stable (property)', () => {
    const zones = [
      'America/Denver',
      'America/New_York',
      'America/Los_Angeles',
      'America/Phoenix',
      'Europe/London',
    ];
    const hhmm = fc
      .integer({ min: 0, max: 47 })
      .map((h) => `${String(Math.floor(h / 2)).padStart(2, '0')}:${h % 2 ? '30' : '00'}`);
    const interval = fc
      .tuple(hhmm, hhmm, fc.constantFrom(15, 20, 30, 45, 60))
      .filter(([a, b]) => a < b)
      .map(([start, end, slotMinutes]) => ({ start, end, slotMinutes, appointmentTypeIds: ['t'] }));
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.array(interval, { maxLength: 2 }),
        fc.date({ min: new Date('2026-01-01'), max: new Date('2027-12-20'), noInvalidDate: true }),
        (timezone, intervals, date) => {
          // Non-overlapping intervals of one day, as a clinic writes them.
          const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : 1));
          if (sorted.some((x, i) => i > 0 && x.start < sorted[i - 1]!.end)) return;
          const tpl = template({
            timezone,
            weekly: {
              mon: sorted,
              tue: sorted,
              wed: sorted,
              thu: sorted,
              fri: sorted,
              sat: sorted,
              sun: sorted,
            },
          });
          const day = date.toISOString().slice(0, 10);
          const to = new Date(date.getTime() + 7 * 86_400_000).toISOString().slice(0, 10);
          const slots = generateSlots(tpl, day, to);
          for (let i = 1; i < slots.length; i++)
            assert.ok(slots[i - 1]!.end <= slots[i]!.start, 'no overlap');
          assert.equal(new Set(slots.map((s) => s.slotId)).size, slots.length);
          for (const s of slots) {
            const len = Date.parse(s.end) - Date.parse(s.start);
            assert.ok(len >= 15 * 60_000 && len <= 60 * 60_000);
            const local = new Intl.DateTimeFormat('en-GB', {
              timeZone: timezone,
              hour: '2-digit',
              minute: '2-digit',
              hourCycle: 'h23',
            }).format(new Date(s.start));
            assert.ok(
              sorted.some((x) => local >= x.start && local < x.end),
              `${local} in hours`,
            );
          }
          assert.deepEqual(generateSlots(tpl, day, to), slots, 'regenerating gives the same slots');
        },
      ),
      { numRuns: 150 },
    );
  });
});
