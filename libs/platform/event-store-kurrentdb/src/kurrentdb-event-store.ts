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
  CatchUpSubscription,
  LiveSubscriptions,
  WrongExpectedRevisionError,
  assertAppendBatch,
  checkExpectedRevision,
  streamHeadResult,
  subscriptionRetryDefaults,
  type AppendResult,
  type CatchUpRuntime,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type StoreSubscription,
  type SubscriptionOptions,
  type SubscriptionRetryOptions,
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

export type { SubscriptionFailure } from '@ringback/platform-core';

/** `retry` also paces resubscribing after the $all subscription drops. */
export interface KurrentDbEventStoreOptions extends SubscriptionRetryOptions {
  /** e.g. `kurrentdb://localhost:2113?tls=false`; or hand in a client (not disposed by close()). */
  connectionString?: string;
  client?: KurrentDBClient;
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
  private readonly subscriptions = new LiveSubscriptions<KurrentSubscription>();
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
    assertAppendBatch(streamId, events);
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
    return this.subscriptions.add(
      (onStopped) =>
        new KurrentSubscription(this.client, options, {
          head: (categories) => this.headOf(categories),
          ...subscriptionRetryDefaults(this.options, '$all subscription failed'),
          onStopped,
        }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscriptions.stopAll();
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
    checkExpectedRevision(streamId, expected, last ? last.streamRevision : 'no_stream');
    return streamHeadResult(last);
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

interface KurrentSubscriptionRuntime extends CatchUpRuntime {
  head(categories: string[] | undefined): Promise<bigint>;
}

/**
 * A filtered $all catch-up subscription. Iterating it with for-await gives natural backpressure: the
 * next event is pulled only after the handler settled (delivery and its retries: CatchUpSubscription).
 * If the subscription drops, it resubscribes after the last handled position.
 */
class KurrentSubscription extends CatchUpSubscription {
  private current: AllStreamSubscription | undefined;

  constructor(
    private readonly client: KurrentDBClient,
    options: SubscriptionOptions,
    private readonly kurrent: KurrentSubscriptionRuntime,
  ) {
    super(options, kurrent);
    this.start();
  }

  protected head(): Promise<bigint> {
    return this.kurrent.head(this.options.categories);
  }

  protected override async interrupt(): Promise<void> {
    await this.current?.unsubscribe().catch(() => undefined);
  }

  protected async run(): Promise<void> {
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
        }
        if (this.stopped) return;
        throw new Error('$all subscription ended');
      } catch (error) {
        if (this.stopped) return;
        failures++;
        await this.sleep(this.reportFailure(error, failures), false);
      }
    }
  }
}
