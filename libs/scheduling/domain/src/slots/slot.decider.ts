import { DomainError, type Decider } from '@ringback/kernel';
import type { SlotSpec } from './slot-generator';

/**
 * One bookable slot (stream `slot-<slotId>`). The stream is the unit of consistency: two people
 * booking the same slot at the same moment both decide on the same revision, the store accepts one
 * append and the other gets a conflict, so a slot is never double-booked. A hold (a waitlist offer,
 * an approval in progress) reserves the slot until it is released, converted or expires.
 */

export type BookingSource = 'callback' | 'direct' | 'web' | 'waitlist';

export interface Booking {
  bookingId: string;
  appointmentTypeId: string;
  /** An opaque patient reference (MRN or the caller line); never a name. */
  patientRef: string;
  newPatient: boolean;
  source: BookingSource;
  /** The callback task the booking came from, for conversion KPIs. */
  taskId: string | null;
  bookedBy: string;
  bookedAt: string;
}

export interface Hold {
  holdId: string;
  purpose: 'waitlist_offer' | 'approval';
  until: string;
}

export type SlotEvent =
  | { type: 'SlotOpened'; data: SlotSpec & { openedAt: string } }
  | { type: 'SlotHeld'; data: { slotId: string } & Hold & { heldAt: string } }
  | {
      type: 'SlotHoldReleased';
      data: { slotId: string; holdId: string; reason: 'released' | 'expired'; releasedAt: string };
    }
  | {
      type: 'SlotBooked';
      data: {
        slotId: string;
        start: string;
        end: string;
        providerId: string;
        locationId: string;
        holdId: string | null;
      } & Booking;
    }
  | {
      type: 'BookingCancelled';
      data: {
        slotId: string;
        bookingId: string;
        cancelledBy: string;
        reason: string | null;
        late: boolean;
        cancelledAt: string;
      };
    };

type Cmd<T extends string, D> = { type: T; data: D & { slotId: string; at: string } };
export type OpenSlot = Cmd<'OpenSlot', { spec: SlotSpec }>;
export type HoldSlot = Cmd<'HoldSlot', Hold>;
export type ReleaseHold = Cmd<'ReleaseHold', { holdId: string }>;
export type BookSlot = Cmd<
  'BookSlot',
  Omit<Booking, 'bookedAt'> & {
    /** Booking under a hold (a waitlist confirmation): only with that hold's id. */
    holdId?: string | null;
    /** The caller's scheduling authority was checked: direct, or approved in house. */
    authority: 'direct' | 'approved';
    /** Whether the appointment type admits new patients (from the type's definition). */
    typeAllowsNewPatients: boolean;
  }
>;
export type CancelBooking = Cmd<
  'CancelBooking',
  { bookingId: string; cancelledBy: string; reason?: string | null }
>;
export type SlotCommand = OpenSlot | HoldSlot | ReleaseHold | BookSlot | CancelBooking;

export type SlotState =
  | { status: 'unknown' }
  | { status: 'free'; slot: SlotSpec }
  | { status: 'held'; slot: SlotSpec; hold: Hold }
  | { status: 'booked'; slot: SlotSpec; booking: Booking };

const ms = (iso: string): number => Date.parse(iso);
/** Less than 24 hours' notice. */
const LATE_CANCEL_MS = 24 * 60 * 60_000;

function requireSlot(state: SlotState, slotId: string): Exclude<SlotState, { status: 'unknown' }> {
  if (state.status === 'unknown') throw new DomainError('slot_not_found', `slot ${slotId} does not exist`);
  return state;
}

/** A hold past its `until` counts as gone. */
const liveHold = (s: SlotState, at: string): Hold | null =>
  s.status === 'held' && ms(s.hold.until) > ms(at) ? s.hold : null;

export function decide(command: SlotCommand, state: SlotState): SlotEvent[] {
  const { slotId, at } = command.data;
  if (Number.isNaN(ms(at))) throw new DomainError('invalid_time', 'at must be an ISO-8601 instant');
  switch (command.type) {
    case 'OpenSlot': {
      if (state.status !== 'unknown') return []; // regenerating a template
      const { spec } = command.data;
      if (spec.slotId !== slotId) throw new DomainError('slot_id_mismatch', `spec is for ${spec.slotId}`);
      if (ms(spec.end) <= ms(spec.start))
        throw new DomainError('invalid_slot', 'a slot ends after it starts');
      return [{ type: 'SlotOpened', data: { ...spec, openedAt: at } }];
    }
    case 'HoldSlot': {
      const s = requireSlot(state, slotId);
      const c = command.data;
      if (s.status === 'booked') throw new DomainError('slot_already_booked', 'the slot is booked');
      const hold = liveHold(s, at);
      if (hold) {
        if (hold.holdId === c.holdId) return [];
        throw new DomainError('slot_already_held', `the slot is held until ${hold.until}`);
      }
      if (ms(c.until) <= ms(at)) throw new DomainError('invalid_hold', 'a hold ends in the future');
      if (ms(s.slot.start) <= ms(at)) throw new DomainError('slot_in_past', 'the slot has started');
      return [
        {
          type: 'SlotHeld',
          data: { slotId, holdId: c.holdId, purpose: c.purpose, until: c.until, heldAt: at },
        },
      ];
    }
    case 'ReleaseHold': {
      const s = requireSlot(state, slotId);
      if (s.status !== 'held' || s.hold.holdId !== command.data.holdId) return [];
      const reason = ms(s.hold.until) <= ms(at) ? 'expired' : 'released';
      return [{ type: 'SlotHoldReleased', data: { slotId, holdId: s.hold.holdId, reason, releasedAt: at } }];
    }
    case 'BookSlot': {
      const s = requireSlot(state, slotId);
      const c = command.data;
      if (s.status === 'booked') {
        if (s.booking.bookingId === c.bookingId) return []; // a retried booking
        throw new DomainError('slot_already_booked', 'the slot was booked by someone else', [{ slotId }]);
      }
      const hold = liveHold(s, at);
      if (hold && hold.holdId !== (c.holdId ?? null))
        throw new DomainError('slot_already_held', `the slot is held until ${hold.until}`);
      if (!hold && c.holdId) throw new DomainError('hold_expired', 'the hold has expired or was released');
      if (ms(s.slot.start) <= ms(at)) throw new DomainError('slot_in_past', 'the slot has started');
      if (!s.slot.appointmentTypeIds.includes(c.appointmentTypeId))
        throw new DomainError(
          'appointment_type_not_offered',
          `${c.appointmentTypeId} is not offered in this slot`,
        );
      if (c.newPatient && !c.typeAllowsNewPatients)
        throw new DomainError('new_patients_not_allowed', `${c.appointmentTypeId} is not for new patients`);
      const { holdId: _h, authority: _a, typeAllowsNewPatients: _t, slotId: _s, at: _at, ...booking } = c;
      return [
        {
          type: 'SlotBooked',
          data: {
            slotId,
            start: s.slot.start,
            end: s.slot.end,
            providerId: s.slot.providerId,
            locationId: s.slot.locationId,
            holdId: hold ? hold.holdId : null,
            ...booking,
            bookedAt: at,
          },
        },
      ];
    }
    case 'CancelBooking': {
      const s = requireSlot(state, slotId);
      const c = command.data;
      if (s.status !== 'booked' || s.booking.bookingId !== c.bookingId) return []; // cancelled already
      return [
        {
          type: 'BookingCancelled',
          data: {
            slotId,
            bookingId: c.bookingId,
            cancelledBy: c.cancelledBy,
            reason: c.reason ?? null,
            late: ms(s.slot.start) - ms(at) < LATE_CANCEL_MS,
            cancelledAt: at,
          },
        },
      ];
    }
  }
}

export function evolve(state: SlotState, event: SlotEvent): SlotState {
  switch (event.type) {
    case 'SlotOpened': {
      const { openedAt: _o, ...slot } = event.data;
      return { status: 'free', slot };
    }
    case 'SlotHeld':
      return state.status === 'unknown'
        ? state
        : {
            status: 'held',
            slot: state.slot,
            hold: { holdId: event.data.holdId, purpose: event.data.purpose, until: event.data.until },
          };
    case 'SlotHoldReleased':
      return state.status === 'held' ? { status: 'free', slot: state.slot } : state;
    case 'SlotBooked': {
      if (state.status === 'unknown') return state;
      const d = event.data;
      return {
        status: 'booked',
        slot: state.slot,
        booking: {
          bookingId: d.bookingId,
          appointmentTypeId: d.appointmentTypeId,
          patientRef: d.patientRef,
          newPatient: d.newPatient,
          source: d.source,
          taskId: d.taskId,
          bookedBy: d.bookedBy,
          bookedAt: d.bookedAt,
        },
      };
    }
    case 'BookingCancelled':
      return state.status === 'booked' ? { status: 'free', slot: state.slot } : state;
  }
}

export const slotDecider: Decider<SlotState, SlotCommand, SlotEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'unknown' }),
};
