import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deciderSpec, DomainError, foldEvents } from '@ringback/kernel';
import { schedulingAuthority } from './scheduling-authority';
import { slotDecider, type BookSlot, type SlotCommand, type SlotEvent, type SlotState } from './slot.decider';
import type { SlotSpec } from './slot-generator';
import type { PatientContact } from '@ringback/contracts';

const spec = deciderSpec(slotDecider);
const slotId = 'dr-lee.2026-12-02T15:00:00.000Z';
const slot: SlotSpec = {
  slotId,
  providerId: 'dr-lee',
  locationId: 'aurora',
  templateId: 'tpl-1',
  start: '2026-12-02T15:00:00.000Z',
  end: '2026-12-02T15:30:00.000Z',
  appointmentTypeIds: ['new-visit', 'follow-up'],
  protected: false,
};
const T = (iso: string) => `2026-12-${iso}`;
const patient: PatientContact = {
  patientRef: 'line-aurora-0101',
  phone: '+13035550101',
  email: null,
  preferredChannel: 'sms',
  language: 'en',
  bestTimeWindow: null,
  priorNoShows: 0,
};
const opened: SlotEvent = { type: 'SlotOpened', data: { ...slot, openedAt: T('01T10:00:00.000Z') } };
const book = (over: Partial<BookSlot['data']> = {}): SlotCommand => ({
  type: 'BookSlot',
  data: {
    slotId,
    at: T('01T16:00:00.000Z'),
    appointmentId: 'a-1',
    bookingId: 'b-1',
    appointmentTypeId: 'new-visit',
    newPatient: true,
    patient,
    source: 'callback',
    taskId: 't-1',
    bookedBy: 'ann',
    authority: { kind: 'direct', approvalId: null, approvedBy: null },
    typeAllowsNewPatients: true,
    ...over,
  },
});
const booked = slotDecider.decide(book(), foldEvents(slotDecider, [opened]));
const hold = (holdId = 'h-1', until = T('01T16:10:00.000Z'), at = T('01T16:00:00.000Z')): SlotCommand => ({
  type: 'HoldSlot',
  data: { slotId, at, holdId, purpose: 'waitlist_offer', until },
});
const code = (o: { error?: unknown }) => (o.error instanceof DomainError ? o.error.code : String(o.error));
const types = (o: { events?: SlotEvent[]; error?: unknown }) => {
  if (o.error) throw o.error;
  return o.events!.map((e) => e.type);
};

describe('Slot: open and book', () => {
  it('opens once; regenerating the template decides nothing', () => {
    spec
      .given([])
      .when({ type: 'OpenSlot', data: { slotId, at: T('01T10:00:00.000Z'), spec: slot } })
      .then((o) => assert.deepEqual(types(o), ['SlotOpened']));
    spec
      .given([opened])
      .when({ type: 'OpenSlot', data: { slotId, at: T('01T11:00:00.000Z'), spec: slot } })
      .then((o) => assert.deepEqual(types(o), []));
  });

  it('books a free slot once; a second booking is a conflict, the same one again a no-op', () => {
    spec
      .given([opened])
      .when(book())
      .then((o) => assert.deepEqual(types(o), ['SlotBooked']));
    spec
      .given([opened, ...booked])
      .when(book({ bookingId: 'b-2', bookedBy: 'bo' }))
      .then((o) => assert.equal(code(o), 'slot_already_booked'));
    spec
      .given([opened, ...booked])
      .when(book())
      .then((o) => assert.deepEqual(types(o), []));
  });

  it('refuses the past, types the slot does not offer, and new patients where the type takes none', () => {
    spec
      .given([opened])
      .when(book({ at: T('02T15:00:00.000Z') }))
      .then((o) => assert.equal(code(o), 'slot_in_past'));
    spec
      .given([opened])
      .when(book({ appointmentTypeId: 'surgery' }))
      .then((o) => assert.equal(code(o), 'appointment_type_not_offered'));
    spec
      .given([opened])
      .when(book({ appointmentTypeId: 'follow-up', typeAllowsNewPatients: false }))
      .then((o) => assert.equal(code(o), 'new_patients_not_allowed'));
    spec
      .given([])
      .when(book())
      .then((o) => assert.equal(code(o), 'slot_not_found'));
  });

  it('a cancellation frees the slot (late when less than 24 h ahead); cancelling twice is a no-op', () => {
    const cancel = (at: string): SlotCommand => ({
      type: 'CancelBooking',
      data: { slotId, at, bookingId: 'b-1', cancelledBy: 'patient', cause: 'patient', reason: 'sms CANCEL' },
    });
    spec
      .given([opened, ...booked])
      .when(cancel(T('01T20:00:00.000Z')))
      .then((o) => {
        assert.deepEqual(types(o), ['BookingCancelled']);
        assert.equal((o.events![0]!.data as { late: boolean }).late, true);
      });
    spec
      .given([opened, ...booked])
      .when(cancel(T('01T08:00:00.000Z')))
      .then((o) => assert.equal((o.events![0]!.data as { late: boolean }).late, false));
    const cancelled = slotDecider.decide(
      cancel(T('01T20:00:00.000Z')),
      foldEvents(slotDecider, [opened, ...booked]),
    );
    assert.equal(foldEvents(slotDecider, [opened, ...booked, ...cancelled]).status, 'free');
    spec
      .given([opened, ...booked, ...cancelled])
      .when(cancel(T('01T21:00:00.000Z')))
      .then((o) => assert.deepEqual(types(o), []));
  });
});

describe('Slot: materialised on first touch, attendance', () => {
  it('books a slot whose stream does not exist yet from its template spec, in one decision', () => {
    spec
      .given([])
      .when(book({ spec: slot }))
      .then((o) => assert.deepEqual(types(o), ['SlotOpened', 'SlotBooked']));
    spec
      .given([])
      .when({
        type: 'HoldSlot',
        data: {
          slotId,
          at: T('01T16:00:00.000Z'),
          holdId: 'h-1',
          purpose: 'approval',
          until: T('01T16:30:00.000Z'),
          spec: slot,
        },
      })
      .then((o) => assert.deepEqual(types(o), ['SlotOpened', 'SlotHeld']));
    // An already open slot ignores the spec: nothing is opened twice.
    spec
      .given([opened])
      .when(book({ spec: slot }))
      .then((o) => assert.deepEqual(types(o), ['SlotBooked']));
  });

  it('a booking from a callback names its task', () => {
    spec
      .given([opened])
      .when(book({ taskId: null }))
      .then((o) => assert.equal(code(o), 'task_required'));
  });

  it('records arrival from an hour before the start and a no-show from the start; corrections allowed', () => {
    const attend = (attendance: 'arrived' | 'no_show', at: string): SlotCommand => ({
      type: 'RecordAttendance',
      data: { slotId, at, bookingId: 'b-1', attendance, recordedBy: 'desk' },
    });
    spec
      .given([opened, ...booked])
      .when(attend('arrived', T('02T13:59:00.000Z')))
      .then((o) => assert.equal(code(o), 'too_early'));
    spec
      .given([opened, ...booked])
      .when(attend('no_show', T('02T14:30:00.000Z')))
      .then((o) => assert.equal(code(o), 'too_early'));
    const noShow = slotDecider.decide(
      attend('no_show', T('02T15:20:00.000Z')),
      foldEvents(slotDecider, [opened, ...booked]),
    );
    assert.deepEqual(
      noShow.map((e) => e.type),
      ['AttendanceRecorded'],
    );
    assert.equal((noShow[0]!.data as { source: string }).source, 'callback');
    spec
      .given([opened, ...booked, ...noShow])
      .when(attend('no_show', T('02T15:25:00.000Z')))
      .then((o) => assert.deepEqual(types(o), []));
    spec
      .given([opened, ...booked, ...noShow])
      .when(attend('arrived', T('02T15:25:00.000Z')))
      .then((o) => assert.deepEqual(types(o), ['AttendanceRecorded']));
    spec
      .given([opened, ...booked])
      .when({
        type: 'CancelBooking',
        data: { slotId, at: T('02T15:10:00.000Z'), bookingId: 'b-1', cancelledBy: 'desk', cause: 'staff' },
      })
      .then((o) => assert.equal(code(o), 'slot_started'));
    spec
      .given([opened, ...booked])
      .when({
        type: 'CancelBooking',
        data: { slotId, at: T('01T17:00:00.000Z'), bookingId: 'b-9', cancelledBy: 'desk', cause: 'staff' },
      })
      .then((o) => assert.equal(code(o), 'booking_not_found'));
  });
});

describe('Slot: holds (waitlist offers, approvals)', () => {
  it('a held slot is booked only under its hold, until the hold expires', () => {
    const held = slotDecider.decide(hold(), foldEvents(slotDecider, [opened]));
    spec
      .given([opened, ...held])
      .when(book())
      .then((o) => assert.equal(code(o), 'slot_already_held'));
    spec
      .given([opened, ...held])
      .when(book({ holdId: 'h-1', source: 'waitlist' }))
      .then((o) => {
        assert.deepEqual(types(o), ['SlotBooked']);
        assert.equal((o.events![0]!.data as { holdId: string }).holdId, 'h-1');
      });
    spec
      .given([opened, ...held])
      .when(book({ holdId: 'h-1', at: T('01T16:11:00.000Z') }))
      .then((o) => assert.equal(code(o), 'hold_expired'));
    // Once expired, anyone may book it.
    spec
      .given([opened, ...held])
      .when(book({ at: T('01T16:11:00.000Z') }))
      .then((o) => assert.deepEqual(types(o), ['SlotBooked']));
    spec
      .given([opened, ...held])
      .when(hold('h-2'))
      .then((o) => assert.equal(code(o), 'slot_already_held'));
    spec
      .given([opened, ...held])
      .when({ type: 'ReleaseHold', data: { slotId, at: T('01T16:20:00.000Z'), holdId: 'h-1' } })
      .then((o) => {
        assert.deepEqual(types(o), ['SlotHoldReleased']);
        assert.equal((o.events![0]!.data as { reason: string }).reason, 'expired');
      });
  });
});

describe('scheduling authority', () => {
  it('direct within one’s own authority, approval outside it, protected slots need more', () => {
    const coordinator = { role: 'coordinator' as const, personalAuthority: ['new-visit'] };
    assert.equal(
      schedulingAuthority({ ...coordinator, appointmentTypeId: 'new-visit', protectedSlot: false }),
      'direct',
    );
    assert.equal(
      schedulingAuthority({ ...coordinator, appointmentTypeId: 'procedure', protectedSlot: false }),
      'approval',
    );
    assert.equal(
      schedulingAuthority({ ...coordinator, appointmentTypeId: 'new-visit', protectedSlot: true }),
      'approval',
    );
    assert.equal(
      schedulingAuthority({
        role: 'clinic_staff',
        personalAuthority: [],
        appointmentTypeId: 'procedure',
        protectedSlot: true,
      }),
      'direct',
    );
    assert.equal(
      schedulingAuthority(
        { role: 'coordinator', personalAuthority: [], appointmentTypeId: 'x', protectedSlot: false },
        [],
      ),
      'forbidden',
    );
  });
});

describe('Slot: never double-booked (property)', () => {
  it('under any interleaving of concurrent bookings, holds, confirmations and cancellations', () => {
    // Each actor decides on the state it last read; the store accepts an append only at the revision
    // the actor read (optimistic concurrency), as the event store does.
    const action = fc.record({
      actor: fc.integer({ min: 0, max: 4 }),
      kind: fc.constantFrom('read', 'book', 'book_under_hold', 'hold', 'cancel', 'release'),
      minute: fc.integer({ min: 0, max: 30 }),
    });
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 60 }), (actions) => {
        const history: SlotEvent[] = [opened];
        const seen = new Map<number, number>(); // actor -> revision read
        let bookingsLive = 0;
        for (const [i, a] of actions.entries()) {
          const read = seen.get(a.actor) ?? 1;
          if (a.kind === 'read') {
            seen.set(a.actor, history.length);
            continue;
          }
          const stale: SlotState = foldEvents(slotDecider, history.slice(0, read));
          const at = new Date(Date.parse(T('01T16:00:00.000Z')) + a.minute * 60_000 + i).toISOString();
          const cmd: SlotCommand =
            a.kind === 'book' || a.kind === 'book_under_hold'
              ? book({
                  at,
                  bookingId: `b-${a.actor}-${i}`,
                  ...(a.kind === 'book_under_hold' ? { holdId: `h-${a.actor}` } : {}),
                })
              : a.kind === 'hold'
                ? hold(`h-${a.actor}`, new Date(Date.parse(at) + 5 * 60_000).toISOString(), at)
                : a.kind === 'release'
                  ? { type: 'ReleaseHold', data: { slotId, at, holdId: `h-${a.actor}` } }
                  : stale.status === 'booked'
                    ? {
                        type: 'CancelBooking',
                        data: {
                          slotId,
                          at,
                          bookingId: stale.booking.bookingId,
                          cancelledBy: `p${a.actor}`,
                          cause: 'staff',
                        },
                      }
                    : { type: 'ReleaseHold', data: { slotId, at, holdId: 'none' } };
          let events: SlotEvent[] = [];
          try {
            events = slotDecider.decide(cmd, stale);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
          if (events.length === 0) continue;
          if (read !== history.length) {
            seen.set(a.actor, history.length); // conflict: the actor reloads, nothing is written
            continue;
          }
          history.push(...events);
          seen.set(a.actor, history.length);
          for (const e of events) {
            if (e.type === 'SlotBooked') bookingsLive += 1;
            if (e.type === 'BookingCancelled') bookingsLive -= 1;
            assert.ok(bookingsLive <= 1, 'two live bookings of one slot');
          }
        }
        const final = foldEvents(slotDecider, history);
        assert.equal(final.status === 'booked' ? 1 : 0, bookingsLive);
      }),
      { numRuns: 500 },
    );
  });
});
