import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import {
  COORDINATOR_CATEGORY,
  LOCATION_CATEGORY,
  LOCATION_CONFIGURED,
  TASK_VIEW_CATEGORY,
  TASK_VIEW_CHANGED,
  ringbackEventRegistry,
  topicForCategory,
  type EventEnvelope,
  type LocationConfigured,
  type TaskViewChangedV1,
  type TaskViewMessage,
} from '@ringback/contracts';
import type { CoordinatorPresence, LocationPlace, QueueTask } from '@ringback/gateway-domain';
import { RINGBACK_CONFIG } from '@ringback/nest-platform';
import { BUS, EventConsumer, compactPosition, type Bus } from '@ringback/platform-core';

export interface TaskChange {
  after: TaskViewMessage;
  /** When the task event behind this view was recorded (epoch ms): delta latency starts here. */
  sourceRecordedAtMs: number;
}
export type TaskChangeListener = (change: TaskChange) => void;

const CLOSED: readonly TaskViewMessage['status'][] = ['resolved', 'unreachable'];
/** Longer than the wallboard's 24-hour window, so its figures never lose a task they count. */
const KEEP_CLOSED_MS = 36 * 60 * 60_000;
/** How many views may be held before closed old ones are swept. */
const PRUNE_AT = 20_000;
/** Event time between two sweeps while more than PRUNE_AT views are held. */
const PRUNE_EVERY_MS = 10 * 60_000;
/** Most distinct location, region and pod ids shared between held tasks (a health system has far fewer). */
const SHARED_IDS = 10_000;

/** A task as the live state holds it: what the queue rules read, and its whole view on demand. */
export interface LiveTask extends QueueTask {
  /** The task view as it came (a fresh copy each call). */
  view(): TaskViewMessage;
}

/**
 * One held task: the fields the queue rules read, and the view as JSON text, parsed only when a
 * snapshot shows it. A view as objects is some seventeen objects (its nested objects, arrays and
 * strings), this about six, and each major garbage collection marks every one of them: with a backlog
 * of 74,000 open tasks in the soak, the views were 40 % of the objects the heap grew by.
 */
class HeldTask implements LiveTask {
  readonly taskId: string;
  readonly locationId: string;
  readonly regionId: string;
  readonly podId: string;
  readonly status: TaskViewMessage['status'];
  readonly tier: TaskViewMessage['tier'];
  readonly sla: QueueTask['sla'];
  private readonly json: string;

  constructor(
    view: TaskViewMessage,
    /** As {@link compactPosition} holds it. */
    readonly position: number | bigint,
    shared: (id: string) => string,
  ) {
    this.taskId = view.taskId;
    this.locationId = shared(view.locationId);
    this.regionId = shared(view.regionId);
    this.podId = shared(view.podId);
    this.status = view.status;
    this.tier = view.tier;
    this.sla = { status: view.sla.status, startedAt: view.sla.startedAt, dueAt: view.sla.dueAt };
    this.json = JSON.stringify(view);
  }

  view(): TaskViewMessage {
    return JSON.parse(this.json) as TaskViewMessage;
  }
}

/**
 * The live state every gateway replica keeps for itself: the latest view of each task from the
 * projection-update stream (`ringback.task_view.events`) and where each location sits (from
 * `ringback.location.events`). Each process reads both topics from the beginning in a consumer
 * group of its own, so replicas need no sticky sessions and no shared state; a view older than the
 * one held (a redelivery, or a second triage replica publishing the same change) is ignored.
 */
@Injectable()
export class LiveQueueState extends EventConsumer {
  protected readonly groupId: string;
  protected readonly topics = [
    topicForCategory(TASK_VIEW_CATEGORY),
    topicForCategory(LOCATION_CATEGORY),
    topicForCategory(COORDINATOR_CATEGORY),
  ];
  protected readonly consumerName = 'gateway live-queues';
  protected override readonly eventTypes = [
    TASK_VIEW_CHANGED,
    LOCATION_CONFIGURED,
    'CoordinatorProfileSet',
    'CoordinatorPresenceChanged',
  ];
  private readonly views = new Map<string, HeldTask>();
  /** One string per location, region and pod id, for all the tasks held. */
  private readonly ids = new Map<string, string>();
  private readonly shared = (id: string): string => {
    const held = this.ids.get(id);
    if (held !== undefined) return held;
    if (this.ids.size < SHARED_IDS) this.ids.set(id, id);
    return id;
  };
  private readonly places = new Map<string, LocationPlace>();
  private readonly listeners = new Set<TaskChangeListener>();
  private readonly people = new Map<string, CoordinatorPresence>();
  private readonly presenceListeners = new Set<(c: CoordinatorPresence) => void>();
  /**
   * A sweep reads every view, so it runs only when the count has doubled since the last one or
   * PRUNE_EVERY_MS of event time has passed: a large backlog of open tasks (which no sweep can drop)
   * would otherwise make every event cost a full scan.
   */
  private nextPrune = { size: PRUNE_AT, atMs: Number.NEGATIVE_INFINITY };

  constructor(@Inject(BUS) bus: Bus, @Optional() @Inject(RINGBACK_CONFIG) config?: RingbackConfig) {
    super(bus, ringbackEventRegistry());
    this.groupId = `gateway.live-queues.${config?.serviceName ?? 'gateway'}.${randomUUID()}`;
  }

  onChange(listener: TaskChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every task held, as the queue rules read them; `view()` gives a task's whole view. */
  tasks(): LiveTask[] {
    return [...this.views.values()];
  }

  locations(): LocationPlace[] {
    return [...this.places.values()];
  }

  coordinators(): CoordinatorPresence[] {
    return [...this.people.values()];
  }

  onPresence(listener: (c: CoordinatorPresence) => void): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  /** Drops closed tasks whose clock started more than a day and a half before `nowMs`. */
  private prune(nowMs: number): void {
    for (const [taskId, task] of this.views)
      if (CLOSED.includes(task.status) && nowMs - Date.parse(task.sla.startedAt) > KEEP_CLOSED_MS)
        this.views.delete(taskId);
    this.nextPrune = { size: Math.max(PRUNE_AT, 2 * this.views.size), atMs: nowMs + PRUNE_EVERY_MS };
  }

  /** How many task views are held (open ones, and closed ones of the last day and a half). */
  get size(): number {
    return this.views.size;
  }

  /**
   * Forgets the task views held (they come back with the next change of each task). The soak test uses
   * it to tell the memory the live queues hold from the rest of the process's.
   */
  clearViews(): void {
    this.views.clear();
  }

  protected async handleEvent(event: EventEnvelope): Promise<void> {
    if (event.type === 'CoordinatorProfileSet' || event.type === 'CoordinatorPresenceChanged') {
      const d = event.data as {
        coordinatorId: string;
        podIds?: string[];
        presence?: CoordinatorPresence['presence'];
      };
      const held = this.people.get(d.coordinatorId) ?? {
        coordinatorId: d.coordinatorId,
        podIds: [],
        presence: 'offline',
      };
      const next: CoordinatorPresence = {
        coordinatorId: d.coordinatorId,
        podIds: d.podIds ?? held.podIds,
        presence: d.presence ?? held.presence,
      };
      this.people.set(d.coordinatorId, next);
      for (const listener of this.presenceListeners) listener(next);
      return;
    }
    if (event.type === LOCATION_CONFIGURED) {
      const d = (event as LocationConfigured).data;
      this.places.set(d.locationId, { locationId: d.locationId, regionId: d.regionId, podId: d.podId });
      return;
    }
    const d = event.data as TaskViewChangedV1;
    const position = BigInt(d.position);
    const held = this.views.get(d.taskId);
    if (held && held.position >= position) return;
    this.views.set(d.taskId, new HeldTask(d.view, compactPosition(position), this.shared));
    const change: TaskChange = {
      after: d.view,
      sourceRecordedAtMs: Date.parse(event.occurredAt),
    };
    for (const listener of this.listeners) listener(change);
    // Closed tasks stay for the last-24-hours figures, then go: memory follows the live work.
    if (
      CLOSED.includes(d.view.status) &&
      change.sourceRecordedAtMs - Date.parse(d.view.sla.startedAt) > KEEP_CLOSED_MS
    )
      this.views.delete(d.taskId);
    if (
      this.views.size > this.nextPrune.size ||
      (this.views.size > PRUNE_AT && change.sourceRecordedAtMs >= this.nextPrune.atMs)
    )
      this.prune(change.sourceRecordedAtMs);
  }
}
