/**
 * Where recently used streams are known to end: for each, a revision at and after which the stream
 * has no event. A read from there on is answered from memory. In the soak, 97 % of the reads of a
 * stream found nothing, most of them readers asking whether a stream they follow (a location's
 * configuration, the triage policy) has grown, each an index probe of the file.
 *
 * A bound is only ever too high, never too low, as long as the owner reports every append of its
 * own and calls `forget()` when another connection may have written: a bound learned from a read is
 * true when read, an append's moves it up to the append's end, and an append rolled back after that
 * only leaves it higher than the stream's end, which costs a read of the file and nothing else.
 */
export class StreamEnds {
  /** Stream id -> no event at this revision or after. Insertion order is recency of use. */
  private readonly ends = new Map<string, number>();

  /** `capacity`: streams known at most; the least recently used goes first. */
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be a positive integer');
  }

  /** How many streams are known. */
  get size(): number {
    return this.ends.size;
  }

  /** A revision at and after which the stream has no event; undefined when unknown. */
  endOf(streamId: string): number | undefined {
    const end = this.ends.get(streamId);
    if (end !== undefined) this.touch(streamId, end);
    return end;
  }

  /** A read found no event of the stream at `end` or after (it read to the end of the stream). */
  readTo(streamId: string, end: number): void {
    const known = this.ends.get(streamId);
    // Both bounds hold right now (reads are synchronous): the lower one says more.
    this.touch(streamId, known === undefined ? end : Math.min(known, end));
  }

  /** This connection appended the stream's events up to revision `last`. */
  appended(streamId: string, last: number): void {
    // An older bound may be below the new events: this one replaces it.
    this.touch(streamId, last + 1);
  }

  /** Knows nothing (another connection wrote). */
  forget(): void {
    this.ends.clear();
  }

  private touch(streamId: string, end: number): void {
    this.ends.delete(streamId);
    this.ends.set(streamId, end);
    if (this.ends.size > this.capacity) this.ends.delete(this.ends.keys().next().value!);
  }
}
