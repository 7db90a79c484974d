import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Registry } from 'prom-client';
import { eventStoreContract, eventually, thingHappened } from '@ringback/testing';
import { WrongExpectedRevisionError } from '@ringback/platform-core';
import { SqliteCheckpointStore } from './sqlite-checkpoint-store';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store';

const quiet = { onSubscriptionError: () => undefined };

function tempDir(): { dir: string; file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ringback-sqlite-'));
  return { dir, file: join(dir, 'events.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** How many times the store's histogram `ringback_event_store_<name>` observed. */
const observed = async (r: Registry, name: string): Promise<number> =>
  (await r.getSingleMetric(`ringback_event_store_${name}`)!.get()).values.find(
    (v) => (v as { metricName?: string }).metricName === `ringback_event_store_${name}_count`,
  )!.value;

const ids = (events: readonly { envelope: { eventId: string } }[]): string[] =>
  events.map((e) => e.envelope.eventId);

/** Runs `test` with a store and a second connection to its file (`other`), then closes both. */
async function withTwoConnections(
  options: Partial<SqliteEventStoreOptions>,
  test: (store: SqliteEventStore, other: SqliteEventStore, file: string) => Promise<void>,
): Promise<void> {
  const tmp = tempDir();
  const store = new SqliteEventStore({ ...options, path: tmp.file, ...quiet });
  const other = new SqliteEventStore({ path: tmp.file, ...quiet });
  try {
    await test(store, other, tmp.file);
  } finally {
    await store.close();
    await other.close();
    tmp.remove();
  }
}

eventStoreContract('SqliteEventStore', async () => {
  const tmp = tempDir();
  const store = new SqliteEventStore({ path: tmp.file, ...quiet });
  return {
    store,
    cleanup: async () => {
      await store.close();
      tmp.remove();
    },
  };
});

eventStoreContract('SqliteEventStore (:memory:)', async () => {
  const store = new SqliteEventStore({ path: ':memory:', ...quiet });
  return { store, cleanup: () => store.close() };
});

describe('SqliteEventStore on a file', () => {
  it('opens in WAL mode: commits with synchronous=NORMAL and its own fsync of the log, or FULL when asked', async () => {
    const tmp = tempDir();
    const store = new SqliteEventStore({ path: tmp.file });
    const onLoop = new SqliteEventStore({ path: join(tmp.dir, 'on-loop.db'), fsyncOffLoop: false });
    try {
      assert.deepEqual({ ...store.database.prepare('PRAGMA journal_mode').get() }, { journal_mode: 'wal' });
      assert.deepEqual({ ...store.database.prepare('PRAGMA synchronous').get() }, { synchronous: 1 });
      assert.deepEqual({ ...onLoop.database.prepare('PRAGMA synchronous').get() }, { synchronous: 2 });
    } finally {
      await store.close();
      await onLoop.close();
      tmp.remove();
    }
  });

  it('counts the fsyncs of its log in ringback_event_store_fsync_seconds (none when fsynced on the loop), its commits in ringback_event_store_commit_seconds and its reads of a stream in ringback_event_store_read_seconds', async () => {
    const tmp = tempDir();
    const registry = new Registry();
    const onLoopRegistry = new Registry();
    const store = new SqliteEventStore({ path: tmp.file, registry, ...quiet });
    const onLoop = new SqliteEventStore({
      path: join(tmp.dir, 'on-loop.db'),
      fsyncOffLoop: false,
      registry: onLoopRegistry,
      ...quiet,
    });
    const count = (r: Registry) => observed(r, 'fsync_seconds');
    const commits = (r: Registry) => observed(r, 'commit_seconds');
    const reads = (r: Registry) => observed(r, 'read_seconds');
    try {
      assert.equal(await count(registry), 0);
      assert.equal(await commits(registry), 0);
      await store.appendToStream('thing-1', [thingHappened('thing-1', 0)], { expectedRevision: 'no_stream' });
      await store.appendToStream('thing-1', [thingHappened('thing-1', 1)], { expectedRevision: 0 });
      assert.equal(await count(registry), 2, 'one fsync per acknowledged append, one after the other');
      await onLoop.appendToStream('thing-1', [thingHappened('thing-1', 1)], {
        expectedRevision: 'no_stream',
      });
      assert.equal(await count(onLoopRegistry), 0, 'SQLite fsyncs inside the commit: nothing to time here');
      // Every group transaction is timed as the loop's, the fsync inside it too when on the loop.
      assert.equal(await commits(registry), 2);
      assert.equal(await commits(onLoopRegistry), 1);
      // Reads of a stream are timed too (those of the whole log are not: memory serves most).
      assert.equal(await reads(registry), 0);
      assert.equal((await store.readStream('thing-1')).length, 2);
      assert.equal((await store.readStream('thing-1', { fromRevision: 1 })).length, 1);
      await store.readAll();
      assert.equal(await reads(registry), 2);
    } finally {
      await store.close();
      await onLoop.close();
      tmp.remove();
    }
  });

  it('times the pauses of its appends for the checkpoints in ringback_event_store_wal_pause_seconds', async () => {
    const tmp = tempDir();
    const registry = new Registry();
    // A log that starts over every 16 pages: a few dozen appends make the checkpointer pause them.
    const store = new SqliteEventStore({
      path: tmp.file,
      registry,
      checkpoints: { restartFrames: 16, intervalMs: 5 },
      ...quiet,
    });
    const count = async (): Promise<number> =>
      (await registry.getSingleMetric('ringback_event_store_wal_pause_seconds')!.get()).values.find(
        (v) => (v as { metricName?: string }).metricName === 'ringback_event_store_wal_pause_seconds_count',
      )!.value;
    try {
      assert.equal(await count(), 0);
      const deadline = Date.now() + 20_000;
      for (let i = 0; (await count()) === 0 && Date.now() < deadline; i++) {
        await store.appendToStream(`thing-${i}`, [thingHappened(`thing-${i}`, 0)], {
          expectedRevision: 'no_stream',
        });
        await new Promise((r) => setTimeout(r, 2));
      }
      assert.ok((await count()) > 0, 'appends were paused at least once, and the pause was timed');
    } finally {
      await store.close();
      tmp.remove();
    }
  });

  it('hides an append from readAll and subscriptions until its fsync is done, when it is acknowledged', async () => {
    const tmp = tempDir();
    const store = new SqliteEventStore({ path: tmp.file, commitIntervalMs: 0, ...quiet });
    const raw = new DatabaseSync(tmp.file, { readOnly: true });
    let seenCommittedNotAcknowledged = 0;
    try {
      for (let i = 0; i < 30; i++) {
        let acknowledged = false;
        const append = store
          .appendToStream(`thing-${i}`, [thingHappened(`thing-${i}`, 0)], { expectedRevision: 'no_stream' })
          .then(() => (acknowledged = true));
        while (!acknowledged) {
          await new Promise((r) => setImmediate(r));
          const committed = Number(raw.prepare('SELECT count(*) AS n FROM events').get()!['n']);
          const visible = (await store.readAll()).length;
          if (acknowledged) break;
          if (committed === i + 1) {
            seenCommittedNotAcknowledged += 1;
            assert.equal(visible, i, 'committed, not yet on disk: not shown');
            // The stream itself is readable (a command deciding on it appends after it, and its own
            // fsync covers both).
            assert.equal((await store.readStream(`thing-${i}`)).length, 1);
          }
        }
        await append;
        assert.equal((await store.readAll()).length, i + 1);
      }
      assert.ok(seenCommittedNotAcknowledged > 0, 'caught an append between its commit and its fsync');
    } finally {
      raw.close();
      await store.close();
      tmp.remove();
    }
  });

  it('keeps events and keeps positions increasing across a reopen', async () => {
    const tmp = tempDir();
    try {
      const first = new SqliteEventStore({ path: tmp.file });
      const e0 = thingHappened('thing-1', 0);
      const r0 = await first.appendToStream('thing-1', [e0], { expectedRevision: 'no_stream' });
      await first.close();

      const second = new SqliteEventStore({ path: tmp.file });
      assert.deepEqual(
        (await second.readStream('thing-1')).map((e) => e.envelope),
        [e0],
      );
      const r1 = await second.appendToStream('thing-1', [thingHappened('thing-1', 1)], {
        expectedRevision: 0,
      });
      assert.ok(r1.position > r0.position);
      assert.equal(await second.headPosition(), r1.position);
      await second.close();
    } finally {
      tmp.remove();
    }
  });

  it('sees appends made through another connection: revision checks and subscriptions by polling', async () => {
    const tmp = tempDir();
    const reader = new SqliteEventStore({ path: tmp.file, pollIntervalMs: 20, ...quiet });
    const writer = new SqliteEventStore({ path: tmp.file });
    try {
      await writer.appendToStream('thing-1', [thingHappened('thing-1', 0)], {
        expectedRevision: 'no_stream',
      });
      await assert.rejects(
        reader.appendToStream('thing-1', [thingHappened('thing-1', 1)], { expectedRevision: 'no_stream' }),
        WrongExpectedRevisionError,
      );

      const seen: string[] = [];
      const sub = reader.subscribe({
        subscriberId: 'poller',
        handler: async (e) => {
          seen.push(e.envelope.eventId);
        },
      });
      await sub.whenCaughtUp();
      assert.equal(seen.length, 1);

      const live = thingHappened('thing-1', 1);
      await writer.appendToStream('thing-1', [live], { expectedRevision: 0 });
      await eventually(() => seen.length === 2);
      assert.equal(seen[1], live.eventId);

      const more = thingHappened('thing-1', 2);
      await writer.appendToStream('thing-1', [more], { expectedRevision: 1 });
      await sub.whenCaughtUp();
      assert.equal(seen[2], more.eventId);
    } finally {
      await reader.close();
      await writer.close();
      tmp.remove();
    }
  });

  it(
    'reads what another connection wrote between its own appends, also from its own recent appends',
    { timeout: 15_000 },
    async () => {
      // Caught-up readers take rows this store appended from memory; a write by anyone else must send
      // them back to the file, whether it came before this store's next append or after its last.
      const tmp = tempDir();
      const a = new SqliteEventStore({ path: tmp.file, pollIntervalMs: 20, ...quiet });
      const b = new SqliteEventStore({ path: tmp.file });
      try {
        const seen: string[] = [];
        const sub = a.subscribe({
          subscriberId: 'mixed',
          categories: ['thing'],
          handler: async (e) => {
            seen.push(e.envelope.eventId);
          },
        });
        const mine = thingHappened('thing-a', 0);
        const { position } = await a.appendToStream('thing-a', [mine], { expectedRevision: 'no_stream' });
        await sub.whenCaughtUp();
        const theirs = thingHappened('thing-b', 0);
        await b.appendToStream('thing-b', [theirs], { expectedRevision: 'no_stream' });
        // After this store's last append, with nothing of its own since.
        assert.deepEqual(
          (await a.readAll({ fromPosition: position })).map((e) => e.envelope.eventId),
          [theirs.eventId],
        );
        assert.deepEqual(
          (await a.readAll({ fromPosition: position, categories: ['thing'] })).map((e) => e.envelope.eventId),
          [theirs.eventId],
        );
        await eventually(() => seen.length === 2);
        // Before its next append.
        const again = thingHappened('thing-a', 1);
        await a.appendToStream('thing-a', [again], { expectedRevision: 0 });
        const theirsAgain = thingHappened('thing-b', 1);
        await b.appendToStream('thing-b', [theirsAgain], { expectedRevision: 0 });
        const last = thingHappened('thing-a', 2);
        await a.appendToStream('thing-a', [last], { expectedRevision: 1 });
        await sub.whenCaughtUp();
        const order = [mine, theirs, again, theirsAgain, last].map((e) => e.eventId);
        assert.deepEqual(seen, order);
        assert.deepEqual(
          (await a.readAll()).map((e) => e.envelope.eventId),
          order,
        );
      } finally {
        await a.close();
        await b.close();
        tmp.remove();
      }
    },
  );

  it('answers a read from its recent appends exactly as the file would', async () => {
    const tmp = tempDir();
    const store = new SqliteEventStore({ path: tmp.file, commitIntervalMs: 0, ...quiet });
    try {
      await store.appendToStream('thing-0', [thingHappened('thing-0', 0)], { expectedRevision: 'no_stream' });
      const start = await store.headPosition();
      // Concurrent appends (one commit for several), batches, several categories, and an append that
      // fails halfway through its batch and is rolled back.
      const appends: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        const streamId = `${['thing', 'other', 'third'][i % 3]}-${i % 5}`;
        appends.push(
          store.appendToStream(streamId, [thingHappened(streamId, i), thingHappened(streamId, i + 100)], {
            expectedRevision: 'any',
          }),
        );
      }
      const broken = thingHappened('thing-9', 1);
      (broken as { data: unknown }).data = { n: 10n }; // JSON.stringify throws on the second insert
      appends.push(
        assert.rejects(
          store.appendToStream('thing-9', [thingHappened('thing-9', 0), broken], { expectedRevision: 'any' }),
        ),
      );
      await Promise.all(appends);
      await store.appendToStream('thing-9', [thingHappened('thing-9', 2)], { expectedRevision: 'no_stream' });

      const file = new SqliteEventStore({ path: tmp.file, ...quiet }); // a fresh connection reads the file
      try {
        const head = await store.headPosition();
        assert.equal(await file.headPosition(), head);
        let compared = 0;
        for (let from = start; from <= head; from += 7n) {
          for (const categories of [undefined, ['thing'], ['other', 'third'], ['none']]) {
            for (const maxCount of [undefined, 0, 3, 50]) {
              const options = { fromPosition: from, ...(categories ? { categories } : {}), maxCount };
              assert.deepEqual(await store.readAll(options), await file.readAll(options));
              compared += 1;
            }
          }
        }
        assert.ok(compared > 100);
      } finally {
        await file.close();
      }
    } finally {
      await store.close();
      tmp.remove();
    }
  });

  it('answers a read past the end of a stream it knows from memory, as the file would, until another connection writes', async () => {
    const registry = new Registry();
    const fileReads = () => observed(registry, 'read_seconds');
    await withTwoConnections({ commitIntervalMs: 0, registry }, async (store, other, file) => {
      const three = [0, 1, 2].map((n) => thingHappened('thing-1', n));
      await store.appendToStream('thing-1', three, { expectedRevision: 'no_stream' });
      assert.equal(await fileReads(), 0);
      assert.deepEqual(await store.readStream('thing-1', { fromRevision: 3 }), []);
      assert.deepEqual(await store.readStream('thing-1', { fromRevision: 9 }), []);
      assert.equal(await fileReads(), 0, 'past the end of its own append: from memory');
      // A read cut by maxCount did not reach the end: it must not be taken for it.
      assert.deepEqual(ids(await store.readStream('thing-1', { maxCount: 1 })), [three[0]!.eventId]);
      assert.deepEqual(
        ids(await store.readStream('thing-1', { fromRevision: 1 })),
        three.slice(1).map((e) => e.eventId),
      );
      const before = await fileReads();
      assert.deepEqual(await store.readStream('thing-none'), []);
      assert.equal(await fileReads(), before, 'a stream the file never had: from memory');

      // Another connection writes: both streams are read from the file again.
      const fourth = thingHappened('thing-1', 3);
      await other.appendToStream('thing-1', [fourth], { expectedRevision: 2 });
      const first = thingHappened('thing-none', 0);
      await other.appendToStream('thing-none', [first], { expectedRevision: 'no_stream' });
      assert.deepEqual(ids(await store.readStream('thing-1', { fromRevision: 3 })), [fourth.eventId]);
      assert.deepEqual(ids(await store.readStream('thing-none')), [first.eventId]);

      // Concurrent appends in one commit, one of them rolled back halfway: every read as the file's.
      const appends: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) {
        const streamId = `thing-${i % 4}`;
        appends.push(
          store.appendToStream(streamId, [thingHappened(streamId, i)], { expectedRevision: 'any' }),
        );
      }
      const broken = thingHappened('thing-2', 1);
      (broken as { data: unknown }).data = { n: 10n }; // JSON.stringify throws on the second insert
      appends.push(
        assert.rejects(
          store.appendToStream('thing-2', [thingHappened('thing-2', 0), broken], { expectedRevision: 'any' }),
        ),
      );
      await Promise.all(appends);
      // And a connection opened now knows the streams already in the file.
      const late = new SqliteEventStore({ path: file, ...quiet });
      try {
        for (const streamId of ['thing-0', 'thing-1', 'thing-2', 'thing-3', 'thing-none'])
          assert.deepEqual(ids(await late.readStream(streamId)), ids(await other.readStream(streamId)));
      } finally {
        await late.close();
      }
      for (const streamId of ['thing-0', 'thing-1', 'thing-2', 'thing-3', 'thing-none', 'thing-9'])
        for (let fromRevision = 0; fromRevision <= 12; fromRevision++)
          for (const maxCount of [undefined, 0, 1, 5]) {
            const options = { fromRevision, ...(maxCount === undefined ? {} : { maxCount }) };
            assert.deepEqual(
              ids(await store.readStream(streamId, options)),
              ids(await other.readStream(streamId, options)),
              `${streamId} ${JSON.stringify(options)}`,
            );
          }
    });
  });

  it('sees a stream another connection created just before its own append, when it notices only after', async () => {
    await withTwoConnections({}, async (store, other) => {
      await store.appendToStream('thing-1', [thingHappened('thing-1', 0)], { expectedRevision: 'no_stream' });
      const theirs = thingHappened('thing-theirs', 0);
      await other.appendToStream('thing-theirs', [theirs], { expectedRevision: 'no_stream' });
      // This store's next rows come after the other's, which its filter does not have yet.
      await store.appendToStream('thing-mine', [thingHappened('thing-mine', 0)], {
        expectedRevision: 'no_stream',
      });
      assert.deepEqual(await store.readStream('thing-1', { fromRevision: 1 }), []); // notices the other's commit
      assert.deepEqual(ids(await store.readStream('thing-theirs')), [theirs.eventId]);
    });
  });

  it('sees a stream another connection creates at the positions of its own append rolled back at commit', async () => {
    await withTwoConnections({}, async (store, other) => {
      await store.appendToStream('thing-1', [thingHappened('thing-1', 0)], { expectedRevision: 'no_stream' });
      // A deferred foreign key that this one append breaks: SQLite refuses its transaction at COMMIT,
      // after every statement of the append has run.
      store.database.exec(`
        PRAGMA foreign_keys = ON;
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE guard (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER doom AFTER INSERT ON events WHEN new.stream_id = 'thing-doomed'
          BEGIN INSERT INTO guard VALUES (1); END;
      `);
      const head = await store.headPosition();
      await assert.rejects(
        store.appendToStream('thing-doomed', [thingHappened('thing-doomed', 0)], {
          expectedRevision: 'no_stream',
        }),
        /FOREIGN KEY/,
      );
      const theirs = thingHappened('thing-theirs', 0);
      const { position } = await other.appendToStream('thing-theirs', [theirs], {
        expectedRevision: 'no_stream',
      });
      assert.equal(position, head + 1n, "the rolled-back append's position, taken again");
      // The first read that notices the other connection's commit brings the filter up to date: from
      // the rows it covers, which must not include the rolled-back append's.
      assert.deepEqual(await store.readStream('thing-1', { fromRevision: 1 }), []);
      assert.deepEqual(ids(await store.readStream('thing-theirs')), [theirs.eventId]);
      assert.deepEqual(await store.readStream('thing-doomed'), []);
    });
  });

  it(
    'keeps every acknowledged append after the writer process is SIGKILLed',
    { timeout: 30_000 },
    async () => {
      const tmp = tempDir();
      try {
        const fixture = resolve(__dirname, 'test-fixtures', 'append-and-ack.fixture.ts');
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, tmp.file], {
          cwd: resolve(__dirname, '../../../..'),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const acks: { position: bigint; ids: string[] }[] = [];
        let buffered = '';
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const exited = new Promise<NodeJS.Signals | null>((done) =>
          child.on('close', (_code, signal) => done(signal)),
        );
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) {
            const [, position, ids] = line.split(' ');
            acks.push({ position: BigInt(position!), ids: ids!.split(',') });
          }
          if (acks.length >= 25) child.kill('SIGKILL');
        });
        const signal = await exited;
        assert.equal(signal, 'SIGKILL', `fixture ended without being killed: ${stderr}`);
        assert.ok(acks.length >= 25, `only ${acks.length} acks before exit`);

        const store = new SqliteEventStore({ path: tmp.file });
        try {
          assert.deepEqual(
            { ...store.database.prepare('PRAGMA integrity_check').get() },
            { integrity_check: 'ok' },
          );
          const all = await store.readAll();
          const byId = new Map(all.map((e) => [e.envelope.eventId, e]));
          assert.equal(byId.size, all.length, 'an event id is stored twice');
          for (const ack of acks) {
            for (const id of ack.ids) assert.ok(byId.has(id), `acknowledged event ${id} was lost`);
            assert.equal(byId.get(ack.ids[1]!)!.position, ack.position);
          }
          // each append is one transaction: never half a batch, whether or not it was acknowledged
          assert.equal(all.length % 2, 0);
          for (let i = 0; i < all.length; i += 2) {
            assert.equal(all[i]!.envelope.streamId, all[i + 1]!.envelope.streamId);
            assert.equal(all[i + 1]!.streamRevision, all[i]!.streamRevision + 1);
          }
        } finally {
          await store.close();
        }
      } finally {
        tmp.remove();
      }
    },
  );
});

describe('SqliteCheckpointStore', () => {
  it('loads null for an unknown processor, then the last saved position', async () => {
    const store = new SqliteCheckpointStore(new SqliteEventStore({ path: ':memory:' }).database);
    assert.equal(await store.load('relay'), null);
    await store.save('relay', 42n);
    await store.save('relay', 43n);
    await store.save('other', 2n ** 62n);
    assert.equal(await store.load('relay'), 43n);
    assert.equal(await store.load('other'), 2n ** 62n);
    await assert.rejects(store.save('relay', -1n), RangeError);
    await assert.rejects(store.save('relay', 2n ** 63n), RangeError);
  });

  it('shares the event store file and survives a reopen', async () => {
    const tmp = tempDir();
    try {
      const events = new SqliteEventStore({ path: tmp.file });
      const shared = new SqliteCheckpointStore(events.database);
      const { position } = await events.appendToStream('thing-1', [thingHappened('thing-1', 0)], {
        expectedRevision: 'no_stream',
      });
      await shared.save('relay', position);
      await shared.close(); // borrowed connection: stays open
      assert.equal(await events.headPosition(), position);
      await events.close();

      const own = new SqliteCheckpointStore({ path: tmp.file });
      assert.equal(await own.load('relay'), position);
      await own.close();
    } finally {
      tmp.remove();
    }
  });
});
