import { categoryOf, type EventEnvelope, type RecordedEvent } from '@ringback/contracts';
import {
  LiveSubscriptions,
  PollingSubscription,
  assertAppendBatch,
  checkExpectedRevision,
  classifyIdempotentAppend,
  streamHeadResult,
  subscriptionRetryDefaults,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type StoreSubscription,
  type SubscriptionOptions,
  type SubscriptionRetryOptions,
  type SubscriptionSource,
} from '@ringback/platform-core';

export type { SubscriptionFailure } from '@ringback/platform-core';

/** Subscription retry settings; the in-memory store needs nothing else. */
export type InMemoryEventStoreOptions = SubscriptionRetryOptions;

/** Stored form: JSON text, so callers never share mutable objects with the store (as with a real one). */
interface StoredEvent {
  streamId: string;
  category: string;
  streamRevision: number;
  position: bigint;
  eventId: string;
  json: string;
}

/**
 * Event store held in process memory, for unit tests and the single-process dev mode. It follows the
 * port semantics exactly (idempotency, optimistic concurrency, catch-up subscriptions), so it passes
 * the same contract suite as the durable stores. Positions start at 1.
 */
export class InMemoryEventStore implements EventStore {
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly byEventId = new Map<string, StoredEvent>();
  private readonly subscriptions = new LiveSubscriptions<PollingSubscription>();
  private readonly source: SubscriptionSource = {
    read: (from, categories, maxCount) => this.readAllSync({ fromPosition: from, maxCount, categories }),
    head: (categories) => this.headPositionSync(categories),
  };
  private closed = false;

  constructor(private readonly options: InMemoryEventStoreOptions = {}) {}

  async appendToStream(
    streamId: string,
    events: readonly EventEnvelope[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    assertAppendBatch(streamId, events);
    const stream = this.streams.get(streamId) ?? [];

    const classified = classifyIdempotentAppend(
      streamId,
      events.map((e) => this.byEventId.get(e.eventId)),
    );
    if (classified.kind === 'retry') return classified.result;

    checkExpectedRevision(
      streamId,
      options.expectedRevision,
      stream.length === 0 ? 'no_stream' : stream.length - 1,
    );
    if (events.length === 0) return streamHeadResult(stream[stream.length - 1]);

    const category = categoryOf(streamId);
    let last: StoredEvent | undefined;
    for (const envelope of events) {
      last = {
        streamId,
        category,
        streamRevision: stream.length,
        position: BigInt(this.log.length + 1),
        eventId: envelope.eventId,
        json: JSON.stringify(envelope),
      };
      stream.push(last);
      this.log.push(last);
      this.byEventId.set(last.eventId, last);
    }
    this.streams.set(streamId, stream);
    for (const s of this.subscriptions) s.notify(category);
    return { nextExpectedRevision: last!.streamRevision, position: last!.position };
  }

  async readStream(
    streamId: string,
    options: { fromRevision?: number; maxCount?: number } = {},
  ): Promise<RecordedEvent[]> {
    this.assertOpen();
    const stream = this.streams.get(streamId) ?? [];
    const from = Math.max(0, options.fromRevision ?? 0);
    const to = options.maxCount === undefined ? stream.length : from + Math.max(0, options.maxCount);
    return stream.slice(from, to).map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readAllSync(options);
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return BigInt(this.log.length);
  }

  subscribe(options: SubscriptionOptions): StoreSubscription {
    this.assertOpen();
    return this.subscriptions.add(
      (onStopped) =>
        new PollingSubscription(this.source, options, {
          batchSize: BATCH,
          ...subscriptionRetryDefaults(this.options, 'read failed'),
          onStopped,
        }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscriptions.stopAll();
  }

  private readAllSync(options: ReadAllOptions): RecordedEvent[] {
    const from = options.fromPosition ?? 0n;
    const categories = options.categories ? new Set(options.categories) : undefined;
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    const out: RecordedEvent[] = [];
    // positions are 1-based indexes into the log
    for (let i = Number(from < 0n ? 0n : from); i < this.log.length && out.length < max; i++) {
      const e = this.log[i]!;
      if (!categories || categories.has(e.category)) out.push(toRecorded(e));
    }
    return out;
  }

  private headPositionSync(categories: string[] | undefined): bigint {
    if (!categories) return BigInt(this.log.length);
    const wanted = new Set(categories);
    for (let i = this.log.length - 1; i >= 0; i--)
      if (wanted.has(this.log[i]!.category)) return this.log[i]!.position;
    return 0n;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('in-memory event store is closed');
  }
}

const toRecorded = (e: StoredEvent): RecordedEvent => ({
  envelope: JSON.parse(e.json) as EventEnvelope,
  streamRevision: e.streamRevision,
  position: e.position,
});

const BATCH = 256;
