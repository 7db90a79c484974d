import type { EventRegistry, RecordedEvent } from '@ringback/contracts';
import type { EventStore, StoreSubscription } from '../ports/event-store.port';
import type { ReadModelDoc, ReadModelOp, ReadModelStore, StoredPositions } from '../ports/read-model.port';
import { cloneDoc } from './clone-doc';
import type { ProjectionChanges } from './projection-changes';
import {
  hasPositionedReads,
  type PositionedDoc,
  type Projection,
  type ProjectionContext,
} from './projection';

/** The logging the runner needs; a pino logger fits. */
export interface ProjectionLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ProjectionRunnerOptions {
  store: EventStore;
  readModels: ReadModelStore;
  projection: Projection;
  /** When given, every event is upcast to the latest version of its type before the projection sees it. */
  registry?: EventRegistry;
  /** Events whose ops are written together with one checkpoint (default 500). */
  batchSize?: number;
  /** Longest a handled event waits in memory before its ops are written (default 50 ms). */
  maxFlushDelayMs?: number;
  /** Most stored documents kept in memory from one batch to the next (default 20,000). */
  cacheSize?: number;
  logger?: ProjectionLogger;
  /** Told what each flush wrote, after the write (live views follow the read model this way). */
  changes?: ProjectionChanges;
}

const consoleLogger: ProjectionLogger = {
  info: () => undefined,
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};

const MAX_RETRY_DELAY_MS = 5_000;
/** Past this many documents written since a reset, the runner stops tracking which exist. */
const MAX_WRITTEN_KEYS = 1_000_000;

const keyOf = (collection: string, id: string): string => `${collection}\u0000${id}`;
const idOf = (op: ReadModelOp): string => (op.kind === 'upsert' ? op.doc.id : op.id);

/**
 * Keeps a projection's read model in step with the event store.
 *
 * Events arrive one at a time from a catch-up subscription; their ops are buffered (the last op per
 * document wins) and written in one `applyBatch` with the checkpoint of the last event, when the batch
 * is full, when the oldest buffered event has waited `maxFlushDelayMs`, on `whenCaughtUp()` and on
 * `stop()`. The store applies an op only over an older document, so replaying any range (after a crash
 * between ops and checkpoint, or a rewound checkpoint) leaves the read model as it was.
 *
 * Handling an event and writing a batch never overlap, so `ctx.get` always sees the store plus the
 * buffer, never a batch half in flight.
 *
 * Being the only writer of its collections, the runner also remembers what it read and wrote (up to
 * `cacheSize` documents, from batch to batch), and after a reset which documents exist at all: a
 * rebuild or a steady catch-up reads the store only for documents it has not seen, and tells the store
 * the stored positions it knows (`StoredPositions`), so a store without conditional writes by id need
 * not read them back. A failed write forgets all of it: the store is the truth again.
 */
export class ProjectionRunner {
  private readonly projection: Projection;
  private readonly readModels: ReadModelStore;
  private readonly logger: ProjectionLogger;
  private readonly batchSize: number;
  private readonly maxFlushDelayMs: number;
  private readonly cacheSize: number;
  private readonly collections: ReadonlySet<string>;
  private readonly eventTypes: ReadonlySet<string> | undefined;
  private readonly context: ProjectionContext;

  private subscription: StoreSubscription | undefined;
  private starting = false;
  private lock: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private flushFailures = 0;

  /** Last op per document since the last write, in first-touched order. */
  private readonly pending = new Map<string, ReadModelOp>();
  private pendingEvents = 0;
  /** Position of the newest handled event not yet covered by a stored checkpoint. */
  private pendingPosition: bigint | undefined;
  /** Store contents read or written (null: never written); valid because this runner is the only writer. */
  private readonly storedCache = new Map<string, PositionedDoc | null>();
  /** Since a reset: every document written, so any other does not exist. Undefined when not known. */
  private written: Set<string> | undefined;
  private checkpointed: bigint | undefined;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.projection = options.projection;
    this.readModels = options.readModels;
    this.logger = options.logger ?? consoleLogger;
    this.batchSize = options.batchSize ?? 500;
    this.maxFlushDelayMs = options.maxFlushDelayMs ?? 50;
    this.cacheSize = options.cacheSize ?? 20_000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new Error('batchSize must be a positive integer');
    if (!(this.maxFlushDelayMs >= 0)) throw new Error('maxFlushDelayMs must not be negative');
    if (!Number.isInteger(this.cacheSize) || this.cacheSize < 0)
      throw new Error('cacheSize must be a non-negative integer');
    this.collections = new Set(this.projection.collections);
    this.eventTypes = this.projection.eventTypes ? new Set(this.projection.eventTypes) : undefined;
    this.context = { get: (collection, id) => this.read(collection, id) };
  }

  /** Position of the last event whose ops and checkpoint are stored, or undefined before the first write. */
  get checkpointedPosition(): bigint | undefined {
    return this.checkpointed;
  }

  /**
   * Resumes after the stored checkpoint, or rebuilds from zero when there is none or it was written by
   * another version of the projection.
   */
  async start(): Promise<void> {
    if (this.subscription || this.starting)
      throw new Error(`projection ${this.projection.id} is already running`);
    this.starting = true;
    try {
      const { id, version, collections } = this.projection;
      const checkpoint = await this.readModels.getCheckpoint(id);
      let from: bigint | undefined;
      if (checkpoint && checkpoint.version === version) {
        from = checkpoint.position;
        this.logger.info({ projection: id, version, fromPosition: String(from) }, 'projection resuming');
      } else {
        this.logger.info(
          { projection: id, version, storedVersion: checkpoint?.version ?? null },
          checkpoint
            ? 'projection version changed: rebuilding'
            : 'projection has no checkpoint: building from zero',
        );
        await this.readModels.reset(id, collections);
      }
      this.forgetStore();
      if (from === undefined) this.written = new Set();
      this.checkpointed = from;
      this.subscribe(from);
    } finally {
      this.starting = false;
    }
  }

  /**
   * Resolves once every event stored at call time is in the read model together with its checkpoint.
   * While an event keeps failing in the projection (the subscription retries it), it does not resolve.
   */
  async whenCaughtUp(): Promise<void> {
    const subscription = this.subscription;
    if (!subscription) throw new Error(`projection ${this.projection.id} is not running`);
    await subscription.whenCaughtUp();
    await this.exclusive(() => this.flush());
  }

  /** Stops the subscription and writes what is buffered. */
  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.clearTimer();
    if (!subscription) return;
    await subscription.stop();
    await this.exclusive(() => this.flush());
  }

  /** Drops the read model and its checkpoint and replays every event from zero; the runner is running afterwards. */
  async rebuild(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.clearTimer();
    if (subscription) await subscription.stop();
    await this.exclusive(async () => {
      this.discardBuffer();
      await this.readModels.reset(this.projection.id, this.projection.collections);
      this.written = new Set();
      this.checkpointed = undefined;
    });
    this.logger.info(
      { projection: this.projection.id, version: this.projection.version },
      'projection rebuilding',
    );
    this.subscribe(undefined);
  }

  private subscribe(from: bigint | undefined): void {
    const { id, categories, eventTypes, phiEventTypes } = this.projection;
    this.subscription = this.options.store.subscribe({
      subscriberId: id,
      ...(from !== undefined ? { fromPosition: from } : {}),
      ...(categories ? { categories } : {}),
      reads: {
        ...(eventTypes ? { types: eventTypes } : {}),
        ...(phiEventTypes ? { phiTypes: phiEventTypes } : {}),
      },
      handler: (event) => this.exclusive(() => this.onEvent(event)),
    });
  }

  private async onEvent(event: RecordedEvent): Promise<void> {
    // A full batch is written before the next event is handled: if the write fails, the subscription
    // retries this event with nothing of it buffered yet.
    if (this.pendingEvents >= this.batchSize) await this.flush();

    let ops: ReadModelOp[] = [];
    if (!this.eventTypes || this.eventTypes.has(event.envelope.type)) {
      try {
        const envelope = this.options.registry
          ? this.options.registry.upcast(event.envelope)
          : event.envelope;
        ops = await this.projection.handle(envelope, event.position, this.context);
        this.checkOps(ops, event.position);
      } catch (error) {
        this.logger.error(
          {
            projection: this.projection.id,
            eventId: event.envelope.eventId,
            type: event.envelope.type,
            position: String(event.position),
            err: error,
          },
          'projection failed to handle an event',
        );
        throw error;
      }
    }
    this.buffer(ops, event.position);
    this.scheduleFlush();
  }

  private checkOps(ops: readonly ReadModelOp[], position: bigint): void {
    for (const op of ops) {
      if (!this.collections.has(op.collection)) {
        throw new Error(
          `projection ${this.projection.id} wrote to ${op.collection}, which is not among its collections`,
        );
      }
      if (op.position !== position) {
        throw new Error(
          `projection ${this.projection.id} stamped an op with position ${op.position} for the event at ${position}`,
        );
      }
      const id = idOf(op);
      if (typeof id !== 'string' || id.length === 0)
        throw new Error(`projection ${this.projection.id} wrote a document without an id`);
    }
  }

  private buffer(ops: readonly ReadModelOp[], position: bigint): void {
    for (const op of ops) {
      this.pending.set(
        keyOf(op.collection, idOf(op)),
        op.kind === 'upsert' ? { ...op, doc: cloneDoc(op.doc) } : { ...op },
      );
    }
    this.pendingEvents += 1;
    this.pendingPosition = position;
  }

  private async read<T extends ReadModelDoc>(collection: string, id: string): Promise<T | null> {
    if (!this.collections.has(collection)) {
      throw new Error(
        `projection ${this.projection.id} may only read its own collections, not ${collection}`,
      );
    }
    const key = keyOf(collection, id);
    const op = this.pending.get(key);
    const store = this.readModels;
    if (!hasPositionedReads(store)) {
      // Without stored positions the buffer cannot tell whether the store will keep or skip the op
      // (a replay over a crash's leftovers), so the store itself decides.
      if (op) await this.flush();
      const doc = await store.get<T>(collection, id);
      return doc ? cloneDoc(doc) : null;
    }
    let stored = this.knownStored(key);
    if (stored === undefined) {
      stored = (await store.getPositioned(collection, [id])).get(id) ?? null;
      this.storedCache.set(key, stored);
    }
    // The store's own guard, applied to the buffer: the op counts only over an older stored document.
    const doc =
      op && (!stored || stored.position < op.position)
        ? op.kind === 'upsert'
          ? op.doc
          : null
        : (stored?.doc ?? null);
    return doc ? (cloneDoc(doc) as T) : null;
  }

  /** Writes the buffer with the checkpoint of its last event. Callers hold the lock. */
  private async flush(): Promise<void> {
    this.clearTimer();
    const position = this.pendingPosition;
    if (position === undefined) return;
    const ops = [...this.pending.values()];
    const stored: StoredPositions = (collection, id) => {
      const known = this.knownStored(keyOf(collection, id));
      return known === undefined ? undefined : (known?.position ?? null);
    };
    try {
      await this.readModels.applyBatch(
        ops,
        { processorId: this.projection.id, position, version: this.projection.version },
        stored,
      );
    } catch (error) {
      // Whether the write landed whole, partly or not at all, the store is the truth again.
      this.forgetStore();
      throw error;
    }
    this.remember(ops);
    // A small batch means the runner is handling live events now. The set of written keys spares a
    // build from zero its lookups of documents that cannot exist yet; from here on it would only grow,
    // a key for every document kept (up to MAX_WRITTEN_KEYS, about 80 MB a runner), so it goes, and a
    // miss asks the store as after a restart.
    if (this.pendingEvents < this.batchSize / 4) this.written = undefined;
    this.pending.clear();
    this.pendingEvents = 0;
    this.pendingPosition = undefined;
    this.checkpointed = position;
    this.flushFailures = 0;
    this.options.changes?.publish({
      projectionId: this.projection.id,
      position,
      ops,
    });
  }

  /** What the store holds under `key` as far as this runner knows: null for nothing, undefined when not known. */
  private knownStored(key: string): PositionedDoc | null | undefined {
    const cached = this.storedCache.get(key);
    if (cached !== undefined) return cached;
    return this.written && !this.written.has(key) ? null : undefined;
  }

  /** After a write that landed: the store now holds each op over an older document (its own guard). */
  private remember(ops: readonly ReadModelOp[]): void {
    for (const op of ops) {
      const key = keyOf(op.collection, idOf(op));
      const before = this.knownStored(key);
      if (before !== undefined && (before === null || before.position < op.position))
        this.storedCache.set(key, { doc: op.kind === 'upsert' ? op.doc : null, position: op.position });
      this.written?.add(key);
    }
    if (this.storedCache.size > this.cacheSize) this.storedCache.clear();
    if (this.written && this.written.size > MAX_WRITTEN_KEYS) this.written = undefined;
  }

  private forgetStore(): void {
    this.storedCache.clear();
    this.written = undefined;
  }

  private discardBuffer(): void {
    this.pending.clear();
    this.storedCache.clear();
    this.pendingEvents = 0;
    this.pendingPosition = undefined;
  }

  private scheduleFlush(delayMs = this.maxFlushDelayMs): void {
    if (this.timer || this.pendingPosition === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.exclusive(() => this.flush()).catch((error: unknown) => {
        this.flushFailures += 1;
        const retryInMs = Math.min(
          MAX_RETRY_DELAY_MS,
          Math.max(1, this.maxFlushDelayMs) * 2 ** this.flushFailures,
        );
        this.logger.warn(
          { projection: this.projection.id, attempt: this.flushFailures, retryInMs, err: error },
          'projection failed to write its read model; retrying',
        );
        if (this.subscription) this.scheduleFlush(retryInMs);
      });
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs `work` after everything queued before it: handling events and writing batches never interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
