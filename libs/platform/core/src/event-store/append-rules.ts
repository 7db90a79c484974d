import type { EventEnvelope } from '@ringback/contracts';
import {
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
  type AppendResult,
  type ExpectedRevision,
} from '../ports/event-store.port';

/** Where one event is stored: what the append rules need to know of it. */
export interface StoredEventRef {
  streamId: string;
  streamRevision: number;
  position: bigint;
}

/** How an append relates to what the store already holds of its event ids. */
export type AppendClassification = { kind: 'new' } | { kind: 'retry'; result: AppendResult };

/** Rejects a batch holding an event of another stream, or the same event id twice. */
export function assertAppendBatch(streamId: string, events: readonly EventEnvelope[]): void {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.streamId !== streamId)
      throw new Error(`event ${e.eventId} belongs to ${e.streamId}, not ${streamId}`);
    if (ids.has(e.eventId)) throw new Error(`event id ${e.eventId} appears twice in one append`);
    ids.add(e.eventId);
  }
}

/**
 * Throws WrongExpectedRevisionError unless the stream's `actual` state (revision of its last event,
 * or 'no_stream') satisfies `expected`.
 */
export function checkExpectedRevision(
  streamId: string,
  expected: ExpectedRevision,
  actual: number | 'no_stream',
): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === 'no_stream') ||
    (expected === 'stream_exists' && actual !== 'no_stream') ||
    expected === actual;
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
}

/**
 * The port's idempotency rule, given where each event of an append is already stored (undefined for
 * an id the store does not hold), in batch order: none stored -> a new append; all of them, in this
 * stream, at consecutive revisions in that order -> a retry answered as the original; anything else
 * -> PartialDuplicateAppendError.
 */
export function classifyIdempotentAppend(
  streamId: string,
  stored: readonly (StoredEventRef | undefined)[],
): AppendClassification {
  const count = stored.filter((s) => s !== undefined).length;
  if (count === 0) return { kind: 'new' };
  const isRetry =
    count === stored.length &&
    stored.every(
      (s, i) =>
        s !== undefined &&
        s.streamId === streamId &&
        (i === 0 || s.streamRevision === stored[i - 1]!.streamRevision + 1),
    );
  if (!isRetry) throw new PartialDuplicateAppendError(streamId);
  return { kind: 'retry', result: streamHeadResult(stored[stored.length - 1]) };
}

/** The answer for an append that ends at `last` (a stream's newest event); -1 and 0n for no event. */
export const streamHeadResult = (
  last: Pick<StoredEventRef, 'streamRevision' | 'position'> | undefined,
): AppendResult =>
  last
    ? { nextExpectedRevision: last.streamRevision, position: last.position }
    : { nextExpectedRevision: -1, position: 0n };
