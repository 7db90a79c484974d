import type { DatabaseSync } from 'node:sqlite';
import { performance } from 'node:perf_hooks';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
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
 */
export class SqliteGroupCommit {
  private queue: Pending[] = [];
  private scheduled: { cancel: () => void } | undefined;
  private lastCommitAt = Number.NEGATIVE_INFINITY;

  /**
   * `db` commits with the durability it was opened with (openSqliteDatabase: synchronous=FULL);
   * `minIntervalMs` is the least time between two commits (0: every turn of the loop).
   */
  constructor(
    private readonly db: DatabaseSync,
    private readonly minIntervalMs = 0,
  ) {}

  /** Runs `work` (synchronous SQL on the connection) in the next group transaction. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.scheduled ??= this.schedule();
    });
  }

  /** Commits what is queued now (also what close() calls before the connection goes). */
  flush(): void {
    this.scheduled?.cancel();
    this.scheduled = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.lastCommitAt = performance.now();
    if (!this.db.isOpen) {
      for (const p of batch) p.reject(new Error('the SQLite connection is closed'));
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
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
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
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
