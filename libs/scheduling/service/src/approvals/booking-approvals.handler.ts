import { Inject, Injectable, Optional } from '@nestjs/common';
import { assertCanWrite, type AuthUser } from '@ringback/auth';
import type { RingbackConfig } from '@ringback/config';
import { bookingApprovalStreamId, type SlotBookedV1 } from '@ringback/contracts';
import { CLOCK, DomainError, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { ApiError, RINGBACK_CONFIG } from '@ringback/nest-platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import { bookingApprovalDecider, type BookingApprovalState } from '@ringback/scheduling-domain';
import { BookingHandler, type BookInput } from '../booking/booking.handler';
import { SchedulingCatalog } from '../catalog/scheduling-catalog';
import { StreamCommands } from '@ringback/nest-platform';
import {
  APPROVALS_COLLECTION,
  bookingApprovalsProjection,
  type ApprovalDoc,
} from './booking-approvals.projection';

export const approvalNotFound = (approvalId: string): ApiError =>
  new ApiError(404, 'approval_not_found', `Unknown approval ${approvalId}`, [{ approvalId }]);

/**
 * In-house approval of bookings outside the requester's own authority (seed 000, step 5): the
 * request holds the slot until its due time (`BOOKING_APPROVAL_MINUTES`, never past the slot's start);
 * someone with direct authority for it (not the requester) approves, which books the slot under the
 * hold for the requester's patient, or denies, which frees it; undecided requests expire.
 */
@Injectable()
export class BookingApprovalsHandler {
  private readonly approvalMinutes: number;

  constructor(
    @Inject(BookingHandler) private readonly booking: BookingHandler,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() @Inject(RINGBACK_CONFIG) config?: RingbackConfig,
  ) {
    this.approvalMinutes = config?.scheduling.approvalMinutes ?? 30;
  }

  async request(user: AuthUser, input: BookInput, correlationId: string): Promise<ApprovalDoc> {
    const target = await this.booking.bookableSlot(user, input.slotId);
    const type = await this.catalog.appointmentType(input.appointmentTypeId);
    if (!type)
      throw new ApiError(
        422,
        'unknown_appointment_type',
        `Unknown appointment type ${input.appointmentTypeId}`,
        [{ path: 'appointmentTypeId' }],
      );
    const decision = await this.booking.authorityDecision(
      user,
      input.appointmentTypeId,
      target.protectedSlot,
    );
    if (decision === 'direct')
      throw new ApiError(
        422,
        'approval_not_needed',
        'You may book this directly: POST /api/v1/appointments',
        [],
      );
    if (decision === 'forbidden')
      throw new ApiError(403, 'not_authorized_to_book', `You may not book ${input.appointmentTypeId}`, []);
    if (input.taskId) await this.booking.requireOpenTask(user, input.taskId);
    const slot = target.spec ?? (await this.catalog.slotDoc(input.slotId))?.state.slot;
    if (!slot)
      throw new ApiError(404, 'slot_not_found', `No slot ${input.slotId}`, [{ slotId: input.slotId }]);
    // What the booking would refuse, refused now: an approver only ever sees bookable requests.
    if (!slot.appointmentTypeIds.includes(input.appointmentTypeId))
      throw new ApiError(
        422,
        'appointment_type_not_offered',
        `${input.appointmentTypeId} is not offered in this slot`,
        [],
      );
    if (input.newPatient && !type.newPatientAllowed)
      throw new ApiError(
        422,
        'new_patients_not_allowed',
        `${input.appointmentTypeId} is not for new patients`,
        [],
      );
    const now = this.clock.now();
    const at = toIso(now);
    const dueAt = toIso(Math.min(now + this.approvalMinutes * 60_000, Date.parse(slot.start)));
    const approvalId = this.ids.next(now);
    const ctx = { correlationId, locationId: target.location.locationId };
    // The slot first: it is the point of contention, and a request without a hold would be worthless.
    await this.booking.runSlotCommand(
      {
        type: 'HoldSlot',
        data: {
          slotId: input.slotId,
          at,
          holdId: approvalId,
          purpose: 'approval',
          until: dueAt,
          spec: target.spec,
        },
      },
      target.location,
      correlationId,
      now,
    );
    await this.commands.run(
      bookingApprovalDecider,
      bookingApprovalStreamId(approvalId),
      {
        type: 'RequestApproval',
        data: {
          approvalId,
          slotId: input.slotId,
          locationId: target.location.locationId,
          appointmentTypeId: input.appointmentTypeId,
          newPatient: input.newPatient,
          patient: await this.booking.patientWithHistory(input.patient),
          source: input.source,
          taskId: input.taskId,
          reason: target.protectedSlot ? 'protected_slot' : 'outside_own_authority',
          requestedBy: user.sub,
          dueAt,
          at,
        },
      },
      ctx,
      bookingApprovalsProjection.id,
    );
    return this.get(approvalId);
  }

  /** Books the held slot for the request, then records the approval. */
  async approve(
    user: AuthUser,
    approvalId: string,
    note: string | null,
    correlationId: string,
  ): Promise<ApprovalDoc> {
    const { state, location } = await this.decidable(user, approvalId);
    const { request } = state;
    const now = this.clock.now();
    const at = toIso(now);
    // The decider's rules (not expired, not one's own request) before anything is booked.
    bookingApprovalDecider.decide(
      {
        type: 'DecideApproval',
        data: { approvalId, decision: 'approved', decidedBy: user.sub, note, appointmentId: 'pending', at },
      },
      state,
    );
    const protectedSlot = request.reason === 'protected_slot';
    if ((await this.booking.authorityDecision(user, request.appointmentTypeId, protectedSlot)) !== 'direct')
      throw new ApiError(
        403,
        'not_authorized_to_approve',
        `You may not book ${request.appointmentTypeId} directly`,
        [],
      );
    const type = await this.catalog.appointmentType(request.appointmentTypeId);
    const appointmentId = this.ids.next(now);
    await this.booking.runSlotCommand(
      {
        type: 'BookSlot',
        data: {
          slotId: request.slotId,
          at,
          appointmentId,
          bookingId: this.ids.next(now),
          appointmentTypeId: request.appointmentTypeId,
          newPatient: request.newPatient,
          patient: request.patient,
          source: request.source,
          taskId: request.taskId,
          bookedBy: request.requestedBy,
          holdId: approvalId,
          authority: { kind: 'approved', approvalId, approvedBy: user.sub },
          typeAllowsNewPatients: type?.newPatientAllowed ?? true,
        },
      },
      location,
      correlationId,
      now,
    );
    await this.recordApproval(approvalId, user.sub, note, appointmentId, at, {
      correlationId,
      locationId: location.locationId,
    });
    return this.get(approvalId);
  }

  /** Records the approval of a booking made under its hold (idempotent; the completion path too). */
  async recordApproval(
    approvalId: string,
    approvedBy: string,
    note: string | null,
    appointmentId: string,
    at: string,
    ctx: { correlationId: string; causationId?: string | null; locationId: string | null },
  ): Promise<void> {
    await this.commands.run(
      bookingApprovalDecider,
      bookingApprovalStreamId(approvalId),
      {
        type: 'DecideApproval',
        data: { approvalId, decision: 'approved', decidedBy: approvedBy, note, appointmentId, at },
      },
      ctx,
      bookingApprovalsProjection.id,
    );
  }

  /** From a booking's event: the approval it was made under, recorded if the approve request stopped short. */
  async completeFromBooking(
    booking: SlotBookedV1,
    ctx: { correlationId: string; causationId: string },
  ): Promise<void> {
    const { approvalId, approvedBy } = booking.authority;
    if (booking.authority.kind !== 'approved' || !approvalId || !approvedBy) return;
    try {
      await this.recordApproval(approvalId, approvedBy, null, booking.appointmentId, booking.bookedAt, {
        ...ctx,
        locationId: booking.locationId,
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error; // decided already, or past due: nothing to finish
    }
  }

  async deny(
    user: AuthUser,
    approvalId: string,
    note: string | null,
    correlationId: string,
  ): Promise<ApprovalDoc> {
    const { state, location } = await this.decidable(user, approvalId);
    const now = this.clock.now();
    const at = toIso(now);
    const { request } = state;
    if (
      (await this.booking.authorityDecision(
        user,
        request.appointmentTypeId,
        request.reason === 'protected_slot',
      )) !== 'direct'
    )
      throw new ApiError(
        403,
        'not_authorized_to_approve',
        `You may not book ${request.appointmentTypeId} directly`,
        [],
      );
    await this.commands.run(
      bookingApprovalDecider,
      bookingApprovalStreamId(approvalId),
      {
        type: 'DecideApproval',
        data: { approvalId, decision: 'denied', decidedBy: user.sub, note, appointmentId: null, at },
      },
      { correlationId, locationId: location.locationId },
      bookingApprovalsProjection.id,
    );
    await this.booking.runSlotCommand(
      { type: 'ReleaseHold', data: { slotId: request.slotId, at, holdId: approvalId } },
      location,
      correlationId,
      now,
    );
    return this.get(approvalId);
  }

  /** Expires every pending request past its due time and releases its hold. Returns how many. */
  async expireDue(): Promise<number> {
    const now = this.clock.now();
    const at = toIso(now);
    const due = (await this.readModels.find<ApprovalDoc>(APPROVALS_COLLECTION, { state: 'pending' })).filter(
      (d) => d.dueAtMs <= now,
    );
    let expired = 0;
    for (const doc of due) {
      const ctx = { correlationId: doc.request.approvalId, locationId: doc.locationId };
      const { events } = await this.commands.run(
        bookingApprovalDecider,
        bookingApprovalStreamId(doc.approvalId),
        { type: 'ExpireApproval', data: { approvalId: doc.approvalId, at } },
        ctx,
        bookingApprovalsProjection.id,
      );
      await this.booking.runSlotCommand(
        { type: 'ReleaseHold', data: { slotId: doc.request.slotId, at, holdId: doc.approvalId } },
        null,
        doc.approvalId,
        now,
        null,
        doc.locationId,
      );
      expired += events.length;
    }
    return expired;
  }

  async get(approvalId: string): Promise<ApprovalDoc> {
    const doc = await this.readModels.get<ApprovalDoc>(APPROVALS_COLLECTION, approvalId);
    if (!doc) throw approvalNotFound(approvalId);
    return doc;
  }

  private async decidable(
    user: AuthUser,
    approvalId: string,
  ): Promise<{
    state: Extract<BookingApprovalState, { status: 'pending' }>;
    location: NonNullable<Awaited<ReturnType<SchedulingCatalog['location']>>>;
  }> {
    const state = await this.commands.load(bookingApprovalDecider, bookingApprovalStreamId(approvalId));
    if (state.status === 'none') throw approvalNotFound(approvalId);
    const location = await this.catalog.location(state.request.locationId);
    if (!location) throw approvalNotFound(approvalId);
    assertCanWrite(user, location);
    if (state.status === 'decided')
      throw new ApiError(409, 'approval_already_decided', `The request was ${state.decision.decision}`, []);
    if (state.status === 'expired')
      throw new ApiError(409, 'approval_expired', `The request expired at ${state.request.dueAt}`, []);
    return { state, location };
  }
}
