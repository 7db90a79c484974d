import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamSubscription,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import type { EventEnvelope, RecordedEvent } from '@ringback/contracts';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type StoreSubscription,
  type SubscriptionOptions,
} from '@ringback/platform-core';
import {
  allFilter,
  classifyAppend,
  decodePosition,
  encodePosition,
  fromKurrentEvent,
  scanHorizon,
  toActualRevision,
  toEventData,
  toStreamState,
} from './kurrentdb-mapping';

export interface SubscriptionFailure {
  subscriberId: string;
  /** The event whose handler threw; absent when the $all subscription itself failed. */
  event?: RecordedEvent;
  /** 1 for the first failure in a row, then 2, 3… */
  attempt: number;
  retryInMs: number;
}

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb://localhost:2113?tls=false`; or hand in a client (not disposed by close()). */
  connectionString?: string;
  client?: KurrentDBClient;
  /** Backoff between attempts when a handler throws or the subscription drops (50 ms doubling to 5 s). */
  retry?: { initialBackoffMs?: number; maxBackoffMs?: number };
  onSubscriptionError?: (error: unknown, failure: SubscriptionFailure) => void;
  /**
   * Allowed clock skew between the clients minting event ids and the server, for the idempotency
   * look-up (default 10 min); see appendToStream.
   */
  clockSkewMs?: number;
}

/**
 * EventStore on KurrentDB. Events are JSON events (id = eventId, data = payload, metadata = the rest
 * of the envelope); positions are $all commit positions (see kurrentdb-mapping.ts for why that is
 * lossless and how resuming works). Categories are stream-name prefixes on $all.
 *
 * Idempotency follows the port, checked on the client side: before writing, the stream is read
 * backwards until the batch's ids are found or events older than the oldest id (UUIDv7 time, minus
 * clockSkewMs, by the server's `created` time) are reached; only those recent events can hold them.
 * Ids that are not UUIDv7 make it scan the whole stream. If KurrentDB then reports a wrong expected
 * version, the look-up runs again, since a concurrent twin of the same append may have just won.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly ownsClient: boolean;
  private readonly subscriptions = new Set<KurrentSubscription>();
  private closed = false;

  constructor(private readonly options: KurrentDbEventStoreOptions) {
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else if (options.connectionString) {
      this.client = KurrentDBClient.connectionString(options.connectionString);
      this.ownsClient = true;
    } else {
      throw new Error('KurrentDbEventStore needs a connectionString or a client');
    }
  }

  async appendToStream(
    streamId: string,
    events: readonly EventEnvelope[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    assertBatch(streamId, events);
    const expected = options.expectedRevision;
    if (events.length === 0) return this.checkOnly(streamId, expected);

    const eventIds = events.map((e) => e.eventId);
    const before = classifyAppend(streamId, eventIds, await this.findStored(streamId, eventIds));
    if (before.kind === 'retry') return before.result;

    let appended;
    try {
      appended = await this.client.appendToStream(streamId, events.map(toEventData), {
        streamState: toStreamState(expected),
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      appended = {
        success: false,
        nextExpectedRevision: error.actualState === NO_STREAM ? -1n : error.actualState,
      };
    }
    // a client built with throwOnAppendFailure=false reports the conflict instead of throwing
    if (!appended.success) {
      const after = classifyAppend(streamId, eventIds, await this.findStored(streamId, eventIds));
      if (after.kind === 'retry') return after.result;
      throw new WrongExpectedRevisionError(
        streamId,
        expected,
        toActualRevision(appended.nextExpectedRevision),
      );
    }

    const nextExpectedRevision = Number(appended.nextExpectedRevision);
    // for a single event the append's position is that event's; for a batch, read the last one back
    if (events.length === 1 && appended.position) {
      return { nextExpectedRevision, position: encodePosition(appended.position) };
    }
    const [last] = await this.readStream(streamId, { fromRevision: nextExpectedRevision, maxCount: 1 });
    if (!last) throw new Error(`stream ${streamId}: appended revision ${nextExpectedRevision} not readable`);
    return { nextExpectedRevision, position: last.position };
  }

  async readStream(
    streamId: string,
    options: { fromRevision?: number; maxCount?: number } = {},
  ): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: FORWARDS,
        fromRevision: BigInt(Math.max(0, options.fromRevision ?? 0)),
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      })) {
        const event = fromKurrentEvent(resolved.event);
        if (event) out.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (max <= 0) return [];
    const from = options.fromPosition ?? 0n;
    const out: RecordedEvent[] = [];
    for await (const resolved of this.client.readAll({
      direction: FORWARDS,
      fromPosition: startOf(from),
      filter: allFilter(options.categories),
      // one more than asked: the server may include the start position itself
      ...(Number.isFinite(max) ? { maxCount: max + 1 } : {}),
    })) {
      const event = fromKurrentEvent(resolved.event);
      if (!event || event.position <= from) continue;
      out.push(event);
      if (out.length >= max) break;
    }
    return out;
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return this.headOf(undefined);
  }

  subscribe(options: SubscriptionOptions): StoreSubscription {
    this.assertOpen();
    const subscription = new KurrentSubscription(this.client, options, {
      head: (categories) => this.headOf(categories),
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
    if (this.ownsClient) await this.client.dispose();
  }

  /** Newest Ringback event (of `categories`), read backwards from the end of $all; 0n when none. */
  private async headOf(categories: string[] | undefined): Promise<bigint> {
    for await (const resolved of this.client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      filter: allFilter(categories),
    })) {
      const event = fromKurrentEvent(resolved.event);
      if (event) return event.position;
    }
    return 0n;
  }

  private async checkOnly(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    let last: RecordedEvent | undefined;
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      })) {
        last = fromKurrentEvent(resolved.event);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    const actual = last ? last.streamRevision : 'no_stream';
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      expected === actual;
    if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
    return last
      ? { nextExpectedRevision: last.streamRevision, position: last.position }
      : { nextExpectedRevision: -1, position: 0n };
  }

  /** The batch's ids as stored in the stream, scanning back only as far as they could be. */
  private async findStored(
    streamId: string,
    eventIds: readonly string[],
  ): Promise<Map<string, RecordedEvent>> {
    const wanted = new Set(eventIds);
    const found = new Map<string, RecordedEvent>();
    const horizon = scanHorizon(eventIds, this.options.clockSkewMs ?? 10 * 60_000);
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
      })) {
        const raw = resolved.event;
        if (!raw) continue;
        if (wanted.has(raw.id)) {
          const event = fromKurrentEvent(raw);
          if (event) found.set(raw.id, event);
          if (found.size === wanted.size) break;
        }
        const created = raw.created.getTime();
        // a sane server timestamp older than every id: nothing earlier can hold them
        if (horizon !== undefined && created > 946_684_800_000 && created < horizon) break;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return found;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('KurrentDB event store is closed');
  }
}

const startOf = (from: bigint): ReadPosition => (from > 0n ? decodePosition(from) : START);

function assertBatch(streamId: string, events: readonly EventEnvelope[]): void {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.streamId !== streamId)
      throw new Error(`event ${e.eventId} belongs to ${e.streamId}, not ${streamId}`);
    if (ids.has(e.eventId)) throw new Error(`event id ${e.eventId} appears twice in one append`);
    ids.add(e.eventId);
  }
}

function warnSubscriptionFailure(error: unknown, f: SubscriptionFailure): void {
  const where = f.event
    ? `handler failed on event ${f.event.envelope.eventId} at position ${f.event.position}`
    : '$all subscription failed';
  console.warn(
    `subscriber ${f.subscriberId}: ${where} (attempt ${f.attempt}), retrying in ${f.retryInMs} ms: ` +
      (error instanceof Error ? error.message : String(error)),
  );
}

interface SubscriptionRuntime {
  head(categories: string[] | undefined): Promise<bigint>;
  initialBackoffMs: number;
  maxBackoffMs: number;
  onSubscriptionError: (error: unknown, failure: SubscriptionFailure) => void;
  onStopped: () => void;
}

/**
 * A filtered $all catch-up subscription. Iterating it with for-await gives natural backpressure: the
 * next event is pulled only after the handler settled. A throwing handler is retried on the same
 * event with capped exponential backoff, never skipped. If the subscription drops, it resubscribes
 * after the last handled position.
 */
class KurrentSubscription implements StoreSubscription {
  lastPosition: bigint | undefined;
  private cursor: bigint;
  private stopped = false;
  private current: AllStreamSubscription | undefined;
  private cancelSleep: (() => void) | undefined;
  private readonly waiters: { target: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly done: Promise<void>;

  constructor(
    private readonly client: KurrentDBClient,
    private readonly options: SubscriptionOptions,
    private readonly runtime: SubscriptionRuntime,
  ) {
    this.cursor = options.fromPosition ?? 0n;
    this.done = this.run();
  }

  async whenCaughtUp(): Promise<void> {
    if (this.stopped) throw new Error(`subscription ${this.options.subscriberId} is stopped`);
    const target = await this.runtime.head(this.options.categories);
    if (this.cursor >= target) return;
    return new Promise((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      this.settleWaiters();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelSleep?.();
    await this.current?.unsubscribe().catch(() => undefined);
    await this.done;
    for (const w of this.waiters.splice(0))
      w.reject(new Error(`subscription ${this.options.subscriberId} stopped`));
    this.runtime.onStopped();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const subscription = this.client.subscribeToAll({
          fromPosition: startOf(this.cursor),
          filter: allFilter(this.options.categories),
        });
        this.current = subscription;
        if (this.stopped) {
          await subscription.unsubscribe();
          return;
        }
        for await (const resolved of subscription) {
          if (this.stopped) break;
          const event = fromKurrentEvent(resolved.event);
          if (!event || event.position <= this.cursor) continue;
          failures = 0;
          if (!(await this.deliver(event))) break;
          this.cursor = event.position;
          this.lastPosition = event.position;
          this.settleWaiters();
        }
        if (this.stopped) return;
        throw new Error('$all subscription ended');
      } catch (error) {
        if (this.stopped) return;
        failures++;
        const retryInMs = this.backoff(failures);
        this.runtime.onSubscriptionError(error, {
          subscriberId: this.options.subscriberId,
          attempt: failures,
          retryInMs,
        });
        await this.sleep(retryInMs);
      }
    }
  }

  private async deliver(event: RecordedEvent): Promise<boolean> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.options.handler(event);
        return true;
      } catch (error) {
        const retryInMs = this.backoff(attempt);
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

  private backoff(attempt: number): number {
    return Math.min(
      this.runtime.maxBackoffMs,
      this.runtime.initialBackoffMs * 2 ** Math.min(attempt - 1, 30),
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), ms);
      const finish = (): void => {
        clearTimeout(timer);
        this.cancelSleep = undefined;
        resolve();
      };
      this.cancelSleep = finish;
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
