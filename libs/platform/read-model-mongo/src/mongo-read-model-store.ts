import mongoose, { type Connection, type mongo } from 'mongoose';
import type {
  Checkpoint,
  FindOptions,
  PositionedDoc,
  PositionedReadModelStore,
  ReadModelDoc,
  ReadModelOp,
  StoredPositions,
} from '@ringback/platform-core';

export interface MongoReadModelStoreOptions {
  /** A MongoDB (or FerretDB) connection string. */
  uri: string;
  /** Database to use; defaults to the one named in the URI, else `ringback`. */
  dbName?: string;
  /**
   * Most ops per write command (default 32). FerretDB 1.x keeps one SQLite connection of its pool of
   * 100 open for every statement of an `update` command that matches a document, until the command
   * ends: a command with about 100 such statements, or a few large ones at once, hangs the server.
   */
  maxOpsPerWrite?: number;
}

/** Which server answers: FerretDB 1.x needs its own query shapes (see MongoReadModelStore). */
type Server = 'mongodb' | 'ferretdb';

/** How a read-model document sits in its collection; a tombstone has only `_id`, `_position` and `_deleted`. */
interface StoredDoc {
  _id: string;
  _position: bigint;
  _deleted?: true;
  [field: string]: unknown;
}

interface StoredCheckpoint {
  _id: string;
  position: bigint;
  version: number;
}

export const CHECKPOINTS_COLLECTION = '_checkpoints';

const RESERVED_FIELDS = ['_id', '_position', '_deleted'];
const MAX_POSITION = 2n ** 63n - 1n;
const LIVE = { _deleted: { $ne: true as const } };
const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
/** Documents per insert command on FerretDB: one SQLite transaction, no connection held per document. */
const MAX_INSERTS_PER_WRITE = 500;

/**
 * ReadModelStore on MongoDB or FerretDB 1.x, through mongoose's driver on a connection of its own
 * (schemaless: the native collections, no models).
 *
 * A document `{ id, ...fields }` is stored as `{ _id: id, ...fields, _position }`; `_position` is the
 * global position of the op that last wrote it, a BSON int64 (bigint in and out through the driver's
 * `useBigInt64`, so exact and numerically ordered, for positions up to 2^63-1). A delete leaves the
 * tombstone `{ _id, _position, _deleted: true }`, invisible to queries, so that a stale upsert cannot
 * bring the document back. The field names `_id`, `_position` and `_deleted` are reserved.
 *
 * There are no transactions (FerretDB 1.x has none). Each op is a replacement upsert guarded by
 * `_position < op.position`: over a newer document it matches nothing, and the insert it falls back to
 * fails on the duplicate `_id`, which means "stale, skip". A batch is one ordered bulkWrite per
 * collection (split in chunks of `maxOpsPerWrite`), then the checkpoint upsert in `_checkpoints`,
 * written only once every op has landed or been skipped. A crash in between leaves ops stored ahead of
 * the checkpoint; replaying them is a no-op.
 *
 * FerretDB 1.24 (SQLite backend) is slow by id in two ways. A filter other than exactly
 * `{ _id: <string> }` (`_id` plus the position guard, `_id` plus `_deleted`, `$in`) is not turned into
 * SQL: FerretDB reads and decodes every document of the collection. And even `{ _id }` scans the table
 * in SQLite, since its query (`_ferretdb_sjson->'$._id'`) is not the expression of its own unique index
 * (`_ferretdb_sjson->"_id"`). Every statement by id thus costs in proportion to the collection, and a
 * statement per op (the guarded upsert) made a replay or a busy consumer slow down as its read model
 * grew (issue 8: 15 events/s). On FerretDB the store therefore keeps statements per batch few: reads by
 * several ids are one `$in` (one scan), tombstones are filtered here, and the guard is applied here,
 * against stored positions read in one `$in` or told by the writer (`StoredPositions`): documents not
 * stored yet are inserted in bulk (one transaction; the unique index refuses a duplicate, which means
 * another writer got there first, and the guarded path takes over), only stored ones are replaced one
 * by one by `_id`. That is no weaker than the guarded filter on FerretDB 1.x, which itself read the
 * document and wrote it back in two statements without a transaction; a read model has one writer, its
 * projection runner. On MongoDB the guarded filter stays (indexed, and atomic per document).
 */
export class MongoReadModelStore implements PositionedReadModelStore {
  private readonly connection: Connection;
  private readonly ready: Promise<mongo.Db>;
  private readonly maxOpsPerWrite: number;
  private readonly server: Promise<Server>;
  private closed = false;

  constructor(options: MongoReadModelStoreOptions) {
    this.maxOpsPerWrite = options.maxOpsPerWrite ?? 32;
    if (!Number.isInteger(this.maxOpsPerWrite) || this.maxOpsPerWrite < 1)
      throw new Error('maxOpsPerWrite must be a positive integer');
    const dbName = options.dbName ?? dbNameFromUri(options.uri) ?? 'ringback';
    this.connection = mongoose.createConnection(options.uri, {
      dbName,
      useBigInt64: true,
      ignoreUndefined: true,
    });
    this.ready = this.connection.asPromise().then((c) => {
      if (!c.db) throw new Error('mongoose connection opened without a database');
      return c.db;
    });
    // A failed connection surfaces from every call; this only keeps it from being an unhandled rejection.
    this.ready.catch(() => undefined);
    // FerretDB adds `ferretdbVersion` to buildInfo.
    this.server = this.ready.then(async (db) =>
      typeof (await db.command({ buildInfo: 1 }))['ferretdbVersion'] === 'string' ? 'ferretdb' : 'mongodb',
    );
    this.server.catch(() => undefined);
  }

  async get<T extends ReadModelDoc>(collection: string, id: string): Promise<T | null> {
    // `{ _id }` alone: the one filter FerretDB answers by index; a tombstone is told apart here.
    const stored = await (await this.collection(collection)).findOne({ _id: id });
    return stored && !stored._deleted ? toDoc<T>(stored) : null;
  }

  async getMany<T extends ReadModelDoc>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (const stored of await this.findByIds(collection, ids))
      if (!stored._deleted) out.set(stored._id, toDoc<T>(stored));
    return out;
  }

  async getPositioned<T extends ReadModelDoc>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, PositionedDoc<T>>> {
    const out = new Map<string, PositionedDoc<T>>();
    for (const stored of await this.findByIds(collection, ids)) {
      out.set(stored._id, {
        doc: stored._deleted ? null : toDoc<T>(stored),
        position: toBigInt(stored._position),
      });
    }
    return out;
  }

  async find<T extends ReadModelDoc>(
    collection: string,
    filter: Record<string, unknown> = {},
    options: FindOptions = {},
  ): Promise<T[]> {
    const sort: Record<string, 1 | -1> = {};
    if (options.sort) sort[options.sort.field === 'id' ? '_id' : options.sort.field] = options.sort.direction;
    // Ties in ascending id, as the in-memory store orders them.
    if (!('_id' in sort)) sort['_id'] = 1;
    let cursor = (await this.collection(collection)).find(toMongoFilter(filter)).sort(sort);
    if (options.limit) cursor = cursor.limit(options.limit);
    return (await cursor.toArray()).map((stored) => toDoc<T>(stored));
  }

  async count(collection: string, filter: Record<string, unknown> = {}): Promise<number> {
    return (await this.collection(collection)).countDocuments(toMongoFilter(filter));
  }

  async applyBatch(
    ops: readonly ReadModelOp[],
    checkpoint: Checkpoint,
    stored?: StoredPositions,
  ): Promise<void> {
    ops.forEach(validateOp);
    checkPosition(checkpoint.position);
    const byCollection = new Map<string, ReadModelOp[]>();
    for (const op of ops) {
      const list = byCollection.get(op.collection);
      if (list) list.push(op);
      else byCollection.set(op.collection, [op]);
    }
    const ferret = ops.length > 0 && (await this.server) === 'ferretdb';
    // One after the other, in bounded chunks, to keep FerretDB's connection use low (see maxOpsPerWrite).
    for (const [name, list] of byCollection) {
      const collection = await this.collection(name);
      if (ferret) await this.writeById(collection, list, (id) => stored?.(name, id));
      else
        for (let i = 0; i < list.length; i += this.maxOpsPerWrite)
          await writeGuarded(collection, list.slice(i, i + this.maxOpsPerWrite));
    }
    const db = await this.db();
    await db
      .collection<StoredCheckpoint>(CHECKPOINTS_COLLECTION)
      .replaceOne(
        { _id: checkpoint.processorId },
        { position: checkpoint.position, version: checkpoint.version },
        { upsert: true },
      );
  }

  async getCheckpoint(processorId: string): Promise<Checkpoint | null> {
    const db = await this.db();
    const stored = await db
      .collection<StoredCheckpoint>(CHECKPOINTS_COLLECTION)
      .findOne({ _id: processorId });
    return stored ? { processorId, position: toBigInt(stored.position), version: stored.version } : null;
  }

  async reset(processorId: string, collections: readonly string[]): Promise<void> {
    const db = await this.db();
    // Checkpoint first: a crash half-way then leaves no checkpoint, and the next start resets again
    // instead of resuming over a partly dropped read model.
    await db.collection<StoredCheckpoint>(CHECKPOINTS_COLLECTION).deleteOne({ _id: processorId });
    for (const name of collections) {
      try {
        await (await this.collection(name)).drop();
      } catch (error) {
        if (!(isServerError(error) && error.code === NAMESPACE_NOT_FOUND)) throw error;
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  /** Documents (tombstones included) with these ids: one `$in` query, or a point read for a single id. */
  private async findByIds(
    name: string,
    ids: readonly string[],
    projection?: mongo.Document,
  ): Promise<StoredDoc[]> {
    if (ids.length === 0) return [];
    const collection = await this.collection(name);
    const unique = [...new Set(ids)];
    const options = projection ? { projection } : {};
    // On FerretDB both scan the collection (see the class comment): one scan for all ids, not one each.
    if (unique.length > 1) return collection.find({ _id: { $in: unique } }, options).toArray();
    const doc = await collection.findOne({ _id: unique[0]! }, options);
    return doc ? [doc] : [];
  }

  /**
   * FerretDB: the guard applied here (see the class comment). `known` gives the writer's stored
   * positions (null: no document; undefined: not known, read by id).
   */
  private async writeById(
    collection: mongo.Collection<StoredDoc>,
    ops: readonly ReadModelOp[],
    known: (id: string) => bigint | null | undefined,
  ): Promise<void> {
    // Stored position per id before this batch; null: no document (nor tombstone) with that id.
    const before = new Map<string, bigint | null>();
    const toRead: string[] = [];
    for (const op of ops) {
      const id = idOf(op);
      if (before.has(id)) continue;
      const position = known(id);
      before.set(id, position ?? null);
      if (position === undefined) toRead.push(id);
    }
    for (const s of await this.findByIds(collection.collectionName, toRead, { _position: 1 }))
      before.set(s._id, storedPosition(s));
    // Applied in order, each only over an older position: the last fresh op per document lands.
    const latest = new Map(before);
    const landing = new Map<string, ReadModelOp>();
    for (const op of ops) {
      const id = idOf(op);
      const position = latest.get(id);
      if (position !== null && position !== undefined && position >= op.position) continue;
      landing.set(id, op);
      latest.set(id, op.position);
    }
    const inserts: ReadModelOp[] = [];
    const replaces: ReadModelOp[] = [];
    for (const [id, op] of landing) (before.get(id) === null ? inserts : replaces).push(op);
    for (let i = 0; i < inserts.length; i += MAX_INSERTS_PER_WRITE) {
      const chunk = inserts.slice(i, i + MAX_INSERTS_PER_WRITE);
      try {
        await collection.insertMany(
          chunk.map((op) => ({ ...replacementOf(op), _id: idOf(op) }) as StoredDoc),
          { ordered: true },
        );
      } catch (error) {
        if (!isDuplicateKeyOnly(error)) throw error;
        // A document appeared after its position was read or told: the guarded path sorts it out.
        for (let j = 0; j < chunk.length; j += this.maxOpsPerWrite)
          await writeGuarded(collection, chunk.slice(j, j + this.maxOpsPerWrite));
      }
    }
    for (let i = 0; i < replaces.length; i += this.maxOpsPerWrite) {
      await collection.bulkWrite(
        replaces.slice(i, i + this.maxOpsPerWrite).map((op) => ({
          replaceOne: { filter: { _id: idOf(op) }, replacement: replacementOf(op), upsert: true },
        })),
        { ordered: true },
      );
    }
  }

  private async db(): Promise<mongo.Db> {
    if (this.closed) throw new Error('mongo read-model store is closed');
    return this.ready;
  }

  private async collection(name: string): Promise<mongo.Collection<StoredDoc>> {
    checkCollectionName(name);
    return (await this.db()).collection<StoredDoc>(name);
  }
}

function dbNameFromUri(uri: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(uri)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}

function checkCollectionName(name: string): void {
  if (
    !name ||
    name.includes('$') ||
    name.includes('\u0000') ||
    name.startsWith('system.') ||
    name === CHECKPOINTS_COLLECTION
  ) {
    throw new Error(`invalid read-model collection name ${JSON.stringify(name)}`);
  }
}

function checkPosition(position: bigint): void {
  if (typeof position !== 'bigint' || position < 0n || position > MAX_POSITION) {
    throw new RangeError(`position ${String(position)} is not a bigint in [0, 2^63-1]`);
  }
}

function validateOp(op: ReadModelOp): void {
  checkCollectionName(op.collection);
  checkPosition(op.position);
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

/**
 * FerretDB 1.x refuses arrays inside arrays ("nested arrays are not supported"), which read models
 * have (a clinic's opening hours are `[["08:00", "12:00"], …]`). An inner array is stored as
 * `{ [NESTED_ARRAY]: [...] }` and turned back on read; MongoDB gets the same shape, so a database
 * moves between the two unchanged, and documents written before the wrapping still read as they are.
 */
export const NESTED_ARRAY = '__ringbackArray';

function encodeNested(value: unknown, insideArray = false): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => encodeNested(v, true));
    return insideArray ? { [NESTED_ARRAY]: items } : items;
  }
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, encodeNested(v)]));
  return value;
}

function decodeNested(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeNested);
  if (isPlainObject(value)) {
    const entries = Object.entries(value as object);
    const [only] = entries;
    if (entries.length === 1 && only && only[0] === NESTED_ARRAY && Array.isArray(only[1]))
      return decodeNested(only[1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, decodeNested(v)]));
  }
  return value;
}

const idOf = (op: ReadModelOp): string => (op.kind === 'upsert' ? op.doc.id : op.id);

function replacementOf(op: ReadModelOp): Omit<StoredDoc, '_id'> {
  if (op.kind === 'delete') return { _position: op.position, _deleted: true };
  const { id: _id, ...fields } = op.doc;
  return { ...(encodeNested(fields) as Record<string, unknown>), _position: op.position };
}

/** A stored document's position; one written without `_position` counts as older than any op. */
function storedPosition(stored: StoredDoc): bigint {
  return stored._position === undefined || stored._position === null ? -1n : toBigInt(stored._position);
}

function toWriteModel(op: ReadModelOp): mongo.AnyBulkWriteOperation<StoredDoc> {
  const replacement = replacementOf(op);
  return {
    replaceOne: {
      // Newer or equal stored position: no match, and the upsert's insert hits the duplicate _id.
      filter: {
        _id: idOf(op),
        $or: [{ _position: { $lt: op.position } }, { _position: { $exists: false } }],
      },
      replacement,
      upsert: true,
    },
  };
}

/**
 * Applies `ops` in order, skipping those a document at the same or a newer position makes stale.
 * The optimistic path is a single ordered bulkWrite. A duplicate-key error means some op was stale; since
 * FerretDB 1.x reports every write error at index 0 (and stops at the first one even when unordered),
 * which ops landed cannot be told from the error: the stale ones are dropped by reading the stored
 * positions, and the rest written again (ops that already landed are now stale themselves, hence
 * skipped). Should a concurrent writer still interfere, ops go one at a time.
 */
async function writeGuarded(
  collection: mongo.Collection<StoredDoc>,
  ops: readonly ReadModelOp[],
): Promise<void> {
  if (await bulkSkippingStale(collection, ops)) return;
  const fresh = await withoutStale(collection, ops);
  if (fresh.length === 0 || (await bulkSkippingStale(collection, fresh))) return;
  for (const op of fresh) await bulkSkippingStale(collection, [op]);
}

/** True when every op was written; false when a duplicate-key error (a stale op) stopped the bulk. */
async function bulkSkippingStale(
  collection: mongo.Collection<StoredDoc>,
  ops: readonly ReadModelOp[],
): Promise<boolean> {
  try {
    await collection.bulkWrite(ops.map(toWriteModel), { ordered: true });
    return true;
  } catch (error) {
    if (isDuplicateKeyOnly(error)) return false;
    throw error;
  }
}

/** The ops the position guard would let through, judged against the stored positions, in order. */
async function withoutStale(
  collection: mongo.Collection<StoredDoc>,
  ops: readonly ReadModelOp[],
): Promise<ReadModelOp[]> {
  const ids = [...new Set(ops.map(idOf))];
  const positions = new Map<string, bigint>();
  const stored = await collection.find({ _id: { $in: ids } }, { projection: { _position: 1 } }).toArray();
  for (const s of stored)
    if (s._position !== undefined && s._position !== null) positions.set(s._id, toBigInt(s._position));
  const out: ReadModelOp[] = [];
  for (const op of ops) {
    const current = positions.get(idOf(op));
    if (current !== undefined && current >= op.position) continue;
    positions.set(idOf(op), op.position);
    out.push(op);
  }
  return out;
}

function isServerError(error: unknown): error is mongo.MongoServerError {
  return error instanceof mongoose.mongo.MongoServerError;
}

function isDuplicateKeyOnly(error: unknown): boolean {
  if (error instanceof mongoose.mongo.MongoBulkWriteError) {
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    return (
      writeErrors.length > 0 &&
      writeErrors.every((e) => e.code === DUPLICATE_KEY) &&
      !error.result.getWriteConcernError()
    );
  }
  return isServerError(error) && error.code === DUPLICATE_KEY;
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new Error(`stored position ${String(value)} is not an int64`);
}

function toDoc<T extends ReadModelDoc>(stored: StoredDoc): T {
  const { _id, _position: _p, _deleted: _d, ...fields } = stored;
  return { id: _id, ...(decodeNested(fields) as Record<string, unknown>) } as unknown as T;
}

/** Equality on top-level fields, live documents only; `id` is `_id`, and null (or undefined) matches a missing field. */
function toMongoFilter(filter: Record<string, unknown>): mongo.Filter<StoredDoc> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(filter)) {
    const stored = field === 'id' ? '_id' : field;
    // Plain values only: `{ $gt: … }` objects would turn equality into a query operator.
    const encoded = encodeNested(value);
    out[stored] = value === undefined ? null : isPlainObject(value) ? { $eq: encoded } : encoded;
  }
  return { ...out, ...LIVE } as mongo.Filter<StoredDoc>;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
