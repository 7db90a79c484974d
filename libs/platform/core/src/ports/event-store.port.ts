import type { EventEnvelope, RecordedEvent } from '@ringback/contracts';

/**
 * Expected state of a stream for optimistic concurrency:
 * a revision number (0-based revision of its last event), or one of the named states.
 */
export type ExpectedRevision = number | 'any' | 'no_stream' | 'stream_exists';

export interface AppendResult {
  /** Revision of the last event now in the stream; pass it as the next expectedRevision. */
  nextExpectedRevision: number;
  /** Global position of the last event appended (or already present, for an idempotent retry). */
  position: bigint;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** Some but not all events of an append were already stored: a retry that does not match the original. */
export class PartialDuplicateAppendError extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId}: append mixes stored and new event ids`);
    this.name = 'PartialDuplicateAppendError';
  }
}

export interface ReadAllOptions {
  /** Exclusive: only events with position > fromPosition. Absent = from the start. */
  fromPosition?: bigint;
  maxCount?: number;
  /** Only streams of these categories (`task` for `task-…`). */
  categories?: string[];
}

export interface SubscriptionOptions extends Omit<ReadAllOptions, 'maxCount'> {
  /** Stable id of the subscriber, for logs and metrics. */
  subscriberId: string;
  /** Called once per event, in global order; the next event waits for it to settle. */
  handler: (event: RecordedEvent) => Promise<void>;
  /**
   * What the handler reads, so a decorating store can spare work: `types`, the only event types it
   * looks at (the others still arrive, for the cursor, but possibly as stored: PHI not decrypted);
   * `phiTypes`, the only types whose PHI fields it reads (the others' may arrive redacted).
   */
  reads?: { types?: readonly string[]; phiTypes?: readonly string[] };
}

export interface StoreSubscription {
  /** Resolves once every event stored when it was called has been handled. */
  whenCaughtUp(): Promise<void>;
  /** Stops delivery; resolves after the handler in flight has settled. */
  stop(): Promise<void>;
  /** Position of the last event handled, or undefined before the first. */
  readonly lastPosition: bigint | undefined;
}

/**
 * The event store port. Streams are named `<category>-<id>`; events are immutable.
 *
 * Append is idempotent by eventId: appending events whose ids are all already stored in that stream,
 * in that order, is a no-op that answers as the original append did; a mix of stored and new ids
 * throws PartialDuplicateAppendError. Otherwise `expectedRevision` is checked and a mismatch throws
 * WrongExpectedRevisionError with nothing written.
 */
export interface EventStore {
  appendToStream(
    streamId: string,
    events: readonly EventEnvelope[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;

  /** Events of one stream in revision order; empty if the stream does not exist. */
  readStream(
    streamId: string,
    options?: { fromRevision?: number; maxCount?: number },
  ): Promise<RecordedEvent[]>;

  /** Events of all streams in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /** Position of the newest event, or 0n when empty. */
  headPosition(): Promise<bigint>;

  /** Catch-up subscription: replays from `fromPosition`, then follows live appends. */
  subscribe(options: SubscriptionOptions): StoreSubscription;

  close(): Promise<void>;
}

export const EVENT_STORE = Symbol.for('ringback.EventStore');
