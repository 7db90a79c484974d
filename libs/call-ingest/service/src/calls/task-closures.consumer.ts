import { Inject, Injectable, Optional } from '@nestjs/common';
import { callerLineDecider, legacyCallerLineStreamId } from '@ringback/call-ingest-domain';
import {
  ringbackEventRegistry,
  streamIdOf,
  topicForCategory,
  type EventEnvelope,
  type TaskMarkedUnreachableV1,
  type TaskOpenedV1,
  type TaskResolvedV1,
  PHI_REDACTED,
} from '@ringback/contracts';
import { CLOCK, DomainError, deterministicUuidV7, toIso, type Clock } from '@ringback/kernel';
import { LOGGER } from '@ringback/nest-platform';
import {
  BUS,
  EVENT_STORE,
  handleCommand,
  EventConsumer,
  type Bus,
  type EventStore,
} from '@ringback/platform-core';
import { CallerLines } from './caller-lines';

/** Stable consumer group: its committed offsets survive restarts. */
export const TASK_CLOSURES_GROUP_ID = 'call-ingest.task-closures';
export const TASK_EVENTS_TOPIC = topicForCategory('task');

/** The logging this consumer needs; the platform's pino logger (LOGGER) fits. No PHI goes in. */
export interface TaskClosuresLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const fallbackLogger: TaskClosuresLogger = {
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};

/**
 * Frees the caller line when its task closes: on TaskResolved or TaskMarkedUnreachable it issues
 * CloseLineTask on `call-<locationId>.<digits>`, so the caller's next call opens a new task instead
 * of joining a closed one. The closing events carry neither location nor number, so both come from
 * the task stream's TaskOpened (`locationId`, `callerPhone`).
 *
 * Redelivery is harmless: the event id is derived from the closing event's id, and the decider
 * ignores a close for a task the line no longer has open.
 */
@Injectable()
export class TaskClosuresConsumer extends EventConsumer {
  protected readonly groupId = TASK_CLOSURES_GROUP_ID;
  protected readonly topics = [TASK_EVENTS_TOPIC];
  protected readonly consumerName = 'call-ingest task-closures';
  protected override readonly eventTypes = ['TaskResolved', 'TaskMarkedUnreachable'];
  private readonly logger: TaskClosuresLogger;

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(LOGGER) logger?: TaskClosuresLogger,
    @Optional() @Inject(CallerLines) private readonly lines?: CallerLines,
  ) {
    super(bus, ringbackEventRegistry());
    this.logger = logger ?? fallbackLogger;
  }

  /** An upcast TaskResolved or TaskMarkedUnreachable (the closing task events). */
  protected async handleEvent(event: EventEnvelope): Promise<void> {
    const reason = event.type === 'TaskResolved' ? 'resolved' : 'unreachable';
    const { taskId } = event.data as TaskResolvedV1 | TaskMarkedUnreachableV1;

    const opened = await this.taskOpenedOf(taskId);
    if (!opened) {
      this.logger.warn(
        { eventId: event.eventId, type: event.type, taskId },
        'closed task has no TaskOpened; caller line left as is',
      );
      return;
    }
    if (opened.callerPhone === PHI_REDACTED) {
      this.logger.warn(
        { eventId: event.eventId, type: event.type, taskId },
        "closed task's caller was erased; caller line left as is",
      );
      return;
    }
    // Without CallerLines (unit tests of this consumer) lines have their pre-pseudonym names.
    const streamId = this.lines
      ? await this.lines.lineOfTask(opened.locationId, opened.callerPhone, taskId)
      : legacyCallerLineStreamId(opened.locationId, opened.callerPhone);
    try {
      await handleCommand({
        store: this.store,
        registry: this.registry,
        decider: callerLineDecider,
        streamId,
        command: {
          type: 'CloseLineTask',
          locationId: opened.locationId,
          taskId,
          reason,
          stamp: {
            eventId: deterministicUuidV7(Date.parse(event.occurredAt), TASK_CLOSURES_GROUP_ID, event.eventId),
            streamId,
            occurredAt: event.occurredAt,
            recordedAt: toIso(this.clock.now()),
            correlationId: event.correlationId,
            causationId: event.eventId,
            traceparent: event.traceparent,
          },
        },
      });
    } catch (error) {
      // The line never had this task (e.g. it was opened elsewhere): redelivery will not change that.
      if (!(error instanceof DomainError)) throw error;
      this.logger.warn(
        { eventId: event.eventId, type: event.type, taskId, code: error.code },
        'caller line refused the task closure',
      );
    }
  }

  private async taskOpenedOf(taskId: string): Promise<TaskOpenedV1 | null> {
    const recorded = await this.store.readStream(streamIdOf('task', taskId));
    const opened = recorded.find((r) => r.envelope.type === 'TaskOpened')?.envelope;
    return opened ? (this.registry.upcast(opened).data as TaskOpenedV1) : null;
  }
}
