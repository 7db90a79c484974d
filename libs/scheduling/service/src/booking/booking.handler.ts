import { Inject, Injectable } from '@nestjs/common';
import { assertCanWrite, canRead, type AuthUser } from '@ringback/auth';
import {
  ringbackEventRegistry,
  slotStreamId,
  type PatientContact,
  type SlotBookedV1,
  type TaskOpenedV1,
} from '@ringback/contracts';
import { CLOCK, DomainError, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { ApiError, StreamCommands } from '@ringback/nest-platform';
import { EVENT_STORE, READ_MODEL_STORE, type EventStore, type ReadModelStore } from '@ringback/platform-core';
import {
  schedulingAuthority,
  slotDecider,
  type AuthorityDecision,
  type SlotCommand,
  type SlotSpec,
} from '@ringback/scheduling-domain';
import { SchedulingCatalog } from '../catalog/scheduling-catalog';
import type { SchedulingLocationDoc } from '../catalog/scheduling-catalog.projection';
import { APPOINTMENTS_COLLECTION, slotsProjection, type AppointmentDoc } from '../slots/slots.projection';

/** Patient details as the booking request gives them; no-show history is completed from records. */
export type PatientInput = Omit<PatientContact, 'priorNoShows'> & { priorNoShows?: number };

export interface BookInput {
  slotId: string;
  appointmentTypeId: string;
  newPatient: boolean;
  patient: PatientInput;
  source: 'callback' | 'direct' | 'web';
  taskId: string | null;
}

export const appointmentNotFound = (appointmentId: string): ApiError =>
  new ApiError(404, 'appointment_not_found', `Unknown appointment ${appointmentId}`, [{ appointmentId }]);
export const slotNotFound = (slotId: string): ApiError =>
  new ApiError(404, 'slot_not_found', `No slot ${slotId}`, [{ slotId }]);

/** How the booking's scope is decided: the slot's location, with its region and pod. */
const scopeOf = (location: SchedulingLocationDoc) => ({
  locationId: location.locationId,
  regionId: location.regionId,
  podId: location.podId,
});

/**
 * Books, cancels, reschedules and records attendance. Every change is a decision on the slot's own
 * stream with optimistic concurrency: two bookings of one slot at the same moment decide on the same
 * revision, one append wins and the other reloads, sees the slot booked and answers 409
 * `slot_already_booked`. Scope: the slot's location (403 outside it); authority: the scheduling
 * authority matrix with the coordinator's own authority (403 `approval_required` / `not_authorized`).
 */
@Injectable()
export class BookingHandler {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
  ) {}

  async book(user: AuthUser, input: BookInput, correlationId: string): Promise<AppointmentDoc> {
    const target = await this.bookableSlot(user, input.slotId);
    const type = await this.catalog.appointmentType(input.appointmentTypeId);
    if (!type)
      throw new ApiError(
        422,
        'unknown_appointment_type',
        `Unknown appointment type ${input.appointmentTypeId}`,
        [{ path: 'appointmentTypeId' }],
      );
    await this.requireAuthority(user, input.appointmentTypeId, target.protectedSlot);
    if (input.taskId) await this.requireOpenTask(user, input.taskId);
    const now = this.clock.now();
    const appointmentId = this.ids.next(now);
    const command: SlotCommand = {
      type: 'BookSlot',
      data: {
        slotId: input.slotId,
        at: toIso(now),
        spec: target.spec,
        appointmentId,
        bookingId: this.ids.next(now),
        appointmentTypeId: input.appointmentTypeId,
        newPatient: input.newPatient,
        patient: await this.patientWithHistory(input.patient),
        source: input.source,
        taskId: input.taskId,
        bookedBy: user.sub,
        authority: { kind: 'direct', approvalId: null, approvedBy: null },
        typeAllowsNewPatients: type.newPatientAllowed,
      },
    };
    await this.runSlotCommand(command, target.location, correlationId, now);
    return this.appointmentAfterWrite(appointmentId);
  }

  async cancel(
    user: AuthUser,
    appointmentId: string,
    reason: string | null,
    correlationId: string,
  ): Promise<AppointmentDoc> {
    const appointment = await this.writableAppointment(user, appointmentId);
    const now = this.clock.now();
    await this.runSlotCommand(
      {
        type: 'CancelBooking',
        data: {
          slotId: appointment.doc.slotId,
          at: toIso(now),
          bookingId: appointment.doc.bookingId,
          cancelledBy: user.sub,
          cause: 'staff',
          reason,
        },
      },
      appointment.location,
      correlationId,
      now,
    );
    return this.appointmentAfterWrite(appointmentId);
  }

  /**
   * Moves the appointment to another slot: books the new slot first (same appointment, a new booking
   * that names the old one), then cancels the old booking with cause `rescheduled`. Should the process
   * stop in between, the scheduling workflow consumer finishes the cancellation from the event.
   */
  async reschedule(
    user: AuthUser,
    appointmentId: string,
    slotId: string,
    correlationId: string,
  ): Promise<AppointmentDoc> {
    const appointment = await this.writableAppointment(user, appointmentId);
    const { doc } = appointment;
    if (doc.status !== 'booked')
      throw new ApiError(409, 'appointment_not_booked', `The appointment is ${doc.status}`, [
        { status: doc.status },
      ]);
    if (slotId === doc.slotId) return doc;
    const target = await this.bookableSlot(user, slotId);
    const type = await this.catalog.appointmentType(doc.appointmentTypeId);
    await this.requireAuthority(user, doc.appointmentTypeId, target.protectedSlot);
    const now = this.clock.now();
    await this.runSlotCommand(
      {
        type: 'BookSlot',
        data: {
          slotId,
          at: toIso(now),
          spec: target.spec,
          appointmentId,
          bookingId: this.ids.next(now),
          appointmentTypeId: doc.appointmentTypeId,
          newPatient: doc.newPatient,
          patient: doc.patient,
          source: doc.source,
          taskId: doc.taskId,
          bookedBy: user.sub,
          authority: { kind: 'direct', approvalId: null, approvedBy: null },
          rescheduledFrom: { slotId: doc.slotId, bookingId: doc.bookingId },
          typeAllowsNewPatients: type?.newPatientAllowed ?? true,
        },
      },
      target.location,
      correlationId,
      now,
    );
    await this.completeReschedule(
      { slotId: doc.slotId, bookingId: doc.bookingId },
      user.sub,
      correlationId,
      null,
    );
    return this.appointmentAfterWrite(appointmentId);
  }

  /** Cancels the old booking of a rescheduled appointment (a no-op once done). */
  async completeReschedule(
    from: NonNullable<SlotBookedV1['rescheduledFrom']>,
    by: string,
    correlationId: string,
    causationId: string | null,
  ): Promise<void> {
    const now = this.clock.now();
    const recorded = await this.store.readStream(slotStreamId(from.slotId));
    const locationId = recorded[0]?.envelope.locationId ?? null;
    const location = locationId ? await this.catalog.location(locationId) : null;
    await this.runSlotCommand(
      {
        type: 'CancelBooking',
        data: {
          slotId: from.slotId,
          at: toIso(now),
          bookingId: from.bookingId,
          cancelledBy: by,
          cause: 'rescheduled',
          reason: null,
        },
      },
      location,
      correlationId,
      now,
      causationId,
      locationId,
    );
  }

  /**
   * The patient cancelled by SMS (a PatientReplied with intent `cancel`): cancels the booking the
   * message was about, if it is still the appointment's booking and has not started. Idempotent.
   */
  async cancelByPatient(
    appointmentId: string,
    bookingId: string,
    ctx: { correlationId: string; causationId: string },
  ): Promise<boolean> {
    const doc = await this.readModels.get<AppointmentDoc>(APPOINTMENTS_COLLECTION, appointmentId);
    if (!doc || doc.bookingId !== bookingId || doc.status !== 'booked') return false;
    const now = this.clock.now();
    try {
      await this.runSlotCommand(
        {
          type: 'CancelBooking',
          data: {
            slotId: doc.slotId,
            at: toIso(now),
            bookingId,
            cancelledBy: 'patient',
            cause: 'patient',
            reason: 'sms',
          },
        },
        null,
        ctx.correlationId,
        now,
        ctx.causationId,
        doc.locationId,
      );
      return true;
    } catch (error) {
      if (error instanceof DomainError) return false; // started, attended, or moved meanwhile
      throw error;
    }
  }

  /** {@link completeReschedule} for the workflow consumer: an old booking gone another way is fine. */
  async completeRescheduleQuietly(
    from: NonNullable<SlotBookedV1['rescheduledFrom']>,
    by: string,
    ctx: { correlationId: string; causationId: string },
  ): Promise<void> {
    try {
      await this.completeReschedule(from, by, ctx.correlationId, ctx.causationId);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error; // attended, or already moved
    }
  }

  async recordAttendance(
    user: AuthUser,
    appointmentId: string,
    attendance: 'arrived' | 'no_show',
    correlationId: string,
  ): Promise<AppointmentDoc> {
    const appointment = await this.writableAppointment(user, appointmentId);
    // A cancelled appointment exists (404 would say it does not): its state refuses the write.
    if (appointment.doc.status === 'cancelled')
      throw new ApiError(409, 'appointment_not_booked', `The appointment is ${appointment.doc.status}`, [
        { status: appointment.doc.status },
      ]);
    const now = this.clock.now();
    await this.runSlotCommand(
      {
        type: 'RecordAttendance',
        data: {
          slotId: appointment.doc.slotId,
          at: toIso(now),
          bookingId: appointment.doc.bookingId,
          attendance,
          recordedBy: user.sub,
        },
      },
      appointment.location,
      correlationId,
      now,
    );
    return this.appointmentAfterWrite(appointmentId);
  }

  /** The appointment as the read model holds it once it has caught up with this request's append. */
  async appointmentAfterWrite(appointmentId: string): Promise<AppointmentDoc> {
    const doc = await this.readModels.get<AppointmentDoc>(APPOINTMENTS_COLLECTION, appointmentId);
    if (!doc) throw appointmentNotFound(appointmentId);
    return doc;
  }

  /** Load, decide and append one slot command (optimistic concurrency), then wait for the read model. */
  async runSlotCommand(
    command: SlotCommand,
    location: SchedulingLocationDoc | null,
    correlationId: string,
    now: number,
    causationId: string | null = null,
    locationId: string | null = location?.locationId ?? null,
  ): Promise<void> {
    await this.commands.run(
      slotDecider,
      slotStreamId(command.data.slotId),
      command,
      { correlationId, causationId, locationId, now },
      slotsProjection.id,
    );
  }

  /** The slot to book: its template spec (for a slot whose stream does not exist yet), scope, protection. */
  async bookableSlot(
    user: AuthUser,
    slotId: string,
  ): Promise<{ spec: SlotSpec | null; location: SchedulingLocationDoc; protectedSlot: boolean }> {
    const [spec, doc] = await Promise.all([this.catalog.templateSpec(slotId), this.catalog.slotDoc(slotId)]);
    const slot = doc?.state.slot ?? spec;
    if (!slot) throw slotNotFound(slotId);
    const location = await this.catalog.location(slot.locationId);
    if (!location) throw slotNotFound(slotId);
    assertCanWrite(user, scopeOf(location)); // a write outside the scope: 403
    return { spec, location, protectedSlot: slot.protected };
  }

  /** What the scheduling-authority matrix says of `user` booking this type in this kind of slot. */
  async authorityDecision(
    user: AuthUser,
    appointmentTypeId: string,
    protectedSlot: boolean,
  ): Promise<AuthorityDecision> {
    const personal =
      user.role === 'coordinator'
        ? ((await this.catalog.coordinator(user.sub))?.schedulingAuthority ?? [])
        : [];
    return schedulingAuthority({
      role: user.role,
      personalAuthority: personal,
      appointmentTypeId,
      protectedSlot,
    });
  }

  private async requireAuthority(
    user: AuthUser,
    appointmentTypeId: string,
    protectedSlot: boolean,
  ): Promise<void> {
    const decision = await this.authorityDecision(user, appointmentTypeId, protectedSlot);
    if (decision === 'direct') return;
    if (decision === 'approval')
      throw new ApiError(
        403,
        'approval_required',
        `Booking ${appointmentTypeId}${protectedSlot ? ' in a protected slot' : ''} needs in-house approval: POST /api/v1/booking-approvals`,
        [{ appointmentTypeId, protectedSlot }],
      );
    throw new ApiError(403, 'not_authorized_to_book', `You may not book ${appointmentTypeId}`, [
      { appointmentTypeId },
    ]);
  }

  /** The callback task exists, is in the caller's scope and still open (booking it resolves it). */
  async requireOpenTask(user: AuthUser, taskId: string): Promise<void> {
    const recorded = await this.store.readStream(`task-${taskId}`);
    const opened = recorded.find((r) => r.envelope.type === 'TaskOpened');
    if (!opened) throw new ApiError(422, 'unknown_task', `Unknown task ${taskId}`, [{ path: 'taskId' }]);
    const task = this.registry.upcast(opened.envelope).data as TaskOpenedV1;
    if (!canRead(user, task))
      throw new ApiError(422, 'unknown_task', `Unknown task ${taskId}`, [{ path: 'taskId' }]);
    let closed = false;
    for (const r of recorded) {
      if (r.envelope.type === 'TaskResolved' || r.envelope.type === 'TaskMarkedUnreachable') closed = true;
      if (r.envelope.type === 'TaskReopened') closed = false;
    }
    if (closed) throw new ApiError(409, 'task_already_closed', `Task ${taskId} is closed`, [{ taskId }]);
  }

  /** The caller's count of no-shows, completed with the no-shows recorded here for the same patient. */
  async patientWithHistory(patient: PatientInput): Promise<PatientContact> {
    const recorded = await this.readModels.count(APPOINTMENTS_COLLECTION, {
      patientRef: patient.patientRef,
      status: 'no_show',
    });
    return { ...patient, priorNoShows: Math.max(patient.priorNoShows ?? 0, recorded) };
  }

  async writableAppointment(
    user: AuthUser,
    appointmentId: string,
  ): Promise<{ doc: AppointmentDoc; location: SchedulingLocationDoc }> {
    const doc = await this.readModels.get<AppointmentDoc>(APPOINTMENTS_COLLECTION, appointmentId);
    const location = doc ? await this.catalog.location(doc.locationId) : null;
    if (!doc || !location) throw appointmentNotFound(appointmentId);
    assertCanWrite(user, scopeOf(location)); // a write outside the scope: 403
    return { doc, location };
  }
}
