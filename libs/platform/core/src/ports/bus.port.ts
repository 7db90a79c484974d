import type { EventEnvelope } from '@ringback/contracts';

export interface BusMessage {
  topic: string;
  key: string;
  envelope: EventEnvelope;
  /** Transport headers; carries `traceparent` and friends. */
  headers: Record<string, string>;
  partition: number;
  offset: string;
  /** 1 on first delivery of this message to this group, then 2, 3… on retries. */
  attempt: number;
}

export interface RetryPolicy {
  /** Deliveries before the message goes to the dead-letter topic (default 5). */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
};

export interface ConsumeOptions {
  /** Consumer group: the stable processor id. Offsets are kept per group. */
  groupId: string;
  topics: string[];
  /** Resolve = done (offset committed after it); throw = retry with backoff, then dead-letter. */
  handler: (message: BusMessage) => Promise<void>;
  retry?: Partial<RetryPolicy>;
  /** Start from the earliest retained message when the group has no committed offset (default true). */
  fromBeginning?: boolean;
}

export interface BusConsumer {
  readonly groupId: string;
  /** Resolves once every message published to its topics before the call has been handled or dead-lettered. */
  whenCaughtUp(): Promise<void>;
  /** Messages published but not yet committed by this group, summed over partitions. */
  lag(): Promise<number>;
  /** Graceful: finishes the message in flight, commits, leaves the group. */
  stop(): Promise<void>;
}

/**
 * The message bus port. Delivery is at-least-once and ordered per key (one key = one partition);
 * handlers must be idempotent by `envelope.eventId`. A message whose handler keeps failing is
 * retried with exponential backoff and, after `maxAttempts`, published to `<topic>.dlq` with the
 * failure in its headers, and the group moves on.
 */
export interface Bus {
  publish(
    topic: string,
    key: string,
    envelope: EventEnvelope,
    headers?: Record<string, string>,
  ): Promise<void>;
  /**
   * Resolves once every message whose publish resolved is durable against a power loss too, not only
   * against a crash of the process. The store-to-bus relay calls it before it moves its checkpoint, so
   * a bus may acknowledge a publish before its fsync (the embedded log does; Kafka's acks=all is
   * already replicated, so there it resolves at once).
   */
  sync(): Promise<void>;
  consume(options: ConsumeOptions): Promise<BusConsumer>;
  /** Stops every consumer gracefully and flushes the producer. */
  close(): Promise<void>;
}

export const BUS = Symbol.for('ringback.Bus');
