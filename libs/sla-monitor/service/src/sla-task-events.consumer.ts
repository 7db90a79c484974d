import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  LOCATION_CONFIGURED,
  locationStreamId,
  ringbackEventRegistry,
  slaStreamId,
  topicForCategory,
  type CallJoinedTaskV1,
  type EventEnvelope,
  type LocationConfigured,
  type SlaStoppedV1,
  type TaskMarkedUnreachableV1,
  type TaskOpenedV1,
  type TaskResolvedV1,
} from '@ringback/contracts';
import { safeParseLocationSchedule, type LocationSchedule } from '@ringback/calendar';
import { CLOCK, DomainError, foldEvents, toIso, type Clock } from '@ringback/kernel';
import { LOGGER } from '@ringback/nest-platform';
import {
  BUS,
  EVENT_STORE,
  handleCommand,
  EventConsumer,
  StreamReadCache,
  type Bus,
  type EventStore,
} from '@ringback/platform-core';
import {
  slaTimerDecider,
  type SlaCommandStamp,
  type SlaTimerCommand,
  type TaskSlaClock,
} from '@ringback/sla-monitor-domain';
import { fallbackSlaLogger, type SlaLogger } from './sla-logger';

/** Stable consumer group: its committed offsets survive restarts. */
export const SLA_TASK_EVENTS_GROUP_ID = 'sla-monitor.task-events';
export const TASK_EVENTS_TOPIC = topicForCategory('task');

/**
 * Follows the task events and keeps each task's SLA timers in step (stream `sla-<taskId>`):
 * - TaskOpened, and CallJoinedTask with a retriage: StartClock with the task's clock;
 * - SlaStopped (Tier 1 accepted clinical handoff, Tiers 2/3 first successful contact): Stop;
 * - TaskResolved / TaskMarkedUnreachable: Stop as well (a closed task raises no more alerts; a no-op
 *   when the stop rule already stopped the clock).
 *
 * Idempotent by event id: the decider remembers which task events it acted on, and its events carry
 * ids derived from them, so a redelivery decides nothing.
 *
 * Business clocks need the location's schedule to place the at-risk instant. The task records the
 * calendar version its clock was computed with (`sla.calendarVersion`); that exact version is read
 * from the location's own event stream (`location-<id>`, `LocationConfigured`), so a later change of
 * hours never moves a running clock and nothing depends on another service's read model.
 */
@Injectable()
export class SlaTaskEventsConsumer extends EventConsumer {
  protected readonly groupId = SLA_TASK_EVENTS_GROUP_ID;
  protected readonly topics = [TASK_EVENTS_TOPIC];
  protected readonly consumerName = 'sla task-events';
  private readonly logger: SlaLogger;

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(LOGGER) logger?: SlaLogger,
  ) {
    super(bus, ringbackEventRegistry());
    this.logger = logger ?? fallbackSlaLogger;
    this.locationStreams = new StreamReadCache(store, (r) => this.registry.upcast(r.envelope));
  }

  /** Location configurations, read for every clock started: kept, upcast, between events. */
  private readonly locationStreams: StreamReadCache<EventEnvelope>;

  /** Every registered task event (a newer producer's event type is skipped: nothing for the timers). */
  protected async handleEvent(event: EventEnvelope): Promise<void> {
    const command = await this.commandFor(event);
    if (!command) return;
    try {
      await handleCommand({
        store: this.store,
        registry: this.registry,
        decider: slaTimerDecider,
        streamId: slaStreamId(command.taskId),
        command,
      });
    } catch (error) {
      // A clock the decider refuses is not going to become valid on redelivery: log it and move on.
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(
        { eventId: event.eventId, type: event.type, code: error.code, details: error.details },
        'sla-monitor refused a task clock',
      );
    }
  }

  private async commandFor(event: EventEnvelope): Promise<SlaTimerCommand | null> {
    const stamp: SlaCommandStamp = {
      recordedAt: toIso(this.clock.now()),
      correlationId: event.correlationId,
      causationId: event.eventId,
      traceparent: event.traceparent,
    };
    switch (event.type) {
      case 'TaskOpened': {
        const data = event.data as TaskOpenedV1;
        return {
          type: 'StartClock',
          taskId: data.taskId,
          locationId: data.locationId,
          tier: data.triage.tier,
          clock: data.sla,
          schedule: await this.scheduleFor(data.locationId, data.sla),
          sourceEventId: event.eventId,
          sourceOccurredAt: event.occurredAt,
          stamp,
        };
      }
      case 'CallJoinedTask': {
        const data = event.data as CallJoinedTaskV1;
        if (!data.retriage) return null;
        const locationId = event.locationId ?? (await this.locationOfTask(data.taskId));
        return {
          type: 'StartClock',
          taskId: data.taskId,
          locationId,
          tier: data.retriage.triage.tier,
          clock: data.retriage.sla,
          schedule: locationId ? await this.scheduleFor(locationId, data.retriage.sla) : null,
          sourceEventId: event.eventId,
          sourceOccurredAt: event.occurredAt,
          stamp,
        };
      }
      case 'SlaStopped': {
        const data = event.data as SlaStoppedV1;
        return {
          type: 'Stop',
          taskId: data.taskId,
          at: data.stoppedAt,
          met: data.met,
          reason: data.reason,
          sourceEventId: event.eventId,
          stamp,
        };
      }
      case 'TaskResolved': {
        const data = event.data as TaskResolvedV1;
        return {
          type: 'Stop',
          taskId: data.taskId,
          at: data.resolvedAt,
          met: false,
          reason: 'task_resolved',
          sourceEventId: event.eventId,
          stamp,
        };
      }
      case 'TaskMarkedUnreachable': {
        const data = event.data as TaskMarkedUnreachableV1;
        return {
          type: 'Stop',
          taskId: data.taskId,
          at: data.markedAt,
          met: false,
          reason: 'task_unreachable',
          sourceEventId: event.eventId,
          stamp,
        };
      }
      default:
        return null;
    }
  }

  /**
   * The schedule a business clock was computed with: the location's configuration of version
   * `calendarVersion`, or (version not recorded or not found) the last configuration in force at the
   * clock start, or else the latest one. Null for wall-clock clocks and for unknown locations (the
   * decider then interpolates the at-risk instant and says so in `thresholdBasis`).
   */
  private async scheduleFor(locationId: string, clock: TaskSlaClock): Promise<LocationSchedule | null> {
    if (clock.mode !== 'business') return null;
    const configs = (await this.locationStreams.read(locationStreamId(locationId))).filter(
      (e): e is LocationConfigured => e.type === LOCATION_CONFIGURED,
    );
    const startedAt = Date.parse(clock.startedAt);
    const chosen =
      configs.find((c) => c.data.version === clock.calendarVersion) ??
      configs.filter((c) => Date.parse(c.occurredAt) <= startedAt).at(-1) ??
      configs.at(-1);
    if (!chosen) {
      this.logger.warn({ locationId }, 'no configuration for the location: at-risk instant interpolated');
      return null;
    }
    const { timezone, hours, holidays } = chosen.data;
    const parsed = safeParseLocationSchedule({ timezone, hours, holidays });
    if (!parsed.success) {
      this.logger.warn(
        { locationId, version: chosen.data.version },
        'location schedule not usable: at-risk instant interpolated',
      );
      return null;
    }
    return parsed.data;
  }

  /** The location of a task's running clock, for task events whose envelope does not name it. */
  private async locationOfTask(taskId: string): Promise<string | null> {
    const recorded = await this.store.readStream(slaStreamId(taskId));
    const state = foldEvents(
      slaTimerDecider,
      recorded.map((r) => this.registry.upcast(r.envelope) as Parameters<typeof slaTimerDecider.evolve>[1]),
    );
    return state.locationId;
  }
}
