import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { checkpointOffLoop } from './sqlite-wal-checkpointer';
import { SqliteGroupCommit } from './sqlite-group-commit';
import type { WalCheckpoints } from './sqlite-wal-checkpointer';

const PAGE = 4096;

function tempFile(): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ringback-wal-'));
  return { file: path.join(dir, 'db.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function openWal(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  return db;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A file whose log holds far more than `restartFrames` (8) pages, once its checkpoints paused it. */
async function pausedWriter(
  intervalMs: number,
): Promise<{ db: DatabaseSync; checkpoints: WalCheckpoints; deadline: number; cleanup: () => void }> {
  const { file, cleanup } = tempFile();
  const db = openWal(file);
  const checkpoints = checkpointOffLoop(db, file, { restartFrames: 8, intervalMs });
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  for (let i = 0; i < 100; i++) insert.run(i, 'z'.repeat(3000));
  const deadline = Date.now() + 5_000;
  while (!checkpoints.paused && Date.now() < deadline) await turn();
  return { db, checkpoints, deadline, cleanup };
}

describe('checkpointOffLoop', () => {
  it('keeps the log short under a steady writer by pausing it now and then, and loses no row', async () => {
    const { file, cleanup } = tempFile();
    const db = openWal(file);
    const pauses: number[] = [];
    const checkpoints = checkpointOffLoop(db, file, {
      restartFrames: 64,
      intervalMs: 5,
      onPause: (seconds) => pauses.push(seconds),
    });
    // A log that starts over is cut back to this size, so its size on disk shows whether it does.
    db.exec(`PRAGMA journal_size_limit = ${64 * PAGE}`);
    try {
      // SQLite's own checkpoints moved back to the backstop: the writer's commits do not checkpoint.
      assert.equal(Number(db.prepare('PRAGMA wal_autocheckpoint').get()?.['wal_autocheckpoint']), 1000);
      const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
      const value = 'x'.repeat(1500);
      let maxWal = 0;
      let written = 0;
      let deferred = 0;
      for (let i = 0; i < 3000; i++) {
        // A writer that honours the pause, as the stores' flushes do.
        while (checkpoints.paused) {
          deferred += 1;
          await turn();
        }
        db.exec('BEGIN IMMEDIATE');
        for (let k = 0; k < 4; k++) insert.run(written++, value);
        db.exec('COMMIT');
        // From the first restart on (before it, the thread may still be starting).
        if (checkpoints.stats.restarts > 0) maxWal = Math.max(maxWal, statSync(`${file}-wal`).size);
        await new Promise((resolve) => setTimeout(resolve, i % 4 === 0 ? 1 : 0));
      }
      assert.ok(
        checkpoints.stats.restarts > 0,
        `the log started over (${JSON.stringify(checkpoints.stats)})`,
      );
      assert.ok(deferred > 0, 'the writer waited at least once');
      while (checkpoints.paused) await turn();
      assert.equal(pauses.length, checkpoints.stats.pauses, 'every pause timed once it was over');
      assert.ok(pauses.every((seconds) => seconds >= 0 && seconds < 1.5));
      // Without the pauses the log would pass the backstop's 1,000 frames (passive checkpoints alone
      // never let it start over under a steady writer). With them it stays near restartFrames, but
      // the thread that asks for a pause shares two cores with the whole suite: a CI run saw 685
      // frames before one.
      assert.ok(maxWal < 900 * PAGE, `the log stayed short: ${maxWal} bytes`);
      assert.equal(Number(db.prepare('SELECT count(*) AS n FROM t').get()?.['n']), written);
    } finally {
      await checkpoints.close();
      db.close();
    }
    const reopened = new DatabaseSync(file);
    try {
      assert.equal(reopened.prepare('PRAGMA integrity_check').get()?.['integrity_check'], 'ok');
      assert.equal(Number(reopened.prepare('SELECT count(*) AS n FROM t').get()?.['n']), 12_000);
    } finally {
      reopened.close();
      cleanup();
    }
  });

  it('copies the log into the database off the loop, without the writer checkpointing', async () => {
    const { file, cleanup } = tempFile();
    const db = openWal(file);
    const checkpoints = checkpointOffLoop(db, file, { restartFrames: 1_000_000, intervalMs: 5 });
    try {
      const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
      for (let i = 0; i < 200; i++) insert.run(i, 'y'.repeat(3000));
      // The writer's own checkpoints are off until 4,000,000 frames: only the thread copies.
      const deadline = Date.now() + 5_000;
      while (statSync(file).size < 150 * PAGE && Date.now() < deadline) await turn();
      assert.ok(statSync(file).size >= 150 * PAGE, 'the thread copied the log into the database');
      assert.equal(checkpoints.stats.pauses, 0, 'no pause below restartFrames');
    } finally {
      await checkpoints.close();
      db.close();
      cleanup();
    }
  });

  it('lets the writer go on when closed while it is paused, and closes twice without harm', async () => {
    const { db, checkpoints, cleanup } = await pausedWriter(2);
    try {
      assert.equal(checkpoints.paused, true);
      // close() resolves whatever the thread is doing: a writer never waits on a closed file's pause.
      await Promise.all([checkpoints.close(), checkpoints.close()]);
      assert.equal(checkpoints.paused, false);
    } finally {
      db.close();
      cleanup();
    }
  });

  it('takes no pause the thread asked for while the file was being closed', async () => {
    // The thread asks for a pause each interval while its log holds restartFrames (nothing restarts
    // an idle log), so one may cross `remove` on its way: taken, nothing would ever end it.
    for (let round = 0; round < 20; round++) {
      const { db, checkpoints, deadline, cleanup } = await pausedWriter(1);
      try {
        assert.equal(checkpoints.paused, true, `round ${round}: the thread asked for a pause`);
        // Once resumed, the thread asks again within a millisecond: close() meets that request.
        while (checkpoints.paused && Date.now() < deadline) await turn();
        await checkpoints.close();
        assert.equal(checkpoints.paused, false, `round ${round}: paused after close`);
      } finally {
        db.close();
        cleanup();
      }
    }
  });
});

describe('SqliteGroupCommit with paused checkpoints', () => {
  it('holds commits while the checkpoints are paused and commits them on resume', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY)');
    const listeners: (() => void)[] = [];
    let paused = true;
    const checkpoints: WalCheckpoints = {
      get paused() {
        return paused;
      },
      onResume: (listener) => listeners.push(listener),
      stats: { pauses: 1, restarts: 0 },
      close: () => Promise.resolve(),
    };
    const writes = new SqliteGroupCommit(db, { checkpoints });
    let done = false;
    const written = writes
      .run(() => db.prepare('INSERT INTO t (k) VALUES (1)').run())
      .then(() => {
        done = true;
      });
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(done, false, 'no commit while paused');
    assert.equal(Number(db.prepare('SELECT count(*) AS n FROM t').get()?.['n']), 0);
    paused = false;
    listeners.forEach((l) => l());
    await written;
    assert.equal(Number(db.prepare('SELECT count(*) AS n FROM t').get()?.['n']), 1);
    // close() commits what is queued even while paused: nothing is left behind.
    paused = true;
    const last = writes.run(() => db.prepare('INSERT INTO t (k) VALUES (2)').run());
    await writes.close();
    await last;
    assert.equal(Number(db.prepare('SELECT count(*) AS n FROM t').get()?.['n']), 2);
    db.close();
  });
});
