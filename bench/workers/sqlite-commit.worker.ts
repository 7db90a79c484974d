// Baseline: raw node:sqlite durable commits (WAL, synchronous=FULL, as Ringback's event store opens
// its file), one row of `size` bytes per IMMEDIATE transaction, for `durationMs`.
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

process.on('message', (raw) => {
  const spec = raw as { durationMs: number; size: number };
  const dir = mkdtempSync(path.join(tmpdir(), 'ringback-bench-sqlite-'));
  const db = new DatabaseSync(path.join(dir, 'raw.sqlite'));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO events (payload) VALUES (?)');
  const value = JSON.stringify({ v: 'x'.repeat(Math.max(0, spec.size - 8)) });
  let commits = 0;
  const started = performance.now();
  while (performance.now() - started < spec.durationMs) {
    db.exec('BEGIN IMMEDIATE');
    insert.run(value);
    db.exec('COMMIT');
    commits += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  process.send?.({ type: 'done', report: { commitsPerSecond: commits / seconds } }, () => process.exit(0));
});
process.send?.({ type: 'ready' });
// The parent went away (killed, or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(1));
