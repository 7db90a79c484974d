import { performance } from 'node:perf_hooks';
import type { DatabaseSync } from 'node:sqlite';
import { checkpointOffLoop, type WalCheckpointOptions, type WalCheckpoints } from './sqlite-wal-checkpointer';
import { WalFsync } from './wal-fsync';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Options of a SqliteGroupCommit. */
export interface SqliteGroupCommitOptions {
  /** Least time between two commits (0: every turn of the loop). */
  minIntervalMs?: number;
  /**
   * The connection's write-ahead log (`<file>-wal`), for a connection opened in WAL mode and set to
   * synchronous=NORMAL: writes settle only after this file was fsynced off the event loop.
   */
  walPath?: string;
  /**
   * Told how long each fsync of `walPath` took (seconds), once it succeeded. Every write of the group
   * waits for it, so a slow disk shows here before it shows anywhere else.
   */
  onFsync?: (seconds: number) => void;
  /**
   * Told how long each group transaction held the event loop (seconds, BEGIN to COMMIT, the writes'
   * SQL included), once it committed: node:sqlite is synchronous, so a commit slowed by the disk
   * (the kernel throttling writes to its page cache, say) stalls every request of the process.
   */
  onCommit?: (seconds: number) => void;
  /**
   * The file's checkpoints, when a thread takes them off the loop (checkpointOffLoop): a commit waits
   * while they are paused.
   */
  checkpoints?: WalCheckpoints;
}

/**
 * Group commit on one SQLite connection: the writes asked for in the same turn of the event loop (or
 * while the interval below runs) share one IMMEDIATE transaction, each in a savepoint of its own (a
 * write alone needs none), so N concurrent writers cost one
 * commit (one fsync under synchronous=FULL, and node:sqlite blocks the event loop while it lasts)
 * instead of N, while a write that throws is rolled back alone and rejects alone. The writes run in
 * the order they were asked for, and see each other's effects.
 *
 * The promise of a write settles only after the transaction holding it committed; if the commit
 * itself fails, every write of the batch rejects and none of them happened.
 *
 * Commits are at least `minIntervalMs` apart (like PostgreSQL's commit_delay): a write asked for
 * sooner after the last commit waits out the rest of the interval with the others that come
 * meanwhile. An idle store commits on the next turn as before, and a busy one does one fsync per
 * interval instead of one per turn of the loop, which at a moderate, steady load is nearly one per
 * write: each fsync blocks the event loop, and that was a fifth of its time in the soak.
 *
 * With `walPath`, the fsync leaves the event loop: the connection commits with synchronous=NORMAL
 * (WAL frames written, not yet flushed), and the group fsyncs the write-ahead log on the libuv thread
 * pool before it settles the writes of the commit. An acknowledged write is on disk exactly as under
 * synchronous=FULL (which fsyncs that same log at each commit), while the loop goes on; commits made
 * during an fsync share the next one. Other readers of the file may see a commit a few milliseconds
 * before it is durable: the caller hides its own unsynced rows from its readers (SqliteEventStore).
 */
export class SqliteGroupCommit {
  private queue: Pending[] = [];
  private scheduled: { cancel: () => void } | undefined;
  private lastCommitAt = Number.NEGATIVE_INFINITY;

  private readonly minIntervalMs: number;
  private readonly onFsync: ((seconds: number) => void) | undefined;
  private readonly onCommit: ((seconds: number) => void) | undefined;
  private readonly checkpoints: WalCheckpoints | undefined;
  private readonly wal: WalFsync | undefined;
  private syncing: Promise<void> | undefined;
  private nextSync: Promise<void> | undefined;
  /** A commit happened after the last fsync started. */
  private committedSinceSync = false;

  /**
   * `db` commits with the durability it was opened with (openSqliteDatabase: synchronous=FULL), or
   * with synchronous=NORMAL and `walPath` for the fsync off the loop (see groupCommitOnFile).
   */
  constructor(
    private readonly db: DatabaseSync,
    options: SqliteGroupCommitOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 0;
    this.wal = options.walPath === undefined ? undefined : new WalFsync(options.walPath);
    this.onFsync = options.onFsync;
    this.onCommit = options.onCommit;
    this.checkpoints = options.checkpoints;
    this.checkpoints?.onResume(() => {
      if (this.queue.length > 0) this.scheduled ??= this.schedule();
    });
  }

  /** Runs `work` (synchronous SQL on the connection) in the next group transaction. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.scheduled ??= this.schedule();
    });
  }

  /**
   * Commits what is queued now (also what close() calls before the connection goes). While the
   * file's checkpoints are paused, the queue waits for them, unless `force`.
   */
  flush(force = false): void {
    this.scheduled?.cancel();
    this.scheduled = undefined;
    if (!force && this.checkpoints?.paused) return;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.lastCommitAt = performance.now();
    if (!this.db.isOpen) {
      for (const p of batch) p.reject(new Error('the SQLite connection is closed'));
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const began = performance.now();
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        if (batch.length === 1) {
          // Alone in its transaction, a write needs no savepoint: if it throws, the rollback below
          // undoes it and it rejects alone. Half the statements of a commit at a moderate load.
          outcomes.push({ ok: true, value: batch[0]!.work() });
        } else
          for (const p of batch) {
            this.db.exec('SAVEPOINT group_write');
            try {
              const value = p.work();
              this.db.exec('RELEASE group_write');
              outcomes.push({ ok: true, value });
            } catch (error) {
              // SQLite may have rolled the whole transaction back by itself (e.g. SQLITE_FULL): then
              // the batch fails as a whole.
              if (!this.db.isTransaction) throw error;
              this.db.exec('ROLLBACK TO group_write');
              this.db.exec('RELEASE group_write');
              outcomes.push({ ok: false, error });
            }
          }
        this.db.exec('COMMIT');
        this.committedSinceSync = true;
        this.onCommit?.((performance.now() - began) / 1000);
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    const settle = (): void =>
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) p.resolve(outcome.value);
        else p.reject(outcome.error);
      });
    if (!this.wal) {
      settle();
      return;
    }
    this.durable().then(settle, (error: unknown) => {
      const failure = new Error('committed, but the write-ahead log could not be fsynced', { cause: error });
      for (const p of batch) p.reject(failure);
    });
  }

  /**
   * Resolves once every commit made so far on the connection is on disk: what a read on it may have
   * seen is durable then. Immediate without `walPath`, or when nothing was committed since the last
   * fsync finished.
   */
  whenDurable(): Promise<void> {
    if (!this.wal) return Promise.resolve();
    if (!this.committedSinceSync) return this.syncing ?? Promise.resolve();
    return this.durable();
  }

  /**
   * For a transaction the caller committed itself on the connection (outside `run`): resolves once
   * it is on disk.
   */
  sync(): Promise<void> {
    if (!this.wal) return Promise.resolve();
    this.committedSinceSync = true;
    return this.durable();
  }

  /** Commits what is queued, waits for every fsync in flight, and lets go of the log's file handle. */
  async close(): Promise<void> {
    this.flush(true);
    await this.checkpoints?.close();
    while (this.syncing || this.nextSync) await (this.nextSync ?? this.syncing)!.catch(() => undefined);
    await this.wal?.close();
  }

  /**
   * Resolves once everything committed so far is on disk: one fsync of the log at a time, on the
   * thread pool, and the commits made while one runs share the next.
   */
  private durable(): Promise<void> {
    if (!this.syncing) {
      // This fsync covers every commit made until now.
      this.committedSinceSync = false;
      this.syncing = this.fsyncWal()
        .catch((error: unknown) => {
          // Not known to be on disk after all: the next caller fsyncs again.
          this.committedSinceSync = true;
          throw error;
        })
        .finally(() => {
          this.syncing = undefined;
        });
      return this.syncing;
    }
    this.nextSync ??= this.syncing
      .catch(() => undefined)
      .then(() => {
        this.nextSync = undefined;
        return this.durable();
      });
    return this.nextSync;
  }

  private async fsyncWal(): Promise<void> {
    const started = performance.now();
    await this.wal?.sync();
    this.onFsync?.((performance.now() - started) / 1000);
  }

  private schedule(): { cancel: () => void } {
    const wait = this.lastCommitAt + this.minIntervalMs - performance.now();
    if (wait > 0) {
      const timer = setTimeout(() => this.flush(), wait);
      return { cancel: () => clearTimeout(timer) };
    }
    const immediate = setImmediate(() => this.flush());
    return { cancel: () => clearImmediate(immediate) };
  }
}

/**
 * The group commit of a store on `path` (as opened by openSqliteDatabase): commits at least
 * `commitIntervalMs` apart (default 4), and for a file, unless `fsyncOffLoop` is false, the fsync
 * off the event loop (the connection switched to synchronous=NORMAL, the log fsynced by the group)
 * and so are the checkpoints (checkpointOffLoop).
 */
export function groupCommitOnFile(
  db: DatabaseSync,
  path: string,
  options: {
    commitIntervalMs?: number;
    fsyncOffLoop?: boolean;
    onFsync?: (seconds: number) => void;
    onCommit?: (seconds: number) => void;
    checkpoints?: WalCheckpointOptions;
  } = {},
): SqliteGroupCommit {
  const offLoop = path !== ':memory:' && options.fsyncOffLoop !== false;
  if (offLoop) db.exec('PRAGMA synchronous = NORMAL');
  return new SqliteGroupCommit(db, {
    minIntervalMs: options.commitIntervalMs ?? 4,
    ...(offLoop
      ? { walPath: `${path}-wal`, checkpoints: checkpointOffLoop(db, path, options.checkpoints) }
      : {}),
    ...(options.onFsync ? { onFsync: options.onFsync } : {}),
    ...(options.onCommit ? { onCommit: options.onCommit } : {}),
  });
}
