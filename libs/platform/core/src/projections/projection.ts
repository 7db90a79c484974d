import type { EventEnvelope } from '@ringback/contracts';
import type { ReadModelDoc, ReadModelOp, ReadModelStore } from '../ports/read-model.port';

/** What a projection may read while handling an event. */
export interface ProjectionContext {
  /**
   * A document of one of the projection's own collections as it will be once the ops returned so far
   * are stored, including the pending ops of the batch in progress (read-your-writes). A copy: mutating
   * it changes nothing until it is returned in an op.
   */
  get<T extends ReadModelDoc = ReadModelDoc>(collection: string, id: string): Promise<T | null>;
}

/**
 * Turns events into read-model ops. It must be deterministic in the events and its own read model
 * (no clock, no other projection's collections), and stamp every op with the position it is handed:
 * the store's per-document position guard is what makes replays harmless.
 */
export interface Projection {
  /** Stable processor id: the checkpoint is stored under it. */
  id: string;
  /** Bump it whenever the projection logic or document shape changes; the runner then rebuilds. */
  version: number;
  /** Every collection it writes; `reset` drops exactly these. */
  collections: string[];
  /** Only streams of these categories (default: all). */
  categories?: string[];
  /** Only these event types (default: all); the checkpoint still moves past the others. */
  eventTypes?: string[];
  /**
   * The event types whose PHI fields (caller phone and name, transcript, notes...) `handle` reads;
   * those of other types reach it redacted instead of decrypted, which spares a replay the decryption.
   * Default: all types.
   */
  phiEventTypes?: string[];
  /**
   * Ops for one event. Several ops on one document from a single event collapse to the last one,
   * since all carry the same position.
   */
  handle(event: EventEnvelope, position: bigint, ctx: ProjectionContext): Promise<ReadModelOp[]>;
}

/** A stored document together with the position of the op that last wrote it; `doc` is null for a tombstone. */
export interface PositionedDoc<T extends ReadModelDoc = ReadModelDoc> {
  doc: T | null;
  position: bigint;
}

/**
 * Optional capability of a read-model store: documents with their stored positions, tombstones included.
 * With it the runner applies the store's position guard to its in-batch overlay, so a batch replayed
 * over ops that a crash left stored without their checkpoint reads exactly what the store will hold.
 * Without it the runner writes pending ops out before re-reading a document it has changed.
 */
export interface PositionedReadModelStore extends ReadModelStore {
  /** Entries for the ids that have a live document or a tombstone; ids never written are absent. */
  getPositioned<T extends ReadModelDoc = ReadModelDoc>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, PositionedDoc<T>>>;
}

export function hasPositionedReads(store: ReadModelStore): store is PositionedReadModelStore {
  return typeof (store as Partial<PositionedReadModelStore>).getPositioned === 'function';
}
