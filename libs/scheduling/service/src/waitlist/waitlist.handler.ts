import { Inject, Injectable, Optional } from '@nestjs/common';
import { assertCanWrite, type AuthUser } from '@ringback/auth';
import type { RingbackConfig } from '@ringback/config';
import {
  slotStreamId,
  waitlistEntryStreamId,
  waitlistOfferStreamId,
  type SlotBookedV1,
  type WaitlistConstraints,
  type WaitlistOfferMadeV1,
} from '@ringback/contracts';
import {
  CLOCK,
  DomainError,
  ID_GENERATOR,
  deterministicUuidV7,
  toIso,
  type Clock,
  type IdGenerator,
} from '@ringback/kernel';
import { ApiError, RINGBACK_CONFIG } from '@ringback/nest-platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import {
  canAnswer,
  nextBatch,
  slotDecider,
  waitlistEntryDecider,
  waitlistOfferDecider,
  type SlotState,
} from '@ringback/scheduling-domain';
import { BookingHandler, type PatientInput } from '../booking/booking.handler';
import { SchedulingCatalog } from '../catalog/scheduling-catalog';
import { StreamCommands, type CommandContext } from '@ringback/nest-platform';
import {
  WAITLIST_COLLECTION,
  WAITLIST_OFFERS_COLLECTION,
  waitlistProjection,
  type WaitlistEntryDoc,
  type WaitlistOfferDoc,
} from './waitlist.projection';

export interface AddToWaitlistInput {
  locationId: string;
  appointmentTypeId: string;
  providerId: string | null;
  newPatient: boolean;
  patient: PatientInput;
  clinicalPriority: 1 | 2 | 3;
  constraints: WaitlistConstraints;
  taskId: string | null;
}

export const entryNotFound = (entryId: string): ApiError =>
  new ApiError(404, 'waitlist_entry_not_found', `Unknown waitlist entry ${entryId}`, [{ entryId }]);
export const offerNotFound = (offerId: string): ApiError =>
  new ApiError(404, 'offer_not_found', `Unknown waitlist offer ${offerId}`, [{ offerId }]);

/** Slots starting sooner than this are not offered (nobody can plan for them). */
const MIN_LEAD_MS = 60 * 60_000;

/**
 * The dynamic waitlist (seed 003): patients waiting for a type (and optionally a provider) at a
 * location with clinical priority and constraints. A freed slot is held for a ranked batch
 * (`WAITLIST_BATCH_SIZE`, priority then wait) until the offer expires (`WAITLIST_OFFER_MINUTES`,
 * never past the start); the first confirmation books it under the hold (the slot's stream decides,
 * so two confirmations never both book), the others are told it is filled; an expired or all-declined
 * batch releases the hold and the next batch is asked. A patient is part of one open offer at a time
 * and is never offered the same slot twice.
 */
@Injectable()
export class WaitlistHandler {
  private readonly offerMinutes: number;
  private readonly batchSize: number;

  constructor(
    @Inject(BookingHandler) private readonly booking: BookingHandler,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() @Inject(RINGBACK_CONFIG) config?: RingbackConfig,
  ) {
    this.offerMinutes = config?.scheduling.waitlistOfferMinutes ?? 30;
    this.batchSize = config?.scheduling.waitlistBatchSize ?? 3;
  }

  async add(user: AuthUser, input: AddToWaitlistInput, correlationId: string): Promise<WaitlistEntryDoc> {
    const location = await this.catalog.location(input.locationId);
    if (!location)
      throw new ApiError(404, 'location_not_found', `Unknown location ${input.locationId}`, [
        { locationId: input.locationId },
      ]);
    assertCanWrite(user, location);
    const type = await this.catalog.appointmentType(input.appointmentTypeId);
    if (!type)
      throw new ApiError(
        422,
        'unknown_appointment_type',
        `Unknown appointment type ${input.appointmentTypeId}`,
        [{ path: 'appointmentTypeId' }],
      );
    if (input.newPatient && !type.newPatientAllowed)
      throw new ApiError(
        422,
        'new_patients_not_allowed',
        `${input.appointmentTypeId} is not for new patients`,
        [],
      );
    if (input.providerId) {
      const provider = await this.catalog.provider(input.providerId);
      if (!provider || provider.locationId !== input.locationId)
        throw new ApiError(
          422,
          'unknown_provider',
          `No provider ${input.providerId} at ${input.locationId}`,
          [{ path: 'providerId' }],
        );
    }
    const now = this.clock.now();
    const entryId = this.ids.next(now);
    await this.commands.run(
      waitlistEntryDecider,
      waitlistEntryStreamId(entryId),
      {
        type: 'AddWaitlistEntry',
        data: {
          entryId,
          locationId: input.locationId,
          appointmentTypeId: input.appointmentTypeId,
          providerId: input.providerId,
          newPatient: input.newPatient,
          patient: await this.booking.patientWithHistory(input.patient),
          clinicalPriority: input.clinicalPriority,
          constraints: input.constraints,
          taskId: input.taskId,
          addedBy: user.sub,
          at: toIso(now),
        },
      },
      { correlationId, locationId: input.locationId },
      waitlistProjection.id,
    );
    return this.entry(entryId);
  }

  async withdraw(user: AuthUser, entryId: string, correlationId: string): Promise<WaitlistEntryDoc> {
    const doc = await this.readModels.get<WaitlistEntryDoc>(WAITLIST_COLLECTION, entryId);
    const location = doc ? await this.catalog.location(doc.locationId) : null;
    if (!doc || !location) throw entryNotFound(entryId);
    assertCanWrite(user, location);
    await this.commands.run(
      waitlistEntryDecider,
      waitlistEntryStreamId(entryId),
      {
        type: 'RemoveWaitlistEntry',
        data: {
          entryId,
          reason: 'withdrawn',
          appointmentId: null,
          removedBy: user.sub,
          at: toIso(this.clock.now()),
        },
      },
      { correlationId, locationId: doc.locationId },
      waitlistProjection.id,
    );
    return this.entry(entryId);
  }

  /**
   * The patient `entryId` takes the offered slot: the booking under the offer's hold is decided by
   * the slot's stream, so of two confirmations at the same moment one books and the other answers
   * 409 `offer_already_filled`. `by` is the staff member, or `patient` for an SMS reply.
   */
  async confirm(
    offerId: string,
    entryId: string,
    via: 'sms' | 'staff',
    by: string,
    correlationId: string,
    user?: AuthUser,
  ): Promise<WaitlistOfferDoc> {
    const state = await this.commands.load(waitlistOfferDecider, waitlistOfferStreamId(offerId));
    if (state.status === 'none') throw offerNotFound(offerId);
    const { offer } = state;
    if (user) await this.requireWritable(user, offer.locationId);
    if (state.status === 'confirmed') {
      if (state.confirmation.entryId === entryId) return this.offer(offerId);
      throw new ApiError(409, 'offer_already_filled', 'Another patient took the slot first', [{ offerId }]);
    }
    const now = this.clock.now();
    const at = toIso(now);
    if (!canAnswer(state, entryId, at)) {
      if (!offer.entryIds.includes(entryId))
        throw new ApiError(422, 'not_offered', `${entryId} was not offered this slot`, [{ entryId }]);
      throw new ApiError(409, 'offer_closed', `The offer is no longer open`, [{ offerId }]);
    }
    const entry = await this.commands.load(waitlistEntryDecider, waitlistEntryStreamId(entryId));
    if (entry.status !== 'waiting')
      throw new ApiError(409, 'entry_not_waiting', `${entryId} is no longer waiting`, [{ entryId }]);
    const type = await this.catalog.appointmentType(offer.appointmentTypeId);
    const appointmentId = this.ids.next(now);
    try {
      await this.booking.runSlotCommand(
        {
          type: 'BookSlot',
          data: {
            slotId: offer.slotId,
            at,
            appointmentId,
            bookingId: this.ids.next(now),
            appointmentTypeId: offer.appointmentTypeId,
            newPatient: entry.entry.newPatient,
            patient: entry.entry.patient,
            source: 'waitlist',
            taskId: null,
            bookedBy: by,
            holdId: offerId,
            authority: { kind: 'direct', approvalId: null, approvedBy: null },
            typeAllowsNewPatients: type?.newPatientAllowed ?? true,
          },
        },
        null,
        correlationId,
        now,
        null,
        offer.locationId,
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'slot_already_booked')
        throw new ApiError(409, 'offer_already_filled', 'Another patient took the slot first', [{ offerId }]);
      if (error instanceof DomainError && error.code === 'hold_expired')
        throw new ApiError(409, 'offer_closed', 'The offer expired', [{ offerId }]);
      throw error;
    }
    await this.recordConfirmation(offer, entryId, appointmentId, via, at, {
      correlationId,
      locationId: offer.locationId,
    });
    return this.offer(offerId);
  }

  async decline(
    offerId: string,
    entryId: string,
    via: 'sms' | 'staff',
    correlationId: string,
    user?: AuthUser,
  ): Promise<WaitlistOfferDoc> {
    const state = await this.commands.load(waitlistOfferDecider, waitlistOfferStreamId(offerId));
    if (state.status === 'none') throw offerNotFound(offerId);
    if (user) await this.requireWritable(user, state.offer.locationId);
    await this.commands.run(
      waitlistOfferDecider,
      waitlistOfferStreamId(offerId),
      { type: 'DeclineWaitlistOffer', data: { offerId, entryId, via, at: toIso(this.clock.now()) } },
      { correlationId, locationId: state.offer.locationId },
      waitlistProjection.id,
    );
    return this.offer(offerId);
  }

  /** Records the confirmation and takes the patient off the waitlist (idempotent). */
  async recordConfirmation(
    offer: WaitlistOfferMadeV1,
    entryId: string,
    appointmentId: string,
    via: 'sms' | 'staff',
    at: string,
    ctx: CommandContext,
  ): Promise<void> {
    await this.commands.run(
      waitlistOfferDecider,
      waitlistOfferStreamId(offer.offerId),
      {
        type: 'ConfirmWaitlistOffer',
        data: { offerId: offer.offerId, slotId: offer.slotId, entryId, appointmentId, via, at },
      },
      ctx,
    );
    await this.commands.run(
      waitlistEntryDecider,
      waitlistEntryStreamId(entryId),
      {
        type: 'RemoveWaitlistEntry',
        data: { entryId, reason: 'booked', appointmentId, removedBy: 'waitlist', at },
      },
      ctx,
      waitlistProjection.id,
    );
  }

  /** From a waitlist booking's event: the confirmation, recorded if the confirm request stopped short. */
  async completeFromBooking(
    booking: SlotBookedV1,
    ctx: { correlationId: string; causationId: string },
  ): Promise<void> {
    if (booking.source !== 'waitlist' || !booking.holdId) return;
    const state = await this.commands.load(waitlistOfferDecider, waitlistOfferStreamId(booking.holdId));
    if (state.status === 'none' || state.status === 'confirmed') return;
    // The booked patient is the batch member with the booking's patient reference.
    for (const entryId of state.offer.entryIds) {
      const entry = await this.commands.load(waitlistEntryDecider, waitlistEntryStreamId(entryId));
      if (entry.status === 'none' || entry.entry.patient.patientRef !== booking.patient.patientRef) continue;
      await this.recordConfirmation(state.offer, entryId, booking.appointmentId, 'staff', booking.bookedAt, {
        ...ctx,
        locationId: booking.locationId,
      });
      return;
    }
  }

  /**
   * Offers a freed slot to the next batch. `after` is the previous offer of this slot (null for the
   * first round); ids derive from the cause, so a redelivered cause offers nothing twice.
   */
  async offerFreedSlot(
    slotId: string,
    freedBy: string,
    after: WaitlistOfferMadeV1 | null,
    ctx: { correlationId: string; causationId: string; causeAt: string },
  ): Promise<WaitlistOfferMadeV1 | null> {
    const now = this.clock.now();
    const slotState: SlotState = await this.commands.load(slotDecider, slotStreamId(slotId));
    if (slotState.status === 'unknown' || slotState.status === 'booked') return null;
    if (slotState.status === 'held' && Date.parse(slotState.hold.until) > now) return null;
    const slot = slotState.slot;
    if (Date.parse(slot.start) - now < MIN_LEAD_MS) return null;
    const location = await this.catalog.location(slot.locationId);
    if (!location) return null;
    const previouslyOffered = after ? [...after.previouslyOffered, ...after.entryIds] : [];
    const exclude = new Set(previouslyOffered);
    const waiting = (
      await this.readModels.find<WaitlistEntryDoc>(WAITLIST_COLLECTION, {
        locationId: slot.locationId,
        state: 'waiting',
      })
    )
      .filter((d) => d.openOfferId === null)
      .map((d) => d.entry);
    const batch = nextBatch(waiting, { ...slot, timezone: location.timezone }, exclude, this.batchSize);
    if (!batch) return null;
    const round = (after?.round ?? 0) + 1;
    const offerId = deterministicUuidV7(
      Date.parse(ctx.causeAt),
      'waitlist-offer',
      slotId,
      freedBy,
      String(round),
    );
    const expiresAt = toIso(Math.min(now + this.offerMinutes * 60_000, Date.parse(slot.start)));
    const at = toIso(now);
    try {
      await this.booking.runSlotCommand(
        {
          type: 'HoldSlot',
          data: { slotId, at, holdId: offerId, purpose: 'waitlist_offer', until: expiresAt },
        },
        location,
        ctx.correlationId,
        now,
        ctx.causationId,
      );
    } catch (error) {
      if (error instanceof DomainError) return null; // booked or held meanwhile: nothing to offer
      throw error;
    }
    const offer: Omit<WaitlistOfferMadeV1, 'offeredAt'> = {
      offerId,
      slotId,
      locationId: slot.locationId,
      providerId: slot.providerId,
      start: slot.start,
      end: slot.end,
      appointmentTypeId: batch.appointmentTypeId,
      entryIds: batch.entries.map((e) => e.entryId),
      round,
      previouslyOffered,
      freedBy,
      expiresAt,
    };
    await this.commands.run(
      waitlistOfferDecider,
      waitlistOfferStreamId(offerId),
      { type: 'MakeWaitlistOffer', data: { ...offer, at } },
      { correlationId: ctx.correlationId, causationId: ctx.causationId, locationId: slot.locationId },
      waitlistProjection.id,
    );
    return { ...offer, offeredAt: at };
  }

  /** Ends every open offer past its expiry (the next batch follows from the event). Returns how many. */
  async expireDue(): Promise<number> {
    const now = this.clock.now();
    const due = (
      await this.readModels.find<WaitlistOfferDoc>(WAITLIST_OFFERS_COLLECTION, { state: 'open' })
    ).filter((o) => o.expiresAtMs <= now);
    let expired = 0;
    for (const o of due) {
      const { events } = await this.commands.run(
        waitlistOfferDecider,
        waitlistOfferStreamId(o.offerId),
        { type: 'ExpireWaitlistOffer', data: { offerId: o.offerId, reason: 'expired', at: toIso(now) } },
        { correlationId: o.offerId, locationId: o.locationId },
        waitlistProjection.id,
      );
      expired += events.length;
    }
    return expired;
  }

  /** Releases the hold of an offer that ended without a booking (idempotent). */
  async releaseOfferHold(
    offer: WaitlistOfferMadeV1,
    ctx: { correlationId: string; causationId: string },
  ): Promise<void> {
    const now = this.clock.now();
    await this.booking.runSlotCommand(
      { type: 'ReleaseHold', data: { slotId: offer.slotId, at: toIso(now), holdId: offer.offerId } },
      null,
      ctx.correlationId,
      now,
      ctx.causationId,
      offer.locationId,
    );
  }

  async entry(entryId: string): Promise<WaitlistEntryDoc> {
    const doc = await this.readModels.get<WaitlistEntryDoc>(WAITLIST_COLLECTION, entryId);
    if (!doc) throw entryNotFound(entryId);
    return doc;
  }

  async offer(offerId: string): Promise<WaitlistOfferDoc> {
    const doc = await this.readModels.get<WaitlistOfferDoc>(WAITLIST_OFFERS_COLLECTION, offerId);
    if (!doc) throw offerNotFound(offerId);
    return doc;
  }

  /** The offer as its stream tells it (for consumers that must not trust a lagging read model). */
  offerState(offerId: string) {
    return this.commands.load(waitlistOfferDecider, waitlistOfferStreamId(offerId));
  }

  private async requireWritable(user: AuthUser, locationId: string): Promise<void> {
    const location = await this.catalog.location(locationId);
    if (!location) throw new ApiError(404, 'location_not_found', `Unknown location ${locationId}`, []);
    assertCanWrite(user, location);
  }
}
