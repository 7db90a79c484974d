import { isDeepStrictEqual } from 'node:util';
import {
  cloneDoc,
  compactPosition,
  type Checkpoint,
  type FindOptions,
  type PositionedDoc,
  type PositionedReadModelStore,
  type ReadModelDoc,
  type ReadModelOp,
} from '@ringback/platform-core';
import { SortedPairs } from './sorted-pairs';

/**
 * A stored document: its JSON text, or (for the rare document JSON cannot carry exactly: a Date, -0,
 * an undefined field) a private deep copy.
 *
 * Text, because the garbage collector does not look inside a string: a read model of a few hundred
 * thousand documents held as objects made every major collection mark all of them, on the main
 * thread of a 2-core machine, for longer as the read models grew (the soak's p99 grew with it). The
 * store copies documents in and out anyway, so a parse replaces a deep copy.
 */
type StoredDoc = string | ReadModelDoc;

/**
 * One collection: each id's document (null for a tombstone) and the position of the op that wrote it.
 *
 * Two maps, not one of `{ doc, position }` entries: a position is held as a number while it is a safe
 * integer, which below 2^30 is no heap object at all. A document then costs each major collection one
 * string to mark instead of a string, an entry object and a bigint (a third of the read models'
 * objects in a heap snapshot of the soak).
 */
class Collection {
  readonly docs = new Map<string, StoredDoc | null>();
  readonly positions = new Map<string, number | bigint>();
}

/**
 * The ids of the documents matching one scalar equality filter, in ascending order of one field (ties
 * by id): what `find` with that filter, that sort and a limit walks from the front.
 */
interface SortedIndex {
  filter: Record<string, unknown>;
  field: string;
  entries: SortedPairs;
}

/** Field names the durable stores use for their own bookkeeping; refused here too so both behave alike. */
const RESERVED_FIELDS = ['_id', '_position', '_deleted'];

/**
 * Read-model store held in process memory, for unit tests and the single-process dev mode.
 *
 * Every document carries the position of the op that last wrote it, outside the document itself (it
 * never shows in what `get`/`find` return; `getPositioned` exposes it). An op applies only when that
 * position is lower than the op's; a delete leaves a tombstone with its position, so a stale upsert
 * cannot bring the document back. Documents are copied in and out, never shared with callers.
 */
export class InMemoryReadModelStore implements PositionedReadModelStore {
  private readonly collections = new Map<string, Collection>();
  private readonly checkpoints = new Map<string, Checkpoint>();
  /**
   * Equality indexes, built on the first `find`/`count` by a top-level scalar field and kept up to
   * date by `applyBatch`: collection -> field -> value key -> ids. A lookup returns candidates that
   * `matches` still checks, so a key may be coarser than the equality it stands for.
   */
  private readonly indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  /**
   * Sorted indexes, built on the first ascending `find` with a limit and a filter of scalar equalities
   * (the SLA scheduler's earliest pending timers, each second) and kept up to date by `applyBatch`:
   * collection -> signature -> index. Such a find then reads `limit` entries, not every candidate.
   */
  private readonly sortedIndexes = new Map<string, Map<string, SortedIndex>>();
  private closed = false;

  async get<T extends ReadModelDoc>(collection: string, id: string): Promise<T | null> {
    this.assertOpen();
    const doc = this.collections.get(collection)?.docs.get(id);
    return doc ? (decode(doc) as T) : null;
  }

  async getMany<T extends ReadModelDoc>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    this.assertOpen();
    const docs = this.collections.get(collection)?.docs;
    const out = new Map<string, T>();
    for (const id of ids) {
      const doc = docs?.get(id);
      if (doc) out.set(id, decode(doc) as T);
    }
    return out;
  }

  async getPositioned<T extends ReadModelDoc>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, PositionedDoc<T>>> {
    this.assertOpen();
    const held = this.collections.get(collection);
    const out = new Map<string, PositionedDoc<T>>();
    for (const id of ids) {
      const position = held?.positions.get(id);
      if (position === undefined) continue;
      const doc = held!.docs.get(id);
      out.set(id, { doc: doc ? (decode(doc) as T) : null, position: BigInt(position) });
    }
    return out;
  }

  async find<T extends ReadModelDoc>(
    collection: string,
    filter: Record<string, unknown> = {},
    options: FindOptions = {},
  ): Promise<T[]> {
    this.assertOpen();
    const sort = options.sort;
    if (sort && sort.direction === 1 && options.limit && Object.values(filter).every(isIndexable)) {
      const docs = this.collections.get(collection)?.docs;
      const index = this.sortedIndexOf(collection, filter, sort.field);
      const out: T[] = [];
      for (const id of index.entries.ids()) {
        if (out.length >= options.limit) break;
        const doc = docs?.get(id);
        if (doc) out.push(decode(doc) as T);
      }
      return out;
    }
    // Candidates are fresh copies: matched, sorted and returned as they are.
    const docs = this.candidates(collection, filter).filter((d) => matches(d, filter));
    const order = (a: ReadModelDoc, b: ReadModelDoc) =>
      (sort ? sort.direction * compareValues(a[sort.field], b[sort.field]) : 0) || compareValues(a.id, b.id);
    // As in MongoDB, a limit of 0 means no limit. A small limit of many documents (the SLA scheduler's
    // 500 earliest of every pending timer, each second) keeps only the first ones instead of sorting all.
    return (options.limit ? smallest(docs, options.limit, order) : docs.sort(order)) as T[];
  }

  async count(collection: string, filter: Record<string, unknown> = {}): Promise<number> {
    this.assertOpen();
    const ids = this.indexedIds(collection, filter);
    // Every field an exact scalar equality: the indexes alone answer, nothing is parsed.
    if (ids && Object.values(filter).every((v) => indexKeyOf(v) !== undefined)) return ids.length;
    return this.candidates(collection, filter).filter((d) => matches(d, filter)).length;
  }

  async applyBatch(ops: readonly ReadModelOp[], checkpoint: Checkpoint): Promise<void> {
    this.assertOpen();
    ops.forEach(validateOp);
    for (const op of ops) {
      let held = this.collections.get(op.collection);
      if (!held) this.collections.set(op.collection, (held = new Collection()));
      const id = op.kind === 'upsert' ? op.doc.id : op.id;
      const position = held.positions.get(id);
      if (position !== undefined && position >= op.position) continue;
      if (this.indexes.has(op.collection) || this.sortedIndexes.has(op.collection)) {
        const current = held.docs.get(id);
        this.reindex(
          op.collection,
          id,
          current ? decode(current) : null,
          op.kind === 'upsert' ? op.doc : null,
        );
      }
      held.docs.set(id, op.kind === 'upsert' ? encode(op.doc) : null);
      held.positions.set(id, compactPosition(op.position));
    }
    this.checkpoints.set(checkpoint.processorId, { ...checkpoint });
  }

  async getCheckpoint(processorId: string): Promise<Checkpoint | null> {
    this.assertOpen();
    const checkpoint = this.checkpoints.get(processorId);
    return checkpoint ? { ...checkpoint } : null;
  }

  async reset(processorId: string, collections: readonly string[]): Promise<void> {
    this.assertOpen();
    this.checkpoints.delete(processorId);
    for (const c of collections) {
      this.collections.delete(c);
      this.indexes.delete(c);
      this.sortedIndexes.delete(c);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Live documents held, by collection: what this store keeps in process memory. */
  documentCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, { docs }] of this.collections) {
      let n = 0;
      for (const doc of docs.values()) if (doc) n += 1;
      out.set(name, n);
    }
    return out;
  }

  /**
   * Forgets every document, tombstone, index and checkpoint, as a fresh store. The soak test uses it
   * to tell the memory the read models hold from the rest of the process's.
   */
  clear(): void {
    this.collections.clear();
    this.indexes.clear();
    this.sortedIndexes.clear();
    this.checkpoints.clear();
  }

  /**
   * Copies of the documents that may match `filter`: those in every equality index of its scalar
   * fields when it has any (then they match those fields exactly), else every live document.
   */
  private candidates(collection: string, filter: Record<string, unknown>): ReadModelDoc[] {
    const ids = this.indexedIds(collection, filter);
    if (!ids) return this.live(collection);
    const docs = this.collections.get(collection)?.docs;
    const out: ReadModelDoc[] = [];
    for (const id of ids) {
      const doc = docs?.get(id);
      if (doc) out.push(decode(doc));
    }
    return out;
  }

  /** The ids in every equality index of the filter's scalar fields; undefined when it has none. */
  private indexedIds(collection: string, filter: Record<string, unknown>): string[] | undefined {
    const fields = Object.keys(filter).filter((f) => indexKeyOf(filter[f]) !== undefined);
    if (fields.length === 0) return undefined;
    const docs = this.collections.get(collection)?.docs;
    if (!docs) return [];
    const sets = fields
      .map((f) => this.indexOf(collection, f, docs).get(indexKeyOf(filter[f])!) ?? new Set<string>())
      .sort((a, b) => a.size - b.size);
    const [smallestSet, ...others] = sets;
    const out: string[] = [];
    for (const id of smallestSet!) if (others.every((set) => set.has(id))) out.push(id);
    return out;
  }

  private indexOf(
    collection: string,
    field: string,
    docs: Map<string, StoredDoc | null>,
  ): Map<string, Set<string>> {
    let byField = this.indexes.get(collection);
    if (!byField) this.indexes.set(collection, (byField = new Map()));
    let index = byField.get(field);
    if (!index) {
      byField.set(field, (index = new Map()));
      for (const [id, doc] of docs) if (doc) addToIndex(index, decode(doc)[field], id);
    }
    return index;
  }

  private sortedIndexOf(collection: string, filter: Record<string, unknown>, field: string): SortedIndex {
    const signature = JSON.stringify([field, Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : 1))]);
    let bySignature = this.sortedIndexes.get(collection);
    if (!bySignature) this.sortedIndexes.set(collection, (bySignature = new Map()));
    let index = bySignature.get(signature);
    if (!index) {
      const entries = this.candidates(collection, filter)
        .filter((d) => matches(d, filter))
        .map((d) => ({ value: d[field], id: d.id }))
        .sort((a, b) => comparePairs(a.value, a.id, b.value, b.id));
      index = {
        filter: { ...filter },
        field,
        entries: SortedPairs.fromSorted(
          comparePairs,
          entries.map((e) => e.value),
          entries.map((e) => e.id),
        ),
      };
      bySignature.set(signature, index);
    }
    return index;
  }

  private reindexSorted(
    collection: string,
    id: string,
    before: ReadModelDoc | null,
    after: ReadModelDoc | null,
  ): void {
    for (const index of this.sortedIndexes.get(collection)?.values() ?? []) {
      const was = before !== null && matches(before, index.filter);
      const is = after !== null && matches(after, index.filter);
      if (was && is && compareValues(before[index.field], after[index.field]) === 0) continue;
      if (was) index.entries.remove(before[index.field], id);
      if (is) index.entries.insert(cloneDoc(after[index.field]), id);
    }
  }

  private reindex(
    collection: string,
    id: string,
    before: ReadModelDoc | null,
    after: ReadModelDoc | null,
  ): void {
    this.reindexSorted(collection, id, before, after);
    const byField = this.indexes.get(collection);
    if (!byField) return;
    for (const [field, index] of byField) {
      if (before && after && Object.is(before[field], after[field])) continue;
      if (before) {
        const key = indexKeyOf(before[field]);
        const ids = key === undefined ? undefined : index.get(key);
        if (ids) {
          ids.delete(id);
          if (ids.size === 0) index.delete(key!);
        }
      }
      if (after) addToIndex(index, after[field], id);
    }
  }

  private live(collection: string): ReadModelDoc[] {
    const out: ReadModelDoc[] = [];
    for (const doc of this.collections.get(collection)?.docs.values() ?? []) if (doc) out.push(decode(doc));
    return out;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('in-memory read-model store is closed');
  }
}

function validateOp(op: ReadModelOp): void {
  if (typeof op.position !== 'bigint' || op.position < 0n)
    throw new Error(`op position must be a non-negative bigint`);
  if (op.kind === 'delete') {
    if (typeof op.id !== 'string' || op.id === '')
      throw new Error(`delete in ${op.collection} without an id`);
    return;
  }
  if (typeof op.doc.id !== 'string' || op.doc.id === '')
    throw new Error(`upsert in ${op.collection} without a string id`);
  for (const f of RESERVED_FIELDS) {
    if (f in op.doc) throw new Error(`document ${op.doc.id} in ${op.collection}: field ${f} is reserved`);
  }
}

const isIndexable = (value: unknown): boolean =>
  value === null || value === undefined || indexKeyOf(value) !== undefined;

const comparePairs = (valueA: unknown, idA: string, valueB: unknown, idB: string): number =>
  compareValues(valueA, valueB) || compareValues(idA, idB);

/**
 * The index key of a scalar value (strings, finite numbers, booleans); undefined for anything else.
 * Keys are exact: two values share a key only when Object.is holds, so -0 has its own.
 */
function indexKeyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number')
    return Number.isFinite(value) ? (Object.is(value, -0) ? 'n-0' : `n${value}`) : undefined;
  if (typeof value === 'boolean') return value ? 'b1' : 'b0';
  return undefined;
}

function addToIndex(index: Map<string, Set<string>>, value: unknown, id: string): void {
  const key = indexKeyOf(value);
  if (key === undefined) return;
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

/** Whether JSON text carries `value` exactly: plain objects and arrays of strings, booleans, null and finite numbers other than -0. */
function jsonExact(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(jsonExact);
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) if (!jsonExact((value as Record<string, unknown>)[key])) return false;
      return true;
    }
    default:
      return false;
  }
}

const encode = (doc: ReadModelDoc): StoredDoc => (jsonExact(doc) ? JSON.stringify(doc) : cloneDoc(doc));
const decode = (doc: StoredDoc): ReadModelDoc =>
  typeof doc === 'string' ? (JSON.parse(doc) as ReadModelDoc) : cloneDoc(doc);

/** Equality on top-level fields; null matches a missing field, as in MongoDB. */
function matches(doc: ReadModelDoc, filter: Record<string, unknown>): boolean {
  for (const [field, expected] of Object.entries(filter)) {
    const actual = doc[field];
    if (expected === null || expected === undefined) {
      if (actual !== null && actual !== undefined) return false;
    } else if (typeof expected !== 'object') {
      // Object.is is isDeepStrictEqual on primitives (NaN equals NaN, -0 is not 0), at a fraction of
      // the cost: the SLA scheduler checks every pending timer each second.
      if (!Object.is(actual, expected)) return false;
    } else if (!isDeepStrictEqual(actual, expected)) {
      return false;
    }
  }
  return true;
}

/**
 * The `k` smallest of `items` in order, by a max-heap of the `k` kept so far: O(n log k) instead of
 * a sort of all n. Equal to `items.sort(order).slice(0, k)` when `order` is total, as `find`'s is.
 */
export function smallest<T>(items: T[], k: number, order: (a: T, b: T) => number): T[] {
  if (k <= 0) return [];
  if (k >= items.length / 4) return items.sort(order).slice(0, k);
  const heap: T[] = [];
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (order(heap[i]!, heap[parent]!) <= 0) break;
        swap(i, parent);
        i = parent;
      }
    } else if (order(item, heap[0]!) < 0) {
      heap[0] = item;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let top = i;
        if (l < k && order(heap[l]!, heap[top]!) > 0) top = l;
        if (r < k && order(heap[r]!, heap[top]!) > 0) top = r;
        if (top === i) break;
        swap(i, top);
        i = top;
      }
    }
  }
  return heap.sort(order);
}

/** MongoDB's cross-type order, reduced to JSON values: missing/null < numbers < strings < objects < arrays < booleans. */
function typeRank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number' || typeof v === 'bigint') return 1;
  if (typeof v === 'string') return 2;
  if (Array.isArray(v)) return 4;
  if (typeof v === 'boolean') return 5;
  if (v instanceof Date) return 6;
  return 3;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 3 || ra === 4) {
    const ja = JSON.stringify(a);
    const jb = JSON.stringify(b);
    return ja < jb ? -1 : ja > jb ? 1 : 0;
  }
  const va = a instanceof Date ? a.getTime() : (a as number | string | boolean | bigint);
  const vb = b instanceof Date ? b.getTime() : (b as number | string | boolean | bigint);
  return va < vb ? -1 : va > vb ? 1 : 0;
}
