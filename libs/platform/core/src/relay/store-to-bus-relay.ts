import { categoryOf, topicForCategory, type RecordedEvent } from '@ringback/contracts';
import type { Bus } from '../ports/bus.port';
import type { CheckpointStore } from '../ports/checkpoint.port';
import type { EventStore, StoreSubscription } from '../ports/event-store.port';

export interface StoreToBusRelayOptions {
  store: EventStore;
  bus: Bus;
  checkpoints: CheckpointStore;
  /** Stable processor id; its checkpoint survives restarts. */
  processorId?: string;
  /** Only relay these categories (default: all). */
  categories?: string[];
  /** Save the checkpoint after this many events (it is also saved when caught up and on stop). */
  checkpointEvery?: number;
}

/**
 * Moves every stored event onto the bus: the event store is the only thing a command writes to,
 * and this relay (a transactional-outbox reader) publishes from it, so an event is never on the
 * bus without being stored, nor stored without reaching the bus. After a crash it resumes from its
 * checkpoint and may publish the tail again; consumers are idempotent by eventId.
 */
export class StoreToBusRelay {
  readonly processorId: string;
  /** The categories it publishes; undefined: every category. */
  readonly categories: readonly string[] | undefined;
  private subscription: StoreSubscription | undefined;
  private sinceSave = 0;
  private lastSaved: bigint | undefined;

  constructor(private readonly options: StoreToBusRelayOptions) {
    this.processorId = options.processorId ?? 'store-to-bus-relay';
    this.categories = options.categories ? [...options.categories] : undefined;
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    const from = await this.options.checkpoints.load(this.processorId);
    this.lastSaved = from ?? undefined;
    this.subscription = this.options.store.subscribe({
      subscriberId: this.processorId,
      ...(from !== null ? { fromPosition: from } : {}),
      ...(this.options.categories ? { categories: this.options.categories } : {}),
      handler: (event) => this.relay(event),
    });
  }

  /** Position of the last event published, or the checkpoint it resumed from. */
  get position(): bigint | undefined {
    return this.lastRelayed ?? this.lastSaved;
  }

  /** Resolves once everything stored at call time is published and the checkpoint saved. */
  async whenCaughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('relay not started');
    await this.subscription.whenCaughtUp();
    await this.saveCheckpoint();
  }

  async stop(): Promise<void> {
    const sub = this.subscription;
    this.subscription = undefined;
    if (!sub) return;
    await sub.stop();
    await this.saveCheckpoint(sub.lastPosition);
  }

  private lastRelayed: bigint | undefined;

  private async relay(event: RecordedEvent): Promise<void> {
    const env = event.envelope;
    const headers: Record<string, string> = {};
    if (env.traceparent) headers['traceparent'] = env.traceparent;
    await this.options.bus.publish(topicForCategory(categoryOf(env.streamId)), env.streamId, env, headers);
    this.lastRelayed = event.position;
    this.sinceSave += 1;
    if (this.sinceSave >= (this.options.checkpointEvery ?? 100)) await this.saveCheckpoint();
  }

  private async saveCheckpoint(position: bigint | undefined = this.lastRelayed): Promise<void> {
    if (position === undefined || position === this.lastSaved) return;
    // What the checkpoint says was published must be on the bus after a power loss too.
    await this.options.bus.sync();
    await this.options.checkpoints.save(this.processorId, position);
    this.lastSaved = position;
    this.sinceSave = 0;
  }
}
