import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  SLOT_CATEGORY,
  ringbackEventRegistry,
  topicForCategory,
  type EventEnvelope,
  type SlotBookedV1,
} from '@ringback/contracts';
import { CLOCK, DomainError, deterministicUuidV7, toIso, type Clock } from '@ringback/kernel';
import { LOGGER } from '@ringback/nest-platform';
import { BUS, EVENT_STORE, EventConsumer, type Bus, type EventStore } from '@ringback/platform-core';
import { taskStreamId } from '../open-task.consumer';
import { runTaskCommand } from '../routing/task-command';

export const TASK_BOOKINGS_GROUP_ID = 'triage.task-bookings';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Closes the loop from callback to appointment (topic `ringback.slot.events`): a booking made from a
 * callback task resolves that task as `booked`. A Tier 1 task still waiting for its clinical handoff
 * is not resolved by a booking (the handoff comes first); a task closed already stays as it is. The
 * resolution's event id derives from the booking's, so a redelivered booking appends nothing new.
 */
@Injectable()
export class TaskBookingsConsumer extends EventConsumer {
  protected readonly groupId = TASK_BOOKINGS_GROUP_ID;
  protected readonly topics = [topicForCategory(SLOT_CATEGORY)];
  protected readonly consumerName = 'triage task-bookings';
  protected override readonly eventTypes = ['SlotBooked'];

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {
    super(bus, ringbackEventRegistry());
  }

  protected async handleEvent(event: EventEnvelope): Promise<void> {
    const booking = event.data as SlotBookedV1;
    if (!booking.taskId || booking.rescheduledFrom) return;
    const opened = (await this.store.readStream(taskStreamId(booking.taskId)))[0];
    if (!opened) {
      this.logger?.warn(
        { taskId: booking.taskId, appointmentId: booking.appointmentId },
        'booking names an unknown task',
      );
      return;
    }
    try {
      await runTaskCommand(
        this.store,
        this.registry,
        {
          type: 'Resolve',
          data: {
            taskId: booking.taskId,
            at: event.occurredAt,
            resolvedBy: booking.bookedBy,
            resolution: 'booked',
            note: `appointment ${booking.appointmentId}`,
          },
        },
        {
          eventId: (i, type) =>
            deterministicUuidV7(Date.parse(event.occurredAt), event.eventId, type, String(i)),
          recordedAt: toIso(this.clock.now()),
          correlationId: event.correlationId,
          causationId: event.eventId,
          traceparent: event.traceparent,
          locationId: opened.envelope.locationId,
        },
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Closed already (a redelivery, or resolved by hand) or a Tier 1 awaiting its handoff.
      this.logger?.info(
        { taskId: booking.taskId, appointmentId: booking.appointmentId, code: error.code },
        'booking did not resolve its task',
      );
    }
  }
}
