import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import {
  cloneDoc,
  type Checkpoint,
  type FindOptions,
  type PositionedDoc,
  type PositionedReadModelStore,
  type ReadModelDoc,
  type ReadModelOp,
} from '@ringback/platform-core';
import { SortedPairs } from './sorted-pairs';

/**
 * A stored document as SQLite holds it: its JSON text, or (for the rare document JSON cannot carry
 * exactly: a Date, -0, an undefined field) its structured-clone serialization; null for a tombstone.
 */
type StoredDoc = string | Uint8Array | null;

/**
 * The ids of the documents matching one scalar equality filter, in ascending order of one field (ties
 * by id): what `find` with that filter, that sort and a limit walks from the front.
 */
interface SortedIndex {
  filter: Record<string, unknown>;
  field: string;
  entries: SortedPairs;
}

/** Above this a position is stored as decimal text: SQLite's integers are signed 64-bit. */
const MAX_SQL_INTEGER = 2n ** 63n - 1n;

/**
 * The documents, in an in-memory SQLite database rather than on the JavaScript heap.
 *
 * The soak keeps every task of a 30-minute run (six documents a call, 5 KB) and V8's major
 * collections grew with them: held as strings (which it does not trace), they still filled the old
 * generation's pages, and each compacting collection moved them on the main thread of a 2-core
 * machine (pauses of 66-118 ms at 0.7-1.0 GB). SQLite's pages are outside the heap: no collection
 * sees them. The store copies documents in and out anyway, so a parse replaces a deep copy.
 */
class DocTable {
  private readonly db = new DatabaseSync(':memory:');
  private readonly selectDoc: StatementSync;
  private readonly selectRow: StatementSync;
  private readonly selectHead: StatementSync;
  private readonly selectLive: StatementSync;
  private readonly upsertRow: StatementSync;
  private readonly deleteCollection: StatementSync;
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;

  constructor() {
    // A rowid table and an index, not WITHOUT ROWID: that keeps at most ~1,000 bytes of a row in its
    // B-tree page and the rest in an overflow page of its own (the embedded bus's log measured 79 %
    // unused overflow pages). Columns without a type have no affinity: `position` holds an integer, or
    // decimal text beyond SQLite's, and `doc` text, a blob or null, each as bound.
    this.db.exec(`
      CREATE TABLE docs (coll INTEGER NOT NULL, id TEXT NOT NULL, position NOT NULL, doc);
      CREATE UNIQUE INDEX docs_key ON docs (coll, id);
    `);
    this.selectDoc = this.db.prepare('SELECT doc FROM docs WHERE coll = ? AND id = ?');
    this.selectRow = this.db.prepare('SELECT position, doc FROM docs WHERE coll = ? AND id = ?');
    this.selectRow.setReadBigInts(true);
    // What a write checks, without copying the document's text out of SQLite.
    this.selectHead = this.db.prepare(
      'SELECT position, doc IS NOT NULL AS live FROM docs WHERE coll = ? AND id = ?',
    );
    this.selectHead.setReadBigInts(true);
    this.selectLive = this.db.prepare('SELECT id, doc FROM docs WHERE coll = ? AND doc IS NOT NULL');
    this.upsertRow = this.db.prepare(
      `INSERT INTO docs (coll, id, position, doc) VALUES (?, ?, ?, ?)
       ON CONFLICT (coll, id) DO UPDATE SET position = excluded.position, doc = excluded.doc`,
    );
    this.deleteCollection = this.db.prepare('DELETE FROM docs WHERE coll = ?');
    this.begin = this.db.prepare('BEGIN');
    this.commit = this.db.prepare('COMMIT');
  }

  doc(coll: number, id: string): StoredDoc | undefined {
    const row = this.selectDoc.get(coll, id) as { doc: StoredDoc } | undefined;
    return row?.doc;
  }

  /** The document and the position of the op that wrote it; undefined when no op has. */
  row(coll: number, id: string): { position: bigint; doc: StoredDoc } | undefined {
    const row = this.selectRow.get(coll, id) as { position: bigint | string; doc: StoredDoc } | undefined;
    return row && { position: BigInt(row.position), doc: row.doc };
  }

  /** The position of the op that last wrote the document, and whether it is live (no tombstone). */
  head(coll: number, id: string): { position: bigint; live: boolean } | undefined {
    const row = this.selectHead.get(coll, id) as { position: bigint | string; live: bigint } | undefined;
    return row && { position: BigInt(row.position), live: row.live === 1n };
  }

  live(coll: number): IterableIterator<{ id: string; doc: string | Uint8Array }> {
    return this.selectLive.iterate(coll) as IterableIterator<{ id: string; doc: string | Uint8Array }>;
  }

  put(coll: number, id: string, position: bigint, doc: StoredDoc): void {
    this.upsertRow.run(coll, id, position > MAX_SQL_INTEGER ? position.toString() : position, doc);
  }

  /** Runs `work` in one transaction: a batch's rows are written once, not once a statement. */
  transaction(work: () => void): void {
    this.begin.run();
    try {
      work();
      this.commit.run();
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  drop(coll: number): void {
    this.deleteCollection.run(coll);
  }

  dropAll(): void {
    this.db.exec('DELETE FROM docs');
  }

  /** The bytes of the database's pages: the memory the documents take outside the heap. */
  bytes(): number {
    const pages = this.db.prepare('PRAGMA page_count').get() as { page_count: number };
    const size = this.db.prepare('PRAGMA page_size').get() as { page_size: number };
    return pages.page_count * size.page_size;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** Field names the durable stores use for their own bookkeeping; refused here too so both behave alike. */
const RESERVED_FIELDS = ['_id', '_position', '_deleted'];

/**
 * Read-model store held in process memory, for unit tests and the single-process dev mode: the
 * documents in an in-memory SQLite database ({@link DocTable}), the indexes on the JavaScript heap.
 *
 * Every document carries the position of the op that last wrote it, outside the document itself (it
 * never shows in what `get`/`find` return; `getPositioned` exposes it). An op applies only when that
 * position is lower than the op's; a delete leaves a tombstone with its position, so a stale upsert
 * cannot bring the document back. Documents are copied in and out, never shared with callers.
 */
export class InMemoryReadModelStore implements PositionedReadModelStore {
  private readonly table = new DocTable();
  /** Each collection's number in the table, given on its first write or read. */
  private readonly collections = new Map<string, number>();
  /**
   * Live documents by collection number, kept by every write: a count in SQL scans every row (the
   * soak asks each minute, and at 750,000 documents that scan held the event loop for 0.8 s).
   */
  private readonly liveCounts = new Map<number, number>();
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
    const doc = this.table.doc(this.coll(collection), id);
    return doc ? (decode(doc) as T) : null;
  }

  async getMany<T extends ReadModelDoc>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    this.assertOpen();
    const coll = this.coll(collection);
    const out = new Map<string, T>();
    for (const id of ids) {
      const doc = this.table.doc(coll, id);
      if (doc) out.set(id, decode(doc) as T);
    }
    return out;
  }

  async getPositioned<T extends ReadModelDoc>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, PositionedDoc<T>>> {
    this.assertOpen();
    const coll = this.coll(collection);
    const out = new Map<string, PositionedDoc<T>>();
    for (const id of ids) {
      const row = this.table.row(coll, id);
      if (row) out.set(id, { doc: row.doc ? (decode(row.doc) as T) : null, position: row.position });
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
      const coll = this.coll(collection);
      const index = this.sortedIndexOf(collection, filter, sort.field);
      const out: T[] = [];
      for (const id of index.entries.ids()) {
        if (out.length >= options.limit) break;
        const doc = this.table.doc(coll, id);
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
    // Encoded before anything is written: a document structured clone cannot copy (a function in it)
    // fails the batch with nothing applied.
    const encoded = ops.map((op) => (op.kind === 'upsert' ? encode(op.doc) : null));
    const counted = new Map<number, number>();
    this.table.transaction(() => {
      ops.forEach((op, i) => {
        const coll = this.coll(op.collection);
        const id = op.kind === 'upsert' ? op.doc.id : op.id;
        const current = this.table.head(coll, id);
        if (current && current.position >= op.position) return;
        if (this.indexes.has(op.collection) || this.sortedIndexes.has(op.collection)) {
          const before = current?.live ? this.table.doc(coll, id) : undefined;
          this.reindex(
            op.collection,
            id,
            before ? decode(before) : null,
            op.kind === 'upsert' ? op.doc : null,
          );
        }
        this.table.put(coll, id, op.position, encoded[i]!);
        const delta = (op.kind === 'upsert' ? 1 : 0) - (current?.live ? 1 : 0);
        if (delta !== 0) counted.set(coll, (counted.get(coll) ?? 0) + delta);
      });
    });
    for (const [coll, delta] of counted) this.liveCounts.set(coll, (this.liveCounts.get(coll) ?? 0) + delta);
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
      const coll = this.collections.get(c);
      if (coll !== undefined) {
        this.table.drop(coll);
        this.liveCounts.delete(coll);
      }
      this.indexes.delete(c);
      this.sortedIndexes.delete(c);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.table.close();
  }

  /** Live documents held, by collection: what this store keeps in process memory. */
  documentCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, coll] of this.collections) {
      const n = this.liveCounts.get(coll);
      if (n) out.set(name, n);
    }
    return out;
  }

  /** The bytes the documents take outside the JavaScript heap (the SQLite database's pages). */
  documentBytes(): number {
    return this.table.bytes();
  }

  /**
   * Forgets every document, tombstone, index and checkpoint, as a fresh store. The soak test uses it
   * to tell the memory the read models hold from the rest of the process's.
   */
  clear(): void {
    this.table.dropAll();
    this.liveCounts.clear();
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
    const coll = this.coll(collection);
    const out: ReadModelDoc[] = [];
    for (const id of ids) {
      const doc = this.table.doc(coll, id);
      if (doc) out.push(decode(doc));
    }
    return out;
  }

  /** The ids in every equality index of the filter's scalar fields; undefined when it has none. */
  private indexedIds(collection: string, filter: Record<string, unknown>): string[] | undefined {
    const fields = Object.keys(filter).filter((f) => indexKeyOf(filter[f]) !== undefined);
    if (fields.length === 0) return undefined;
    const sets = fields
      .map((f) => this.indexOf(collection, f).get(indexKeyOf(filter[f])!) ?? new Set<string>())
      .sort((a, b) => a.size - b.size);
    const [smallestSet, ...others] = sets;
    const out: string[] = [];
    for (const id of smallestSet!) if (others.every((set) => set.has(id))) out.push(id);
    return out;
  }

  private indexOf(collection: string, field: string): Map<string, Set<string>> {
    let byField = this.indexes.get(collection);
    if (!byField) this.indexes.set(collection, (byField = new Map()));
    let index = byField.get(field);
    if (!index) {
      byField.set(field, (index = new Map()));
      for (const { id, doc } of this.table.live(this.coll(collection)))
        addToIndex(index, decode(doc)[field], id);
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
    for (const { doc } of this.table.live(this.coll(collection))) out.push(decode(doc));
    return out;
  }

  private coll(collection: string): number {
    let coll = this.collections.get(collection);
    if (coll === undefined) this.collections.set(collection, (coll = this.collections.size));
    return coll;
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

const encode = (doc: ReadModelDoc): string | Uint8Array =>
  jsonExact(doc) ? JSON.stringify(doc) : serialize(doc);
const decode = (doc: string | Uint8Array): ReadModelDoc =>
  (typeof doc === 'string' ? JSON.parse(doc) : deserialize(doc)) as ReadModelDoc;

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
