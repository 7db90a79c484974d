import { Inject, Injectable } from '@nestjs/common';
import {
  INBOUND_MESSAGE_CATEGORY,
  SLOT_CATEGORY,
  WAITLIST_OFFER_CATEGORY,
  ringbackEventRegistry,
  topicForCategory,
  type BookingCancelledV1,
  type EventEnvelope,
  type PatientRepliedV1,
  type SlotBookedV1,
  type WaitlistOfferExpiredV1,
} from '@ringback/contracts';
import { BUS, EventConsumer, type Bus } from '@ringback/platform-core';
import { DomainError } from '@ringback/kernel';
import { ApiError } from '@ringback/nest-platform';
import { BookingApprovalsHandler } from '../approvals/booking-approvals.handler';
import { BookingHandler } from '../booking/booking.handler';
import { WaitlistHandler } from '../waitlist/waitlist.handler';

export const SCHEDULING_WORKFLOW_GROUP_ID = 'scheduling.workflow';

/**
 * The scheduling process manager (topics `ringback.slot.events`, `ringback.waitlist_offer.events`):
 * - a booking that moved an appointment cancels its old booking (reschedule completion);
 * - a booking under an approval records the approval, one under a waitlist offer its confirmation
 *   (both done inline by the request; this finishes what a stopped process left);
 * - a cancellation that frees a future slot offers it to the waitlist;
 * - an offer that ended without a booking releases its hold and asks the next batch;
 * - a patient's SMS reply (topic `ringback.inbound_message.events`) cancels their booking, or takes or
 *   declines the waitlist offer they were sent.
 * Every step is idempotent (the deciders ignore what is done; offer ids derive from their cause), so
 * redelivery changes nothing.
 */
@Injectable()
export class SchedulingWorkflowConsumer extends EventConsumer {
  protected readonly groupId = SCHEDULING_WORKFLOW_GROUP_ID;
  protected readonly topics = [
    topicForCategory(SLOT_CATEGORY),
    topicForCategory(WAITLIST_OFFER_CATEGORY),
    topicForCategory(INBOUND_MESSAGE_CATEGORY),
  ];
  protected readonly consumerName = 'scheduling workflow';
  protected override readonly eventTypes = [
    'SlotBooked',
    'BookingCancelled',
    'WaitlistOfferExpired',
    'PatientReplied',
  ];

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(BookingHandler) private readonly booking: BookingHandler,
    @Inject(BookingApprovalsHandler) private readonly approvals: BookingApprovalsHandler,
    @Inject(WaitlistHandler) private readonly waitlist: WaitlistHandler,
  ) {
    super(bus, ringbackEventRegistry());
  }

  protected async handleEvent(event: EventEnvelope): Promise<void> {
    const ctx = { correlationId: event.correlationId, causationId: event.eventId, causeAt: event.occurredAt };
    switch (event.type) {
      case 'SlotBooked': {
        const booking = event.data as SlotBookedV1;
        if (booking.rescheduledFrom)
          await this.booking.completeRescheduleQuietly(booking.rescheduledFrom, booking.bookedBy, ctx);
        await this.approvals.completeFromBooking(booking, ctx);
        await this.waitlist.completeFromBooking(booking, ctx);
        return;
      }
      case 'BookingCancelled': {
        const cancelled = event.data as BookingCancelledV1;
        if (!cancelled.slotReusable) return;
        await this.waitlist.offerFreedSlot(cancelled.slotId, cancelled.bookingId, null, ctx);
        return;
      }
      case 'PatientReplied': {
        const reply = event.data as PatientRepliedV1;
        const c = reply.context;
        if (c?.kind === 'appointment' && reply.intent === 'cancel')
          await this.booking.cancelByPatient(c.appointmentId, c.bookingId, ctx);
        if (
          c?.kind === 'waitlist_offer' &&
          (reply.intent === 'accept_offer' || reply.intent === 'decline_offer')
        ) {
          try {
            if (reply.intent === 'accept_offer')
              await this.waitlist.confirm(c.offerId, c.entryId, 'sms', 'patient', event.correlationId);
            else await this.waitlist.decline(c.offerId, c.entryId, 'sms', event.correlationId);
          } catch (error) {
            // Filled by someone quicker, or closed: the patient is told by the offer's outcome.
            if (!(error instanceof ApiError) && !(error instanceof DomainError)) throw error;
          }
        }
        return;
      }
      case 'WaitlistOfferExpired': {
        const ended = event.data as WaitlistOfferExpiredV1;
        const state = await this.waitlist.offerState(ended.offerId);
        if (state.status === 'none') return;
        await this.waitlist.releaseOfferHold(state.offer, ctx);
        await this.waitlist.offerFreedSlot(state.offer.slotId, state.offer.freedBy, state.offer, ctx);
        return;
      }
    }
  }
}
