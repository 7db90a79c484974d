import { DomainError, type Decider } from '@ringback/kernel';
import type {
  AttendanceRecordedV1,
  BookingCancelledV1,
  PatientContact,
  SlotBookedV1,
  SlotHeldV1,
  SlotHoldReleasedV1,
  SlotOpenedV1,
} from '@ringback/contracts';
import type { SlotSpec } from './slot-generator';

/**
 * One bookable slot (stream `slot-<slotId>`). The stream is the unit of consistency: two people
 * booking the same slot at the same moment both decide on the same revision, the store accepts one
 * append and the other gets a conflict, so a slot is never double-booked. A hold (a waitlist offer,
 * an approval in progress) reserves the slot until it is released, converted or expires.
 *
 * A slot stream exists only once someone touches the slot: a hold or booking of a slot that is not
 * materialised yet carries the slot's spec (cut from the provider template), and the decision opens
 * it in the same append.
 */

export type BookingSource = SlotBookedV1['source'];
export type Attendance = AttendanceRecordedV1['attendance'];
export type CancellationCause = BookingCancelledV1['cause'];

export interface Booking {
  appointmentId: string;
  bookingId: string;
  appointmentTypeId: string;
  newPatient: boolean;
  patient: PatientContact;
  source: BookingSource;
  /** The callback task the booking came from, for conversion KPIs. */
  taskId: string | null;
  bookedBy: string;
  bookedAt: string;
  attendance: Attendance | null;
}

export interface Hold {
  holdId: string;
  purpose: SlotHeldV1['purpose'];
  until: string;
}

export type SlotEvent =
  | { type: 'SlotOpened'; data: SlotOpenedV1 }
  | { type: 'SlotHeld'; data: SlotHeldV1 }
  | { type: 'SlotHoldReleased'; data: SlotHoldReleasedV1 }
  | { type: 'SlotBooked'; data: SlotBookedV1 }
  | { type: 'BookingCancelled'; data: BookingCancelledV1 }
  | { type: 'AttendanceRecorded'; data: AttendanceRecordedV1 };

type Cmd<T extends string, D> = { type: T; data: D & { slotId: string; at: string } };
/** The slot as cut from its template, for a slot whose stream does not exist yet. */
type MaybeSpec = { spec?: SlotSpec | null };
export type OpenSlot = Cmd<'OpenSlot', { spec: SlotSpec }>;
export type HoldSlot = Cmd<'HoldSlot', Hold & MaybeSpec>;
export type ReleaseHold = Cmd<'ReleaseHold', { holdId: string }>;
export type BookSlot = Cmd<
  'BookSlot',
  MaybeSpec & {
    appointmentId: string;
    bookingId: string;
    appointmentTypeId: string;
    newPatient: boolean;
    patient: PatientContact;
    source: BookingSource;
    taskId: string | null;
    bookedBy: string;
    /** Booking under a hold (a waitlist confirmation, an approval): only with that hold's id. */
    holdId?: string | null;
    /** The caller's scheduling authority was checked: direct, or approved in house. */
    authority: SlotBookedV1['authority'];
    rescheduledFrom?: SlotBookedV1['rescheduledFrom'];
    /** Whether the appointment type admits new patients (from the type's definition). */
    typeAllowsNewPatients: boolean;
  }
>;
export type CancelBooking = Cmd<
  'CancelBooking',
  { bookingId: string; cancelledBy: string; cause: CancellationCause; reason?: string | null }
>;
export type RecordAttendance = Cmd<
  'RecordAttendance',
  { bookingId: string; attendance: Attendance; recordedBy: string }
>;
export type SlotCommand = OpenSlot | HoldSlot | ReleaseHold | BookSlot | CancelBooking | RecordAttendance;

export type SlotState =
  | { status: 'unknown' }
  | { status: 'free'; slot: SlotSpec; lastBooking: Booking | null }
  | { status: 'held'; slot: SlotSpec; hold: Hold; lastBooking: Booking | null }
  | { status: 'booked'; slot: SlotSpec; booking: Booking };

const ms = (iso: string): number => Date.parse(iso);
/** Less than 24 hours' notice. */
const LATE_CANCEL_MS = 24 * 60 * 60_000;
/** Patients check in early: arrival may be recorded from an hour before the start. */
const EARLY_ARRIVAL_MS = 60 * 60_000;

/** The slot as it stands, opening it from the command's spec when its stream does not exist yet. */
function materialise(
  state: SlotState,
  slotId: string,
  spec: SlotSpec | null | undefined,
  at: string,
): { state: Exclude<SlotState, { status: 'unknown' }>; opened: SlotEvent[] } {
  if (state.status !== 'unknown') return { state, opened: [] };
  if (!spec) throw new DomainError('slot_not_found', `slot ${slotId} does not exist`);
  const opened = decide({ type: 'OpenSlot', data: { slotId, at, spec } }, state);
  return { state: opened.reduce(evolve, state) as Exclude<SlotState, { status: 'unknown' }>, opened };
}

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
      const c = command.data;
      const { state: s, opened } = materialise(state, slotId, c.spec, at);
      if (s.status === 'booked') throw new DomainError('slot_already_booked', 'the slot is booked');
      const hold = liveHold(s, at);
      if (hold) {
        if (hold.holdId === c.holdId) return [];
        throw new DomainError('slot_already_held', `the slot is held until ${hold.until}`);
      }
      if (ms(c.until) <= ms(at)) throw new DomainError('invalid_hold', 'a hold ends in the future');
      if (ms(s.slot.start) <= ms(at)) throw new DomainError('slot_in_past', 'the slot has started');
      return [
        ...opened,
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
      const c = command.data;
      if (state.status === 'booked' && state.booking.bookingId === c.bookingId) return []; // a retry
      const { state: s, opened } = materialise(state, slotId, c.spec, at);
      if (s.status === 'booked')
        throw new DomainError('slot_already_booked', 'the slot was booked by someone else', [{ slotId }]);
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
      if (c.source === 'callback' && !c.taskId)
        throw new DomainError('task_required', 'a booking from a callback names its task');
      return [
        ...opened,
        {
          type: 'SlotBooked',
          data: {
            slotId,
            start: s.slot.start,
            end: s.slot.end,
            providerId: s.slot.providerId,
            locationId: s.slot.locationId,
            appointmentId: c.appointmentId,
            bookingId: c.bookingId,
            appointmentTypeId: c.appointmentTypeId,
            newPatient: c.newPatient,
            patient: c.patient,
            source: c.source,
            taskId: c.taskId,
            holdId: hold ? hold.holdId : null,
            authority: c.authority,
            rescheduledFrom: c.rescheduledFrom ?? null,
            bookedBy: c.bookedBy,
            bookedAt: at,
          },
        },
      ];
    }
    case 'CancelBooking': {
      const s = requireSlot(state, slotId);
      const c = command.data;
      if (s.status !== 'booked' || s.booking.bookingId !== c.bookingId) {
        if (s.status !== 'booked' && s.lastBooking?.bookingId === c.bookingId) return []; // cancelled already
        throw new DomainError('booking_not_found', `booking ${c.bookingId} is not in slot ${slotId}`);
      }
      if (s.booking.attendance)
        throw new DomainError('appointment_attended', `attendance was recorded: ${s.booking.attendance}`);
      if (ms(s.slot.start) <= ms(at))
        throw new DomainError('slot_started', 'the appointment has started; record attendance instead');
      return [
        {
          type: 'BookingCancelled',
          data: {
            slotId,
            appointmentId: s.booking.appointmentId,
            bookingId: c.bookingId,
            cause: c.cause,
            cancelledBy: c.cancelledBy,
            reason: c.reason ?? null,
            late: ms(s.slot.start) - ms(at) < LATE_CANCEL_MS,
            slotReusable: true,
            cancelledAt: at,
          },
        },
      ];
    }
    case 'RecordAttendance': {
      const s = requireSlot(state, slotId);
      const c = command.data;
      if (s.status !== 'booked' || s.booking.bookingId !== c.bookingId)
        throw new DomainError('booking_not_found', `booking ${c.bookingId} is not in slot ${slotId}`);
      if (s.booking.attendance === c.attendance) return [];
      const earliest = ms(s.slot.start) - (c.attendance === 'arrived' ? EARLY_ARRIVAL_MS : 0);
      if (ms(at) < earliest)
        throw new DomainError(
          'too_early',
          `attendance can be recorded from ${new Date(earliest).toISOString()}`,
        );
      return [
        {
          type: 'AttendanceRecorded',
          data: {
            slotId,
            appointmentId: s.booking.appointmentId,
            bookingId: c.bookingId,
            attendance: c.attendance,
            source: s.booking.source,
            recordedBy: c.recordedBy,
            recordedAt: at,
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
      return { status: 'free', slot, lastBooking: null };
    }
    case 'SlotHeld':
      if (state.status === 'unknown' || state.status === 'booked') return state;
      return {
        status: 'held',
        slot: state.slot,
        lastBooking: state.lastBooking,
        hold: { holdId: event.data.holdId, purpose: event.data.purpose, until: event.data.until },
      };
    case 'SlotHoldReleased':
      return state.status === 'held'
        ? { status: 'free', slot: state.slot, lastBooking: state.lastBooking }
        : state;
    case 'SlotBooked': {
      if (state.status === 'unknown') return state;
      const d = event.data;
      return {
        status: 'booked',
        slot: state.slot,
        booking: {
          appointmentId: d.appointmentId,
          bookingId: d.bookingId,
          appointmentTypeId: d.appointmentTypeId,
          newPatient: d.newPatient,
          patient: d.patient,
          source: d.source,
          taskId: d.taskId,
          bookedBy: d.bookedBy,
          bookedAt: d.bookedAt,
          attendance: null,
        },
      };
    }
    case 'BookingCancelled':
      return state.status === 'booked'
        ? { status: 'free', slot: state.slot, lastBooking: state.booking }
        : state;
    case 'AttendanceRecorded':
      return state.status === 'booked'
        ? { ...state, booking: { ...state.booking, attendance: event.data.attendance } }
        : state;
  }
}

export const slotDecider: Decider<SlotState, SlotCommand, SlotEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'unknown' }),
};
