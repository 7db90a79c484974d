import { Inject, Injectable } from '@nestjs/common';
import {
  ringbackEventRegistry,
  topicForCategory,
  SLOT_CATEGORY,
  type EventEnvelope,
  type SlotBookedV1,
} from '@ringback/contracts';
import { DomainError } from '@ringback/kernel';
import { BUS, EventConsumer, type Bus } from '@ringback/platform-core';
import { BookingHandler } from './booking.handler';

export const RESCHEDULE_COMPLETION_GROUP_ID = 'scheduling.reschedule-completion';

/**
 * Finishes reschedules: a SlotBooked that names the booking it replaces cancels that booking (cause
 * `rescheduled`). The HTTP request does it inline; this catches a process that stopped in between.
 * Idempotent: cancelling a booking already cancelled decides nothing.
 */
@Injectable()
export class RescheduleCompletionConsumer extends EventConsumer {
  protected readonly groupId = RESCHEDULE_COMPLETION_GROUP_ID;
  protected readonly topics = [topicForCategory(SLOT_CATEGORY)];
  protected readonly consumerName = 'scheduling reschedule-completion';
  protected override readonly eventTypes = ['SlotBooked'];

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(BookingHandler) private readonly booking: BookingHandler,
  ) {
    super(bus, ringbackEventRegistry());
  }

  protected async handleEvent(event: EventEnvelope): Promise<void> {
    const data = event.data as SlotBookedV1;
    if (!data.rescheduledFrom) return;
    try {
      await this.booking.completeReschedule(
        data.rescheduledFrom,
        data.bookedBy,
        event.correlationId,
        event.eventId,
      );
    } catch (error) {
      // The old booking is gone another way (attended, already moved): nothing left to finish.
      if (!(error instanceof DomainError)) throw error;
    }
  }
}
