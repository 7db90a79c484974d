import { categoryOf, type EventEnvelope, type RecordedEvent } from '@ringback/contracts';
import {
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type StoreSubscription,
  type SubscriptionOptions,
} from '@ringback/platform-core';

export interface SubscriptionFailure {
  subscriberId: string;
  /** The event whose handler threw; absent when reading from the store failed. */
  event?: RecordedEvent;
  /** 1 for the first failure of this event, then 2, 3… */
  attempt: number;
  /** Delay before the next attempt. */
  retryInMs: number;
}

export interface InMemoryEventStoreOptions {
  /** Backoff between attempts when a subscription handler throws (defaults 50 ms doubling to 5 s). */
  retry?: { initialBackoffMs?: number; maxBackoffMs?: number };
  /** Called on every handler failure before the retry; defaults to console.warn. */
  onSubscriptionError?: (error: unknown, failure: SubscriptionFailure) => void;
}

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
  private readonly subscriptions = new Set<InMemorySubscription>();
  private closed = false;

  constructor(private readonly options: InMemoryEventStoreOptions = {}) {}

  async appendToStream(
    streamId: string,
    events: readonly EventEnvelope[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    assertBatch(streamId, events);
    const stream = this.streams.get(streamId) ?? [];

    const stored = events.map((e) => this.byEventId.get(e.eventId));
    const storedCount = stored.filter((s) => s !== undefined).length;
    if (storedCount > 0) {
      const isRetry =
        storedCount === events.length &&
        stored.every(
          (s, i) =>
            s !== undefined &&
            s.streamId === streamId &&
            (i === 0 || s.streamRevision === stored[i - 1]!.streamRevision + 1),
        );
      if (!isRetry) throw new PartialDuplicateAppendError(streamId);
      const last = stored[stored.length - 1]!;
      return { nextExpectedRevision: last.streamRevision, position: last.position };
    }

    const current = stream.length === 0 ? 'no_stream' : stream.length - 1;
    checkExpected(streamId, options.expectedRevision, current);
    if (events.length === 0) {
      const last = stream[stream.length - 1];
      return { nextExpectedRevision: last ? last.streamRevision : -1, position: last ? last.position : 0n };
    }

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
    for (const s of this.subscriptions) s.notify();
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
    const subscription = new InMemorySubscription(this, options, {
      initialBackoffMs: this.options.retry?.initialBackoffMs ?? 50,
      maxBackoffMs: this.options.retry?.maxBackoffMs ?? 5_000,
      onSubscriptionError: this.options.onSubscriptionError ?? warnSubscriptionFailure,
      onStopped: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  /** @internal used by subscriptions */
  readAllSync(options: ReadAllOptions): RecordedEvent[] {
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

  /** @internal used by subscriptions */
  headPositionSync(categories: string[] | undefined): bigint {
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

function assertBatch(streamId: string, events: readonly EventEnvelope[]): void {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.streamId !== streamId)
      throw new Error(`event ${e.eventId} belongs to ${e.streamId}, not ${streamId}`);
    if (ids.has(e.eventId)) throw new Error(`event id ${e.eventId} appears twice in one append`);
    ids.add(e.eventId);
  }
}

function checkExpected(streamId: string, expected: ExpectedRevision, actual: number | 'no_stream'): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === 'no_stream') ||
    (expected === 'stream_exists' && actual !== 'no_stream') ||
    expected === actual;
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
}

function warnSubscriptionFailure(error: unknown, f: SubscriptionFailure): void {
  const where = f.event
    ? `handler failed on event ${f.event.envelope.eventId} at position ${f.event.position}`
    : 'read failed';
  console.warn(
    `subscriber ${f.subscriberId}: ${where} (attempt ${f.attempt}), retrying in ${f.retryInMs} ms: ` +
      (error instanceof Error ? error.message : String(error)),
  );
}

interface SubscriptionRuntime {
  initialBackoffMs: number;
  maxBackoffMs: number;
  onSubscriptionError: (error: unknown, failure: SubscriptionFailure) => void;
  onStopped: () => void;
}

const BATCH = 256;

/**
 * One reader loop per subscription: read a batch after the cursor, hand events to the handler one at
 * a time, sleep until an append wakes it. A failing handler is retried with capped exponential
 * backoff on the same event until it succeeds or the subscription stops; the event is never skipped.
 */
class InMemorySubscription implements StoreSubscription {
  lastPosition: bigint | undefined;
  private cursor: bigint;
  private stopped = false;
  private dirty = true;
  private wake: (() => void) | undefined;
  private readonly waiters: { target: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly done: Promise<void>;

  constructor(
    private readonly store: InMemoryEventStore,
    private readonly options: SubscriptionOptions,
    private readonly runtime: SubscriptionRuntime,
  ) {
    this.cursor = options.fromPosition ?? 0n;
    this.done = this.run();
  }

  notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  whenCaughtUp(): Promise<void> {
    if (this.stopped)
      return Promise.reject(new Error(`subscription ${this.options.subscriberId} is stopped`));
    const target = this.store.headPositionSync(this.options.categories);
    if (this.cursor >= target) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.done;
    for (const w of this.waiters.splice(0))
      w.reject(new Error(`subscription ${this.options.subscriberId} stopped`));
    this.runtime.onStopped();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.dirty = false;
      const batch = this.store.readAllSync({
        fromPosition: this.cursor,
        maxCount: BATCH,
        ...(this.options.categories ? { categories: this.options.categories } : {}),
      });
      for (const event of batch) {
        if (!(await this.deliver(event))) return;
        this.cursor = event.position;
        this.lastPosition = event.position;
        this.settleWaiters();
      }
      if (batch.length === 0 && !this.dirty) await this.sleep(undefined);
    }
  }

  private async deliver(event: RecordedEvent): Promise<boolean> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.options.handler(event);
        return true;
      } catch (error) {
        const retryInMs = Math.min(
          this.runtime.maxBackoffMs,
          this.runtime.initialBackoffMs * 2 ** (attempt - 1),
        );
        this.runtime.onSubscriptionError(error, {
          subscriberId: this.options.subscriberId,
          event,
          attempt,
          retryInMs,
        });
        await this.sleep(retryInMs);
      }
    }
    return false;
  }

  /** Sleeps until woken (by an append or stop), or for `ms` when given; backoff sleeps ignore appends. */
  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(finish, ms);
      function finish(): void {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (ms === undefined || this.stopped) {
          this.wake = undefined;
          finish();
        }
      };
    });
  }

  private settleWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.target <= this.cursor) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}
