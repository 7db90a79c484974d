import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EmbeddedLogStore } from './embedded-log.store';
import { partitionForKey } from './key-partitioner';

const dirs: string[] = [];
const tempDb = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ringback-log-'));
  dirs.push(dir);
  return join(dir, 'bus.sqlite');
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const holder = (memberId: string) => ({ memberId, host: 'test-host', pid: process.pid });
const never = (): boolean => false;

describe('EmbeddedLogStore writes queued in one turn', () => {
  it('appends them in queue order with consecutive offsets, once the turn ends', async () => {
    const store = new EmbeddedLogStore(tempDb(), 1);
    try {
      store.append('t', 'k', 'before', {}, 1);
      const answers = Promise.all(['a', 'b', 'c'].map((v) => store.appendSoon('t', 'k', v, { h: v }, 2)));
      // Nothing is written before the turn ends.
      assert.equal(store.endOffset('t', 0), 1);
      assert.deepEqual(
        (await answers).map((a) => a.offset),
        [1, 2, 3],
      );
      assert.deepEqual(
        store.read('t', 0, 0, 10).map((r) => [r.offset, r.value, r.headers['h']]),
        [
          [0, 'before', undefined],
          [1, 'a', 'a'],
          [2, 'b', 'b'],
          [3, 'c', 'c'],
        ],
      );
    } finally {
      await store.close();
    }
  });

  it('answers a commit of a member that lost its lease with false, and still applies the rest', async () => {
    const store = new EmbeddedLogStore(tempDb(), 2);
    try {
      assert.ok(store.tryAcquireLease('g', 't', 0, holder('m1'), 0, 60_000, never));
      assert.ok(store.tryAcquireLease('g', 't', 1, holder('m2'), 0, 60_000, never));
      const [held, stolen, appended] = await Promise.all([
        store.commitSoon('g', 't', 0, 5, 'm1'),
        store.commitSoon('g', 't', 1, 7, 'm1'),
        store.appendSoon('t', 'k', 'v', {}, 1),
      ]);
      assert.equal(held, true);
      assert.equal(stolen, false);
      assert.equal(appended.offset, 0);
      assert.equal(store.committed('g', 't', 0), 5);
      assert.equal(store.committed('g', 't', 1), undefined);
    } finally {
      await store.close();
    }
  });

  it('shares one transaction: when it fails every write of it is rejected and none is kept', async () => {
    const path = tempDb();
    const store = new EmbeddedLogStore(path, 1, 50);
    const other = new DatabaseSync(path);
    try {
      assert.ok(store.tryAcquireLease('g', 't', 0, holder('m1'), 0, 60_000, never));
      // Another connection holds the write lock past the busy timeout.
      other.exec('BEGIN IMMEDIATE');
      const writes = [store.appendSoon('t', 'k', 'v', {}, 1), store.commitSoon('g', 't', 0, 1, 'm1')];
      const results = await Promise.allSettled(writes);
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected'],
      );
      assert.match(String((results[0] as PromiseRejectedResult).reason), /locked|busy/i);
      other.exec('ROLLBACK');
      assert.equal(store.endOffset('t', 0), 0);
      assert.equal(store.committed('g', 't', 0), undefined);
      // The queue is not stuck: the next turn's writes go through.
      assert.equal((await store.appendSoon('t', 'k', 'again', {}, 2)).offset, 0);
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('keeps none of the writes of a turn when one of them fails, and never hands one out', async () => {
    const store = new EmbeddedLogStore(tempDb(), 1);
    try {
      await store.appendSoon('t', 'k', 'kept', {}, 1);
      const unencodable = { h: 1n } as unknown as Record<string, string>;
      const results = await Promise.allSettled([
        store.appendSoon('t', 'k', 'rolled back', {}, 1),
        store.appendSoon('t', 'k', 'broken', unencodable, 1),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected'],
      );
      assert.equal(store.endOffset('t', 0), 1);
      assert.deepEqual(
        store.read('t', 0, 0, 10).map((r) => r.value),
        ['kept'],
      );
      assert.equal((await store.appendSoon('t', 'k', 'next', {}, 1)).offset, 1);
    } finally {
      await store.close();
    }
  });

  it('writes what is still queued when synced or closed', async () => {
    const path = tempDb();
    const store = new EmbeddedLogStore(path, 1);
    const queued = store.appendSoon('t', 'k', 'queued', {}, 1);
    await store.close();
    assert.equal((await queued).offset, 0);
    const reopened = new EmbeddedLogStore(path, 1);
    try {
      assert.deepEqual(
        reopened.read('t', 0, 0, 10).map((r) => r.value),
        ['queued'],
      );
    } finally {
      await reopened.close();
    }
    await assert.rejects(reopened.appendSoon('t', 'k', 'after close', {}, 1), /closed/);
  });

  it('syncSoon commits what is queued before it resolves, and fails once closed', async () => {
    const path = tempDb();
    const store = new EmbeddedLogStore(path, 1);
    const other = new DatabaseSync(path);
    try {
      const queued = store.appendSoon('t', 'k', 'queued', {}, 1);
      await store.syncSoon();
      // Another connection sees it: committed (and the log fsynced) when syncSoon resolved.
      const row = other.prepare('SELECT value FROM bus_log WHERE topic = ?').get('t');
      assert.equal(row?.['value'], 'queued');
      assert.equal((await queued).offset, 0);
      // Nothing queued: the fsync alone.
      await store.syncSoon();
    } finally {
      other.close();
      await store.close();
    }
    await assert.rejects(store.syncSoon(), /closed/);
  });

  it('hands its consumers what it appended as the file has it, however the writes were batched', async () => {
    const path = tempDb();
    const store = new EmbeddedLogStore(path, 2);
    const reader = new EmbeddedLogStore(path, 2);
    try {
      store.append('t', 'k1', 'a', { h: '1' }, 1);
      await Promise.all([store.appendSoon('t', 'k1', 'b', {}, 2), store.appendSoon('t', 'k2', 'c', {}, 2)]);
      for (const partition of [0, 1]) {
        assert.deepEqual(store.read('t', partition, 0, 10), reader.read('t', partition, 0, 10));
        assert.deepEqual(store.read('t', partition, 1, 1), reader.read('t', partition, 1, 1));
        assert.equal(store.endOffset('t', partition), reader.endOffset('t', partition));
      }
    } finally {
      await reader.close();
      await store.close();
    }
  });

  it('sees what another connection appended to a partition it appended to, and appends after it', async () => {
    const path = tempDb();
    const store = new EmbeddedLogStore(path, 1);
    const other = new EmbeddedLogStore(path, 1);
    try {
      store.append('t', 'k', 'mine 0', {}, 1);
      await store.appendSoon('t', 'k', 'mine 1', {}, 1);
      other.append('t', 'k', 'theirs 2', {}, 1);
      assert.deepEqual(
        store.read('t', 0, 0, 10).map((r) => r.value),
        ['mine 0', 'mine 1', 'theirs 2'],
      );
      assert.equal(store.endOffset('t', 0), 3);
      other.append('t', 'k', 'theirs 3', {}, 1);
      // Appends go after theirs, not over them.
      assert.equal((await store.appendSoon('t', 'k', 'mine 4', {}, 1)).offset, 4);
      assert.deepEqual(
        other.read('t', 0, 0, 10).map((r) => r.value),
        ['mine 0', 'mine 1', 'theirs 2', 'theirs 3', 'mine 4'],
      );
    } finally {
      await other.close();
      await store.close();
    }
  });
});

describe('EmbeddedLogStore schema', () => {
  it('moves the messages of a file from before bus_log into it, offsets kept, and appends after them', async () => {
    const path = tempDb();
    const k = partitionForKey('k', 2); // where the old file's 'k' went, and where it goes on
    const other = 1 - k;
    const old = new DatabaseSync(path);
    old.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE bus_topics (topic TEXT PRIMARY KEY, partitions INTEGER NOT NULL) STRICT;
      CREATE TABLE bus_messages (
        topic TEXT NOT NULL, part INTEGER NOT NULL, pos INTEGER NOT NULL, key TEXT NOT NULL,
        value TEXT NOT NULL, headers TEXT NOT NULL, appended_at INTEGER NOT NULL,
        PRIMARY KEY (topic, part, pos)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO bus_topics VALUES ('t', 2);
      INSERT INTO bus_messages VALUES ('t', ${k}, 0, 'k', 'one', '{"h":"1"}', 1), ('t', ${k}, 1, 'k', 'two', '{}', 2),
        ('t', ${other}, 0, 'j', 'zero', '{}', 3);
    `);
    old.close();
    const store = new EmbeddedLogStore(path, 2);
    try {
      assert.deepEqual(
        store.read('t', k, 0, 10).map((r) => [r.offset, r.key, r.value, r.headers]),
        [
          [0, 'k', 'one', { h: '1' }],
          [1, 'k', 'two', {}],
        ],
      );
      assert.deepEqual(
        store.read('t', other, 0, 10).map((r) => r.value),
        ['zero'],
      );
      assert.deepEqual(store.append('t', 'k', 'three', {}, 4), { partition: k, offset: 2 });
      const tables = new DatabaseSync(path, { readOnly: true });
      try {
        assert.equal(
          tables.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'bus_messages'").get()!['n'],
          0,
          'the old table is gone',
        );
      } finally {
        tables.close();
      }
    } finally {
      await store.close();
    }
    // Opened again: nothing to move, everything where it was.
    const again = new EmbeddedLogStore(path, 2);
    try {
      assert.deepEqual(
        again.read('t', k, 0, 10).map((r) => r.value),
        ['one', 'two', 'three'],
      );
    } finally {
      await again.close();
    }
  });
});
