/** A read-model document: plain JSON with a string id. */
export interface ReadModelDoc {
  id: string;
  [field: string]: unknown;
}

/**
 * One change to a read model, stamped with the global position of the event that caused it.
 * Stores apply an op only if the stored document's position is lower, which makes redelivered
 * events harmless even where the store has no transactions.
 */
export type ReadModelOp =
  | { kind: 'upsert'; collection: string; doc: ReadModelDoc; position: bigint }
  | { kind: 'delete'; collection: string; id: string; position: bigint };

export interface Checkpoint {
  processorId: string;
  position: bigint;
  /** Version of the projection code that wrote it; a new version triggers a rebuild. */
  version: number;
}

export interface FindOptions {
  limit?: number;
  sort?: { field: string; direction: 1 | -1 };
}

/**
 * What a writer knows of the stored positions of the documents it writes: the position of the op that
 * last wrote `id` (a tombstone's included), null when no document has that id, undefined when it does
 * not know. A store without conditional writes by id (FerretDB 1.x) may rely on it instead of reading.
 */
export type StoredPositions = (collection: string, id: string) => bigint | null | undefined;

/**
 * Read-model storage port. Documents are queried by equality on top-level fields.
 */
export interface ReadModelStore {
  get<T extends ReadModelDoc>(collection: string, id: string): Promise<T | null>;
  getMany<T extends ReadModelDoc>(collection: string, ids: readonly string[]): Promise<Map<string, T>>;
  find<T extends ReadModelDoc>(
    collection: string,
    filter?: Record<string, unknown>,
    options?: FindOptions,
  ): Promise<T[]>;
  count(collection: string, filter?: Record<string, unknown>): Promise<number>;
  /**
   * Applies ops in order (skipping stale ones), then stores the checkpoint. `stored`, when given, must
   * be true of the store as it is (the writer is the only one writing these documents).
   */
  applyBatch(ops: readonly ReadModelOp[], checkpoint: Checkpoint, stored?: StoredPositions): Promise<void>;
  getCheckpoint(processorId: string): Promise<Checkpoint | null>;
  /** Drops the collections and the checkpoint of a processor, for a rebuild from zero. */
  reset(processorId: string, collections: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export const READ_MODEL_STORE = Symbol.for('ringback.ReadModelStore');
