/** Orders two entries by value, then by id; negative, 0 or positive as for `Array.prototype.sort`. */
export type PairOrder = (valueA: unknown, idA: string, valueB: unknown, idB: string) => number;

interface Chunk {
  values: unknown[];
  ids: string[];
}

/** Entries a chunk holds before it is split in two. */
const MAX_CHUNK = 1_024;

/**
 * `(value, id)` entries in ascending order, held in chunks of at most MAX_CHUNK entries, each chunk
 * two parallel arrays. One sorted array pair moved every entry after the place of an insert or a
 * removal: the SLA timers' index, where fired timers leave from the front, cost about a millisecond
 * per change at a hundred thousand pending timers, and more as the backlog grew. A chunk moves at
 * most MAX_CHUNK. Parallel arrays, not `{ value, id }` objects or a tree of nodes, so that the
 * collector has a chunk's two arrays to mark rather than an object per entry.
 */
export class SortedPairs {
  private readonly chunks: Chunk[] = [];
  private count = 0;

  constructor(private readonly order: PairOrder) {}

  /** From entries already in ascending order (`values[i]` belongs to `ids[i]`). */
  static fromSorted(order: PairOrder, values: readonly unknown[], ids: readonly string[]): SortedPairs {
    const pairs = new SortedPairs(order);
    for (let at = 0; at < ids.length; at += MAX_CHUNK / 2)
      pairs.chunks.push({
        values: values.slice(at, at + MAX_CHUNK / 2),
        ids: ids.slice(at, at + MAX_CHUNK / 2),
      });
    pairs.count = ids.length;
    return pairs;
  }

  get size(): number {
    return this.count;
  }

  insert(value: unknown, id: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push({ values: [value], ids: [id] });
      this.count = 1;
      return;
    }
    // After the last entry of every chunk: the last chunk takes it.
    const c = Math.min(this.chunkFor(value, id), this.chunks.length - 1);
    const chunk = this.chunks[c]!;
    const at = this.placeIn(chunk, value, id);
    chunk.values.splice(at, 0, value);
    chunk.ids.splice(at, 0, id);
    this.count++;
    if (chunk.ids.length > MAX_CHUNK) {
      const half = chunk.ids.length >> 1;
      this.chunks.splice(c + 1, 0, { values: chunk.values.splice(half), ids: chunk.ids.splice(half) });
    }
  }

  /** Removes the entry; false when there was none. */
  remove(value: unknown, id: string): boolean {
    const c = this.chunkFor(value, id);
    const chunk = this.chunks[c];
    if (!chunk) return false;
    const at = this.placeIn(chunk, value, id);
    if (at >= chunk.ids.length || chunk.ids[at] !== id || this.order(chunk.values[at], id, value, id) !== 0)
      return false;
    chunk.values.splice(at, 1);
    chunk.ids.splice(at, 1);
    this.count--;
    if (chunk.ids.length === 0) this.chunks.splice(c, 1);
    return true;
  }

  /** Ids in ascending order of their entries. */
  *ids(): Generator<string> {
    for (const chunk of this.chunks) yield* chunk.ids;
  }

  /** The first chunk whose last entry is not before (value, id); chunks.length when there is none. */
  private chunkFor(value: unknown, id: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid]!;
      const last = chunk.ids.length - 1;
      if (this.order(chunk.values[last], chunk.ids[last]!, value, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first place in the chunk not before (value, id). */
  private placeIn(chunk: Chunk, value: unknown, id: string): number {
    let lo = 0;
    let hi = chunk.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.order(chunk.values[mid], chunk.ids[mid]!, value, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
