import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteDatabase } from './open-sqlite-database';
import { SqliteGroupCommit } from './sqlite-group-commit';

function withDb(run: (db: DatabaseSync, path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ringback-group-commit-'));
  const path = join(dir, 'db.sqlite');
  const db = openSqliteDatabase(path);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  return run(db, path).finally(() => {
    if (db.isOpen) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

const insert = (db: DatabaseSync, v: string) => (): number =>
  Number(db.prepare('INSERT INTO t (v) VALUES (?) RETURNING id').get(v)!['id']);
const values = (db: DatabaseSync): string[] =>
  (db.prepare('SELECT v FROM t ORDER BY id').all() as { v: string }[]).map((r) => r.v);

describe('SqliteGroupCommit', () => {
  it('runs the writes of one turn in one transaction, in order, each seeing the earlier ones', () =>
    withDb(async (db, path) => {
      const group = new SqliteGroupCommit(db);
      const outside = new DatabaseSync(path);
      const seen: { inside: number; outside: number }[] = [];
      const observed = (work: () => number) => (): number => {
        const count = (d: DatabaseSync): number =>
          Number(d.prepare('SELECT count(*) AS n FROM t').get()!['n']);
        seen.push({ inside: count(db), outside: count(outside) });
        return work();
      };
      try {
        const ids = await Promise.all(['a', 'b', 'c'].map((v) => group.run(observed(insert(db, v)))));
        assert.deepEqual(ids, [1, 2, 3]);
        assert.deepEqual(values(db), ['a', 'b', 'c']);
        // Inside, each write sees the ones before it; outside, nothing is committed until all are done.
        assert.deepEqual(seen, [
          { inside: 0, outside: 0 },
          { inside: 1, outside: 0 },
          { inside: 2, outside: 0 },
        ]);
      } finally {
        outside.close();
      }
    }));

  it('nothing is written before the promise resolves a turn later, and resolves only after the commit', () =>
    withDb(async (db, path) => {
      const group = new SqliteGroupCommit(db);
      const pending = group.run(insert(db, 'a'));
      const other = new DatabaseSync(path);
      try {
        assert.deepEqual(values(other), [], 'not written synchronously');
        await pending;
        assert.deepEqual(values(other), ['a'], 'committed (visible to another connection) when it resolved');
      } finally {
        other.close();
      }
    }));

  it('rolls back a failing write alone: the others of its batch commit, it rejects with its own error', () =>
    withDb(async (db) => {
      const group = new SqliteGroupCommit(db);
      const results = await Promise.allSettled([
        group.run(insert(db, 'a')),
        group.run(() => {
          insert(db, 'half')();
          insert(db, 'a')(); // UNIQUE violation after a write of its own: both undone
        }),
        group.run(insert(db, 'b')),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
      assert.deepEqual(values(db), ['a', 'b']);
    }));

  it('rejects every write of a batch whose commit cannot happen, and none of them is written', () =>
    withDb(async (db, path) => {
      const group = new SqliteGroupCommit(db);
      const blocker = new DatabaseSync(path, { timeout: 0 });
      const busy = new DatabaseSync(path, { timeout: 0 });
      try {
        blocker.exec('BEGIN IMMEDIATE'); // holds the write lock
        const onBusy = new SqliteGroupCommit(busy);
        const results = await Promise.allSettled([
          onBusy.run(insert(busy, 'x')),
          onBusy.run(insert(busy, 'y')),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['rejected', 'rejected'],
        );
        blocker.exec('ROLLBACK');
        assert.deepEqual(values(db), []);
        await group.run(insert(db, 'after'));
        assert.deepEqual(values(db), ['after']);
      } finally {
        blocker.close();
        busy.close();
      }
    }));

  it('flush() commits what is queued at once', () =>
    withDb(async (db) => {
      const group = new SqliteGroupCommit(db);
      const pending = group.run(insert(db, 'a'));
      group.flush();
      assert.deepEqual(values(db), ['a']);
      assert.equal(await pending, 1);
    }));

  it('a write alone in its commit that throws rejects with its own error and leaves nothing', () =>
    withDb(async (db) => {
      const group = new SqliteGroupCommit(db);
      await group.run(insert(db, 'a'));
      await assert.rejects(
        group.run(() => {
          insert(db, 'b')();
          return insert(db, 'a')(); // UNIQUE: throws after 'b' went in
        }),
        /UNIQUE/,
      );
      assert.equal(db.isTransaction, false);
      assert.deepEqual(values(db), ['a']);
      await group.run(insert(db, 'c'));
      assert.deepEqual(values(db), ['a', 'c']);
    }));

  it('keeps commits minIntervalMs apart: writes asked for meanwhile wait and share one commit', () =>
    withDb(async (db) => {
      let commits = 0;
      const exec = db.exec.bind(db);
      db.exec = (sql: string) => {
        if (sql === 'COMMIT') commits++;
        exec(sql);
      };
      const group = new SqliteGroupCommit(db, { minIntervalMs: 100 });
      await group.run(insert(db, 'a')); // an idle store commits on the next turn
      assert.equal(commits, 1);
      const b = group.run(insert(db, 'b'));
      let bDone = false;
      void b.then(() => (bDone = true));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(bDone, false, 'waits out the interval after the last commit');
      const c = group.run(insert(db, 'c'));
      assert.deepEqual(await Promise.all([b, c]), [2, 3]);
      assert.equal(commits, 2, 'b and c in one commit');
      // After the interval has passed, a write goes on the next turn again.
      await new Promise((r) => setTimeout(r, 110));
      // Not timed (a loaded CI host makes wall-clock bounds flaky): the commit must come on the
      // next turn of the loop, before any timer could have fired.
      const d = group.run(insert(db, 'd'));
      await new Promise((r) => setImmediate(r));
      assert.equal(commits, 3, 'no wait once the interval is over: committed on the next turn');
      assert.equal(await d, 4);
      assert.deepEqual(values(db), ['a', 'b', 'c', 'd']);
    }));

  it('tells onCommit how long each group transaction held the loop, once per commit, nothing for a failed one', () =>
    withDb(async (db) => {
      const took: number[] = [];
      const group = new SqliteGroupCommit(db, { onCommit: (s) => took.push(s) });
      await Promise.all(['a', 'b', 'c'].map((v) => group.run(insert(db, v))));
      assert.equal(took.length, 1, 'three writes of one turn, one transaction');
      await assert.rejects(group.run(insert(db, 'a')), /UNIQUE/);
      assert.equal(took.length, 1, 'rolled back: not a commit');
      // A write that keeps the loop 30 ms is in its commit's time.
      await group.run(() => {
        const until = performance.now() + 30;
        while (performance.now() < until);
        return insert(db, 'd')();
      });
      assert.equal(took.length, 2);
      assert.ok(took[1]! >= 0.03 && took[1]! < 60, `the commit's time in seconds: ${took[1]}`);
    }));

  it('flush() commits at once what waits out the interval', () =>
    withDb(async (db) => {
      const group = new SqliteGroupCommit(db, { minIntervalMs: 60_000 });
      await group.run(insert(db, 'a'));
      const pending = group.run(insert(db, 'b'));
      group.flush();
      assert.deepEqual(values(db), ['a', 'b']);
      assert.equal(await pending, 2);
    }));

  it('with walPath, settles writes only after an fsync of that file, off the loop', () =>
    withDb(async (db, path) => {
      db.exec('PRAGMA synchronous = NORMAL');
      const group = new SqliteGroupCommit(db, { walPath: `${path}-wal` });
      let settled = false;
      const pending = group.run(insert(db, 'a')).finally(() => (settled = true));
      await new Promise((r) => setImmediate(r)); // the commit has run
      assert.deepEqual(values(db), ['a']);
      assert.equal(settled, false, 'committed, waiting for its fsync');
      assert.equal(await pending, 1);
      await group.whenDurable();
      await group.close();
    }));

  it('tells onFsync how long each fsync took, one per group of commits, and nothing for a failed one', () =>
    withDb(async (db, path) => {
      db.exec('PRAGMA synchronous = NORMAL');
      const took: number[] = [];
      const group = new SqliteGroupCommit(db, { walPath: `${path}-wal`, onFsync: (s) => took.push(s) });
      await Promise.all(['a', 'b', 'c'].map((v) => group.run(insert(db, v))));
      assert.equal(took.length, 1, 'three writes of one turn, one fsync');
      await group.run(insert(db, 'd'));
      assert.equal(took.length, 2);
      for (const s of took) assert.ok(s >= 0 && s < 60, `an fsync time in seconds: ${s}`);
      await group.close();

      const failing: number[] = [];
      const broken = new SqliteGroupCommit(db, {
        walPath: `${path}-no-such-log`,
        onFsync: (s) => failing.push(s),
      });
      await assert.rejects(broken.run(insert(db, 'e')), /could not be fsynced/);
      assert.deepEqual(failing, []);
      await broken.close();
    }));

  it('with a log that cannot be fsynced, rejects the committed writes, and whenDurable and sync wait for an fsync', () =>
    withDb(async (db, path) => {
      db.exec('PRAGMA synchronous = NORMAL');
      const group = new SqliteGroupCommit(db, { walPath: `${path}-no-such-log` });
      await group.whenDurable(); // nothing committed: nothing to wait for
      await assert.rejects(group.run(insert(db, 'a')), /could not be fsynced/);
      // The commit happened: a retry of the same write must be recognised as done (the event store's
      // idempotent append does that).
      assert.deepEqual(values(db), ['a']);
      await assert.rejects(group.whenDurable(), /ENOENT/);
      db.exec("INSERT INTO t (v) VALUES ('b')");
      await assert.rejects(group.sync(), /ENOENT/);
      await group.close();
    }));
});
