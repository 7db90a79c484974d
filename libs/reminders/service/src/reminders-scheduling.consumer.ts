import { Inject, Injectable } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import {
  SLOT_CATEGORY,
  WAITLIST_OFFER_CATEGORY,
  messageStreamId,
  reminderStreamId,
  ringbackEventRegistry,
  topicForCategory,
  type AttendanceRecordedV1,
  type BookingCancelledV1,
  type EventEnvelope,
  type MessagePurpose,
  type MessageQueuedV1,
  type PatientContact,
  type SlotBookedV1,
  type WaitlistOfferConfirmedV1,
  type WaitlistOfferMadeV1,
} from '@ringback/contracts';
import { CLOCK, deterministicUuidV7, toIso, type Clock } from '@ringback/kernel';
import { RINGBACK_CONFIG, StreamCommands } from '@ringback/nest-platform';
import { BUS, EventConsumer, type Bus } from '@ringback/platform-core';
import {
  outOfQuietHours,
  outboundMessageDecider,
  planReminders,
  renderMessage,
  reminderSequenceDecider,
  type TemplateKind,
} from '@ringback/reminders-domain';
import { RemindersStore, type LocationFacts } from './reminders-store';

export const REMINDERS_SCHEDULING_GROUP_ID = 'reminders.scheduling';
const HIGH_RISK_NO_SHOWS = 2;

/** The patient's address on their preferred channel (null when it has none). */
const addressOf = (p: PatientContact): string | null => (p.preferredChannel === 'email' ? p.email : p.phone);

/**
 * Turns scheduling facts into patient messages (topics `ringback.slot.events`,
 * `ringback.waitlist_offer.events`):
 * - a booking plans its sequence (confirmation, 48 h, 24 h, same day; outreach for high-risk
 *   patients) and queues its messages; a reschedule plans the new booking, which stops the old one;
 * - a cancellation stops the sequence and tells the patient; an attendance stops it;
 * - a waitlist offer asks each patient of the batch; a confirmation tells the others it is filled.
 * Every message id derives from its cause and purpose, and queueing an existing message decides
 * nothing, so a redelivered event queues nothing twice.
 */
@Injectable()
export class RemindersSchedulingConsumer extends EventConsumer {
  protected readonly groupId = REMINDERS_SCHEDULING_GROUP_ID;
  protected readonly topics = [topicForCategory(SLOT_CATEGORY), topicForCategory(WAITLIST_OFFER_CATEGORY)];
  protected readonly consumerName = 'reminders scheduling';
  protected override readonly eventTypes = [
    'SlotBooked',
    'BookingCancelled',
    'AttendanceRecorded',
    'WaitlistOfferMade',
    'WaitlistOfferConfirmed',
  ];
  private readonly publicBaseUrl: string;

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(RemindersStore) private readonly facts: RemindersStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RINGBACK_CONFIG) config: RingbackConfig,
  ) {
    super(bus, ringbackEventRegistry());
    this.publicBaseUrl = config.publicBaseUrl;
  }

  protected async handleEvent(event: EventEnvelope): Promise<void> {
    const ctx = { correlationId: event.correlationId, causationId: event.eventId };
    switch (event.type) {
      case 'SlotBooked':
        return this.planBooking(event.data as SlotBookedV1, ctx);
      case 'BookingCancelled': {
        const c = event.data as BookingCancelledV1;
        if (c.cause === 'rescheduled') return; // the new booking's plan stops the old sequence
        const booking = await this.facts.booking(c.slotId, c.bookingId);
        if (!booking) return;
        await this.commands.run(
          reminderSequenceDecider,
          reminderStreamId(c.appointmentId),
          {
            type: 'StopSequence',
            data: {
              appointmentId: c.appointmentId,
              bookingId: c.bookingId,
              reason: 'cancelled',
              at: c.cancelledAt,
            },
          },
          { ...ctx, locationId: booking.locationId },
        );
        const location = await this.facts.location(booking.locationId);
        if (location)
          await this.queue(
            { kind: 'appointment', appointmentId: c.appointmentId, bookingId: c.bookingId },
            'cancellation',
            booking.patient,
            location,
            booking.start,
            outOfQuietHours(Date.parse(c.cancelledAt), location.timezone),
            c.cancelledAt,
            ctx,
          );
        return;
      }
      case 'AttendanceRecorded': {
        const a = event.data as AttendanceRecordedV1;
        await this.commands.run(
          reminderSequenceDecider,
          reminderStreamId(a.appointmentId),
          {
            type: 'StopSequence',
            data: {
              appointmentId: a.appointmentId,
              bookingId: a.bookingId,
              reason: 'attended',
              at: a.recordedAt,
            },
          },
          { ...ctx, locationId: event.locationId },
        );
        return;
      }
      case 'WaitlistOfferMade': {
        const o = event.data as WaitlistOfferMadeV1;
        const location = await this.facts.location(o.locationId);
        if (!location) return;
        for (const entryId of o.entryIds) {
          const entry = await this.facts.waitlistEntry(entryId);
          if (!entry) continue;
          await this.queue(
            { kind: 'waitlist_offer', offerId: o.offerId, entryId },
            'waitlist_offer',
            entry.patient,
            location,
            o.start,
            outOfQuietHours(Date.parse(o.offeredAt), location.timezone),
            o.offeredAt,
            ctx,
            o.expiresAt,
          );
        }
        return;
      }
      case 'WaitlistOfferConfirmed': {
        const c = event.data as WaitlistOfferConfirmedV1;
        const offer = await this.facts.waitlistOffer(c.offerId);
        if (!offer) return;
        const location = await this.facts.location(offer.offer.locationId);
        if (!location) return;
        for (const entryId of offer.offer.entryIds) {
          if (entryId === c.entryId || offer.declined.includes(entryId)) continue;
          const entry = await this.facts.waitlistEntry(entryId);
          if (!entry) continue;
          await this.queue(
            { kind: 'waitlist_offer', offerId: c.offerId, entryId },
            'waitlist_filled',
            entry.patient,
            location,
            offer.offer.start,
            outOfQuietHours(Date.parse(c.confirmedAt), location.timezone),
            c.confirmedAt,
            ctx,
          );
        }
        return;
      }
    }
  }

  private async planBooking(
    b: SlotBookedV1,
    ctx: { correlationId: string; causationId: string },
  ): Promise<void> {
    const location = await this.facts.location(b.locationId);
    if (!location) return;
    const plan = planReminders({
      appointmentStart: b.start,
      bookedAt: b.bookedAt,
      timezone: location.timezone,
      bestTimeWindow: b.patient.bestTimeWindow,
      highRisk: b.patient.priorNoShows >= HIGH_RISK_NO_SHOWS,
    });
    const purpose = { kind: 'appointment' as const, appointmentId: b.appointmentId, bookingId: b.bookingId };
    const messages = plan.messages.map((m) => ({
      messageId: this.messageId(purpose, m.kind, b.bookedAt),
      kind: m.kind,
      sendAt: m.sendAt,
    }));
    await this.commands.run(
      reminderSequenceDecider,
      reminderStreamId(b.appointmentId),
      {
        type: 'PlanSequence',
        data: {
          appointmentId: b.appointmentId,
          bookingId: b.bookingId,
          locationId: b.locationId,
          start: b.start,
          channel: b.patient.preferredChannel,
          language: b.patient.language,
          messages,
          outreachAt: plan.outreachAt,
          followUpAt: plan.followUpAt,
          at: b.bookedAt,
        },
      },
      { ...ctx, locationId: b.locationId },
    );
    for (const m of plan.messages)
      await this.queue(purpose, m.kind, b.patient, location, b.start, Date.parse(m.sendAt), b.bookedAt, ctx);
  }

  /** Queues one message (a no-op when its id is queued already). */
  private async queue(
    purpose: MessagePurpose,
    kind: TemplateKind,
    patient: PatientContact,
    location: LocationFacts,
    start: string,
    sendAtMs: number,
    causeAt: string,
    ctx: { correlationId: string; causationId: string },
    expiresAt?: string,
  ): Promise<void> {
    const to = addressOf(patient);
    if (!to) return;
    const messageId = this.messageId(purpose, kind, causeAt);
    const rescheduleUrl =
      purpose.kind === 'appointment' ? `${this.publicBaseUrl}/a/${purpose.appointmentId}` : undefined;
    const { templateId, body } = renderMessage(kind, patient.language, {
      clinicName: location.name,
      start,
      timezone: location.timezone,
      ...(rescheduleUrl ? { rescheduleUrl } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    });
    const data: Omit<MessageQueuedV1, 'queuedAt'> = {
      messageId,
      purpose,
      kind,
      locationId: location.locationId,
      channel: patient.preferredChannel,
      to,
      language: patient.language,
      templateId,
      body,
      sendAt: toIso(sendAtMs),
    };
    await this.commands.run(
      outboundMessageDecider,
      messageStreamId(messageId),
      { type: 'QueueMessage', data: { ...data, at: toIso(this.clock.now()) } },
      { ...ctx, locationId: location.locationId },
    );
  }

  /** The id of a message is a function of what it is for: one message per purpose and kind. */
  private messageId(purpose: MessagePurpose, kind: string, causeAt: string): string {
    const subject =
      purpose.kind === 'appointment'
        ? `${purpose.appointmentId}/${purpose.bookingId}`
        : purpose.kind === 'waitlist_offer'
          ? `${purpose.offerId}/${purpose.entryId}`
          : purpose.inboundId;
    return deterministicUuidV7(Date.parse(causeAt), 'message', purpose.kind, subject, kind);
  }
}
