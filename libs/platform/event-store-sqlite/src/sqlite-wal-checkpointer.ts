import { Worker } from 'node:worker_threads';
import type { DatabaseSync } from 'node:sqlite';

/** Options of off-loop checkpoints for one SQLite file (see checkpointOffLoop). */
export interface WalCheckpointOptions {
  /**
   * Frames (pages) in the write-ahead log after which the writer pauses for one last checkpoint, so
   * that its next write starts the log over from its beginning (default 4096: 16 MiB of 4 KiB pages).
   */
  restartFrames?: number;
  /** How often the checkpointer thread copies the log into the database (default 1000 ms). */
  intervalMs?: number;
  /** Longest the writer stays paused if the checkpointer does not answer (default 1000 ms). */
  maxPauseMs?: number;
  /** Told how long each pause of the writer lasted (seconds), once it is over. */
  onPause?: (seconds: number) => void;
}

/** What a writer sees of the checkpoints of its file. */
export interface WalCheckpoints {
  /** Writes must wait: the checkpointer is copying the last frames of the log (see `onResume`). */
  readonly paused: boolean;
  /** Called once the pause is over: the writer runs what it deferred. */
  onResume(listener: () => void): void;
  /** Pauses so far, and how many of them let the log start over. */
  readonly stats: { pauses: number; restarts: number };
  /** Stops checkpointing the file off the loop (SQLite's own checkpoints take over); idempotent. */
  close(): Promise<void>;
}

type ToWorker =
  | { kind: 'add'; id: number; path: string; restartFrames: number; intervalMs: number }
  | { kind: 'remove'; id: number }
  | { kind: 'paused'; id: number };
type FromWorker =
  | { kind: 'pause'; id: number }
  | { kind: 'resumed'; id: number; restarted: boolean }
  | { kind: 'removed'; id: number };

/**
 * The checkpointer thread. Plain JavaScript evaluated in the worker (no module to resolve, whether
 * the process runs from TypeScript or from a bundle); it only needs node:sqlite.
 *
 * Per file: a connection of its own, a PASSIVE checkpoint every interval (never waits for the writer,
 * copies what is committed, fsyncs the log before and the database after, so a frame is never lost
 * to the log starting over). A passive checkpoint alone never lets the log start over under a steady
 * load, since the writer commits more frames while it runs; so once the log holds `restartFrames`, the
 * thread asks the writer to pause, copies the last frames, and lets it go on.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const files = new Map();
const checkpoint = (f) => {
  try { return f.statement.get(); } catch { return undefined; }
};
const tick = (f) => {
  if (f.closed) return;
  if (!f.pausing) {
    const r = checkpoint(f);
    if (r && r.log >= f.restartFrames) {
      f.pausing = true;
      parentPort.postMessage({ kind: 'pause', id: f.id });
    }
  }
  f.timer = setTimeout(() => tick(f), f.intervalMs);
};
parentPort.on('message', (m) => {
  if (m.kind === 'add') {
    let db;
    try {
      db = new DatabaseSync(m.path, { timeout: 0 });
      db.exec('PRAGMA synchronous = FULL');
    } catch {
      return;
    }
    const f = { id: m.id, db, statement: db.prepare('PRAGMA wal_checkpoint(PASSIVE)'), restartFrames: m.restartFrames, intervalMs: m.intervalMs, pausing: false, closed: false };
    files.set(m.id, f);
    f.timer = setTimeout(() => tick(f), f.intervalMs);
  } else if (m.kind === 'paused') {
    const f = files.get(m.id);
    if (!f) return;
    const r = checkpoint(f);
    f.pausing = false;
    parentPort.postMessage({ kind: 'resumed', id: m.id, restarted: !!r && r.busy === 0 && r.log === r.checkpointed });
  } else if (m.kind === 'remove') {
    const f = files.get(m.id);
    files.delete(m.id);
    if (f) {
      f.closed = true;
      clearTimeout(f.timer);
      try { f.db.close(); } catch {}
    }
    parentPort.postMessage({ kind: 'removed', id: m.id });
  }
});
`;

interface Registration {
  paused: boolean;
  /** When the current pause began (performance.now()). */
  pausedAt: number;
  onPause: ((seconds: number) => void) | undefined;
  /** Longest a pause lasts if the thread does not answer. */
  maxPauseMs: number;
  pauseTimer: NodeJS.Timeout | undefined;
  listeners: (() => void)[];
  stats: { pauses: number; restarts: number };
  removed: (() => void) | undefined;
  /** remove() was called: a pause asked for meanwhile is not taken (nothing would end it). */
  closing: boolean;
}

/** The process's one checkpointer thread, started with the first file and ended with the last. */
class CheckpointerThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly files = new Map<number, Registration>();

  add(
    path: string,
    options: Required<Omit<WalCheckpointOptions, 'onPause'>> & Pick<WalCheckpointOptions, 'onPause'>,
  ): { id: number; registration: Registration } {
    const id = this.nextId++;
    const registration: Registration = {
      paused: false,
      pausedAt: 0,
      onPause: options.onPause,
      maxPauseMs: options.maxPauseMs,
      pauseTimer: undefined,
      listeners: [],
      stats: { pauses: 0, restarts: 0 },
      removed: undefined,
      closing: false,
    };
    this.files.set(id, registration);
    this.post({
      kind: 'add',
      id,
      path,
      restartFrames: options.restartFrames,
      intervalMs: options.intervalMs,
    });
    return { id, registration };
  }

  remove(id: number): Promise<void> {
    const registration = this.files.get(id);
    if (!registration) return Promise.resolve();
    registration.closing = true;
    this.resume(id);
    return new Promise<void>((resolve) => {
      registration.removed = resolve;
      this.post({ kind: 'remove', id });
    });
  }

  private post(message: ToWorker): void {
    if (!this.worker) {
      // No execArgv: the thread needs none of the process's loaders (tsx), and starts in milliseconds.
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      // Never what keeps the process alive; stores end it by closing.
      worker.unref();
      worker.on('message', (m: FromWorker) => this.receive(m));
      // A thread that failed checkpoints nothing more: writers go on, SQLite's own checkpoints
      // (the backstop set by checkpointOffLoop) keep the log bounded.
      worker.on('error', () => this.lost(worker));
      worker.on('exit', () => this.lost(worker));
      this.worker = worker;
    }
    this.worker.postMessage(message);
  }

  private lost(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const [id, registration] of this.files) {
      this.resume(id);
      registration.removed?.();
    }
    this.files.clear();
  }

  private receive(m: FromWorker): void {
    const registration = this.files.get(m.id);
    if (!registration) return;
    if (m.kind === 'pause') {
      // The thread may ask once more before it reads `remove`: a closed file's writer never pauses.
      if (registration.closing) return;
      // Handled between two turns of the loop: no transaction of the writer is open now, and none
      // starts until `resumed` (or the longest pause) comes.
      registration.paused = true;
      registration.pausedAt = performance.now();
      registration.stats.pauses += 1;
      registration.pauseTimer = setTimeout(() => this.resume(m.id), registration.maxPauseMs);
      this.post({ kind: 'paused', id: m.id });
    } else if (m.kind === 'resumed') {
      if (m.restarted) registration.stats.restarts += 1;
      this.resume(m.id);
    } else {
      this.files.delete(m.id);
      registration.removed?.();
      if (this.files.size === 0 && this.worker) {
        const worker = this.worker;
        this.worker = undefined;
        void worker.terminate();
      }
    }
  }

  private resume(id: number): void {
    const registration = this.files.get(id);
    if (!registration?.paused) return;
    clearTimeout(registration.pauseTimer);
    registration.pauseTimer = undefined;
    registration.paused = false;
    registration.onPause?.((performance.now() - registration.pausedAt) / 1000);
    for (const listener of registration.listeners) listener();
  }
}

const thread = new CheckpointerThread();

/**
 * Takes the checkpoints of a SQLite file in WAL mode off the event loop. SQLite checkpoints on the
 * connection that commits, each time the log passes 1,000 pages: it fsyncs the log, copies it into
 * the database and fsyncs that, all inside a COMMIT, which node:sqlite runs on the event loop. Under
 * the soak's load that was a stall of 8-35 ms more than once a second (the commits of the embedded
 * bus and the event store). Here a thread of its own does that work on a second connection, and the
 * writer's own checkpoints are pushed back to `4 x restartFrames` pages, a backstop should the thread
 * fall behind or fail.
 *
 * The writer checks `paused` before each transaction it can defer and runs the deferred ones on
 * `onResume`; a write that cannot wait may go ahead (the log then starts over a little later).
 * Nothing about durability changes: a checkpoint fsyncs the log before it copies a frame and the
 * database before the log may start over, as SQLite's own do.
 */
export function checkpointOffLoop(
  db: DatabaseSync,
  path: string,
  options: WalCheckpointOptions = {},
): WalCheckpoints {
  const settings = {
    restartFrames: options.restartFrames ?? 4096,
    intervalMs: options.intervalMs ?? 1000,
    maxPauseMs: options.maxPauseMs ?? 1000,
    onPause: options.onPause,
  };
  db.exec(`PRAGMA wal_autocheckpoint = ${Math.max(1000, settings.restartFrames * 4)}`);
  const { id, registration } = thread.add(path, settings);
  let closing: Promise<void> | undefined;
  return {
    get paused() {
      return registration.paused;
    },
    onResume(listener) {
      registration.listeners.push(listener);
    },
    stats: registration.stats,
    close() {
      closing ??= thread.remove(id);
      return closing;
    },
  };
}
