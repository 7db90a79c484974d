import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  TASK_VIEW_CATEGORY,
  TASK_VIEW_CHANGED,
  ringbackEventRegistry,
  topicForCategory,
  type EventEnvelope,
  type TaskViewChangedV1,
} from '@ringback/contracts';
import { CLOCK, deterministicUuidV7, toIso, type Clock } from '@ringback/kernel';
import { LOGGER } from '@ringback/nest-platform';
import {
  BUS,
  PROJECTION_CHANGES,
  type Bus,
  type ProjectionChange,
  type ProjectionChanges,
} from '@ringback/platform-core';
import { TASKS_COLLECTION, tasksProjection, type TaskDoc } from './tasks.projection';
import { TasksReadModel } from './tasks.read-model';

export const TASK_VIEW_TOPIC = topicForCategory(TASK_VIEW_CATEGORY);

interface PublisherLogger {
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * The projection-update stream: each time the tasks read model writes a task, the task's contract
 * view goes to `ringback.task_view.events` (keyed by task, so its views stay ordered), for live
 * queues in any process. Publishing follows the write, in write order, one flush at a time; the
 * event id derives from the task and position, so two triage replicas publishing the same change
 * publish the same message.
 */
@Injectable()
export class TaskViewPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly registry = ringbackEventRegistry();
  private unsubscribe: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(TasksReadModel) private readonly tasks: TasksReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(PROJECTION_CHANGES) private readonly changes?: ProjectionChanges,
    @Optional() @Inject(LOGGER) private readonly logger?: PublisherLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe ??= this.changes?.subscribe((change) => {
      if (change.projectionId !== tasksProjection.id) return;
      this.chain = this.chain
        .then(() => this.publish(change))
        .catch((error: unknown) => {
          this.logger?.error({ err: error }, 'task views not published; they follow with the next change');
        });
    });
  }

  /** Resolves once every change seen so far is published. */
  async flushed(): Promise<void> {
    await this.chain;
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async publish(change: ProjectionChange): Promise<void> {
    const latest = new Map<string, { doc: TaskDoc; position: bigint }>();
    for (const op of change.ops)
      if (op.kind === 'upsert' && op.collection === TASKS_COLLECTION)
        latest.set(op.doc.id, { doc: op.doc as TaskDoc, position: op.position });
    for (const { doc, position } of latest.values()) {
      const data: TaskViewChangedV1 = {
        taskId: doc.taskId,
        position: position.toString(),
        view: await this.tasks.viewOf(doc),
      };
      const envelope: EventEnvelope = {
        eventId: deterministicUuidV7(Date.parse(doc.updatedAt), 'task-view', doc.taskId, data.position),
        type: TASK_VIEW_CHANGED,
        schemaVersion: 1,
        streamId: `${TASK_VIEW_CATEGORY}-${doc.taskId}`,
        occurredAt: doc.updatedAt,
        recordedAt: toIso(this.clock.now()),
        correlationId: `task-view:${doc.taskId}`,
        causationId: null,
        locationId: doc.locationId,
        traceparent: null,
        data,
      };
      this.registry.validate(envelope);
      await this.bus.publish(TASK_VIEW_TOPIC, envelope.streamId, envelope);
    }
  }
}
