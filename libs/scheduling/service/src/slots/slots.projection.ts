import {
  SLOT_CATEGORY,
  type AttendanceRecordedV1,
  type BookingCancelledV1,
  type PatientContact,
  type SlotBookedV1,
} from '@ringback/contracts';
import type { Projection, ReadModelOp } from '@ringback/platform-core';
import { slotDecider, type SlotEvent, type SlotState } from '@ringback/scheduling-domain';

export const SLOTS_COLLECTION = 'scheduling_slots';
export const APPOINTMENTS_COLLECTION = 'scheduling_appointments';

/** A materialised slot (one whose stream exists): the decider's state plus flat, queryable fields. */
export type SlotDoc = {
  id: string;
  slotId: string;
  providerId: string;
  locationId: string;
  start: string;
  end: string;
  startMs: number;
  status: Exclude<SlotState['status'], 'unknown'>;
  state: Exclude<SlotState, { status: 'unknown' }>;
  updatedAt: string;
};

export const APPOINTMENT_STATUSES = ['booked', 'cancelled', 'arrived', 'no_show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** One appointment (id = appointmentId): where it is booked now, and how it went. */
export type AppointmentDoc = {
  id: string;
  appointmentId: string;
  bookingId: string;
  slotId: string;
  providerId: string;
  locationId: string;
  start: string;
  end: string;
  startMs: number;
  appointmentTypeId: string;
  newPatient: boolean;
  patient: PatientContact;
  /** Top level, for the no-show history of a patient. */
  patientRef: string;
  source: SlotBookedV1['source'];
  taskId: string | null;
  status: AppointmentStatus;
  bookedBy: string;
  bookedAt: string;
  cancelledAt: string | null;
  cancellation: { cause: BookingCancelledV1['cause']; reason: string | null; late: boolean } | null;
  attendanceRecordedAt: string | null;
  /** Earlier bookings of this appointment (reschedules), oldest first. */
  previousBookings: { bookingId: string; slotId: string; start: string }[];
  updatedAt: string;
};

/**
 * Slots and appointments from the slot streams. An appointment follows its latest booking: a
 * reschedule books the new slot first, then cancels the old booking with cause `rescheduled`,
 * which leaves the appointment booked at its new slot.
 */
export const slotsProjection: Projection = {
  id: 'scheduling-slots',
  version: 1,
  collections: [SLOTS_COLLECTION, APPOINTMENTS_COLLECTION],
  categories: [SLOT_CATEGORY],
  eventTypes: [
    'SlotOpened',
    'SlotHeld',
    'SlotHoldReleased',
    'SlotBooked',
    'BookingCancelled',
    'AttendanceRecorded',
  ],
  async handle(event, position, ctx) {
    const slotId = (event.data as { slotId: string }).slotId;
    const current = await ctx.get<SlotDoc>(SLOTS_COLLECTION, slotId);
    const state = slotDecider.evolve(current ? current.state : { status: 'unknown' }, {
      type: event.type,
      data: event.data,
    } as SlotEvent);
    if (state.status === 'unknown') return [];
    const ops: ReadModelOp[] = [
      {
        kind: 'upsert',
        collection: SLOTS_COLLECTION,
        doc: {
          id: slotId,
          slotId,
          providerId: state.slot.providerId,
          locationId: state.slot.locationId,
          start: state.slot.start,
          end: state.slot.end,
          startMs: Date.parse(state.slot.start),
          status: state.status,
          state,
          updatedAt: event.recordedAt,
        } satisfies SlotDoc,
        position,
      },
    ];
    const appointment = await appointmentAfter(event, ctx);
    if (appointment)
      ops.push({ kind: 'upsert', collection: APPOINTMENTS_COLLECTION, doc: appointment, position });
    return ops;
  },
};

async function appointmentAfter(
  event: { type: string; data: unknown; recordedAt: string },
  ctx: Parameters<Projection['handle']>[2],
): Promise<AppointmentDoc | null> {
  switch (event.type) {
    case 'SlotBooked': {
      const d = event.data as SlotBookedV1;
      const before = await ctx.get<AppointmentDoc>(APPOINTMENTS_COLLECTION, d.appointmentId);
      const previousBookings = before
        ? [
            ...before.previousBookings,
            { bookingId: before.bookingId, slotId: before.slotId, start: before.start },
          ]
        : [];
      return {
        id: d.appointmentId,
        appointmentId: d.appointmentId,
        bookingId: d.bookingId,
        slotId: d.slotId,
        providerId: d.providerId,
        locationId: d.locationId,
        start: d.start,
        end: d.end,
        startMs: Date.parse(d.start),
        appointmentTypeId: d.appointmentTypeId,
        newPatient: d.newPatient,
        patient: d.patient,
        patientRef: d.patient.patientRef,
        source: d.source,
        taskId: d.taskId,
        status: 'booked',
        bookedBy: d.bookedBy,
        bookedAt: before?.bookedAt ?? d.bookedAt,
        cancelledAt: null,
        cancellation: null,
        attendanceRecordedAt: null,
        previousBookings,
        updatedAt: event.recordedAt,
      };
    }
    case 'BookingCancelled': {
      const d = event.data as BookingCancelledV1;
      const before = await ctx.get<AppointmentDoc>(APPOINTMENTS_COLLECTION, d.appointmentId);
      // The old booking of a rescheduled appointment: the appointment lives on at its new slot.
      if (!before || before.bookingId !== d.bookingId) return null;
      return {
        ...before,
        status: 'cancelled',
        cancelledAt: d.cancelledAt,
        cancellation: { cause: d.cause, reason: d.reason, late: d.late },
        updatedAt: event.recordedAt,
      };
    }
    case 'AttendanceRecorded': {
      const d = event.data as AttendanceRecordedV1;
      const before = await ctx.get<AppointmentDoc>(APPOINTMENTS_COLLECTION, d.appointmentId);
      if (!before || before.bookingId !== d.bookingId) return null;
      return {
        ...before,
        status: d.attendance,
        attendanceRecordedAt: d.recordedAt,
        updatedAt: event.recordedAt,
      };
    }
    default:
      return null;
  }
}
