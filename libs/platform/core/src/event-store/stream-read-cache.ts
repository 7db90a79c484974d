import type { RecordedEvent } from '@ringback/contracts';
import type { EventStore } from '../ports/event-store.port';

/**
 * What a consumer keeps of the streams it reads for reference data on every message (a location's
 * configuration, the triage policy): their events, mapped once (upcast, picked) and frozen. Each
 * read asks the store only for the revisions after the last one seen, one index probe when nothing
 * changed, instead of reading, decoding and upcasting the whole stream again. Streams are
 * append-only, so what is kept never goes stale; appends by other processes show on the next read.
 *
 * Never for streams with personal data: what is kept here would outlive an erasure.
 */
export class StreamReadCache<T> {
  private readonly streams = new Map<string, { next: number; items: T[] }>();

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly map: (recorded: RecordedEvent) => T,
    /** Streams kept at most; the least recently read goes first. */
    private readonly maxStreams = 1_024,
  ) {}

  /** Every event of the stream so far, mapped, in revision order. */
  async read(streamId: string): Promise<readonly T[]> {
    const from = this.streams.get(streamId)?.next ?? 0;
    const recorded = await this.store.readStream(streamId, { fromRevision: from });
    // Looked up again after the await: a concurrent read of the same stream may have added to it.
    let entry = this.streams.get(streamId);
    if (!entry) {
      // Evicted while reading (only with more than maxStreams streams in use): from the start again.
      if (from > 0) return this.read(streamId);
      entry = { next: 0, items: [] };
      this.streams.set(streamId, entry);
    }
    for (const r of recorded) {
      if (r.streamRevision !== entry.next) continue;
      entry.items.push(deepFreeze(this.map(r)));
      entry.next++;
    }
    // Most recently read last, so that the first key is the one to evict.
    this.streams.delete(streamId);
    this.streams.set(streamId, entry);
    if (this.streams.size > this.maxStreams) this.streams.delete(this.streams.keys().next().value!);
    return entry.items.slice();
  }
}

// Kept items are shared by every reader: a reader that changed one would change it for all.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
