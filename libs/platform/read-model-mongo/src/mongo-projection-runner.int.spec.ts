import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import mongoose from 'mongoose';
import type { EventEnvelope } from '@ringback/contracts';
import { InMemoryEventStore } from '@ringback/in-memory';
import {
  ProjectionRunner,
  type Checkpoint,
  type PositionedDoc,
  type Projection,
  type ReadModelDoc,
  type ReadModelOp,
  type ReadModelStore,
} from '@ringback/platform-core';
import { eventually, requireInfra, thingHappened, uniqueSuffix } from '@ringback/testing';
import { MongoReadModelStore } from './mongo-read-model-store';

// ProjectionRunner over FerretDB: the batches, the position guard and the checkpoint written last,
// against the real server's upsert and duplicate-key behaviour.

const dbName = `rb_pr_${uniqueSuffix()}`;
const mongoUrl = process.env['MONGO_URL'];
const CASE = { timeout: 60_000 };

after(async () => {
  if (!mongoUrl) return;
  const connection = await mongoose.createConnection(mongoUrl, { dbName }).asPromise();
  await connection.dropDatabase();
  await connection.close();
});

interface CounterDoc extends ReadModelDoc {
  count: number;
  sum: number;
}

/** Per-stream counters (a negative n deletes the stream's document) and one total every event touches. */
function counters(id: string, options: { version?: number; scale?: number } = {}) {
  const streams = `${id}_streams`;
  const totals = `${id}_totals`;
  const scale = options.scale ?? 1;
  const handled: bigint[] = [];
  const projection: Projection = {
    id,
    version: options.version ?? 1,
    collections: [streams, totals],
    categories: ['thing'],
    async handle(event, position, ctx) {
      handled.push(position);
      const n = (event.data as { n: number }).n;
      const total = await ctx.get<CounterDoc>(totals, 'all');
      const ops: ReadModelOp[] = [
        {
          kind: 'upsert',
          collection: totals,
          doc: { id: 'all', count: (total?.count ?? 0) + scale, sum: (total?.sum ?? 0) + n },
          position,
        },
      ];
      if (n < 0) ops.push({ kind: 'delete', collection: streams, id: event.streamId, position });
      else {
        const doc = await ctx.get<CounterDoc>(streams, event.streamId);
        ops.push({
          kind: 'upsert',
          collection: streams,
          doc: { id: event.streamId, count: (doc?.count ?? 0) + scale, sum: (doc?.sum ?? 0) + n },
          position,
        });
      }
      return ops;
    },
  };
  const expected = (events: readonly EventEnvelope[]) => {
    const byStream = new Map<string, CounterDoc>();
    let count = 0;
    let sum = 0;
    for (const e of events) {
      const n = (e.data as { n: number }).n;
      count += scale;
      sum += n;
      if (n < 0) byStream.delete(e.streamId);
      else {
        const s = byStream.get(e.streamId);
        byStream.set(e.streamId, { id: e.streamId, count: (s?.count ?? 0) + scale, sum: (s?.sum ?? 0) + n });
      }
    }
    return {
      streams: [...byStream.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
      totals: events.length ? [{ id: 'all', count, sum }] : [],
    };
  };
  const read = async (readModels: ReadModelStore) => ({
    streams: await readModels.find<CounterDoc>(streams, {}, { sort: { field: 'id', direction: 1 } }),
    totals: await readModels.find<CounterDoc>(totals),
  });
  return { projection, handled, expected, read };
}

async function appendEvents(store: InMemoryEventStore, count: number, offset = 0): Promise<EventEnvelope[]> {
  const streams = ['thing-a', 'thing-b', 'thing-c'];
  const out: EventEnvelope[] = [];
  for (let i = offset; i < offset + count; i++) {
    const streamId = streams[i % streams.length]!;
    const e = thingHappened(streamId, i % 7 === 6 ? -1 : i);
    await store.appendToStream(streamId, [e], { expectedRevision: 'any' });
    out.push(e);
  }
  return out;
}

const newEventStore = (): InMemoryEventStore =>
  new InMemoryEventStore({
    onSubscriptionError: () => undefined,
    retry: { initialBackoffMs: 1, maxBackoffMs: 20 },
  });

/** Writes part of the next batch under the checkpoint already stored, then "dies": every later call fails. */
class CrashingStore implements ReadModelStore {
  dead = false;
  readonly getPositioned: (c: string, ids: readonly string[]) => Promise<Map<string, PositionedDoc>>;

  constructor(
    private readonly inner: MongoReadModelStore,
    private readonly keep: (ops: readonly ReadModelOp[]) => number,
  ) {
    this.getPositioned = (c, ids) => this.alive(() => inner.getPositioned(c, ids));
  }

  get<T extends ReadModelDoc>(c: string, id: string): Promise<T | null> {
    return this.alive(() => this.inner.get<T>(c, id));
  }
  getMany<T extends ReadModelDoc>(c: string, ids: readonly string[]): Promise<Map<string, T>> {
    return this.alive(() => this.inner.getMany<T>(c, ids));
  }
  find<T extends ReadModelDoc>(c: string, f?: Record<string, unknown>): Promise<T[]> {
    return this.alive(() => this.inner.find<T>(c, f));
  }
  count(c: string, f?: Record<string, unknown>): Promise<number> {
    return this.alive(() => this.inner.count(c, f));
  }
  getCheckpoint(p: string): Promise<Checkpoint | null> {
    return this.alive(() => this.inner.getCheckpoint(p));
  }
  reset(p: string, c: readonly string[]): Promise<void> {
    return this.alive(() => this.inner.reset(p, c));
  }
  async close(): Promise<void> {
    // The wrapped store outlives the simulated process.
  }
  applyBatch(ops: readonly ReadModelOp[], checkpoint: Checkpoint): Promise<void> {
    return this.alive(async () => {
      const previous = await this.inner.getCheckpoint(checkpoint.processorId);
      assert.ok(previous, 'the crash scenario needs a stored checkpoint to fall back to');
      await this.inner.applyBatch(ops.slice(0, this.keep(ops)), previous);
      this.dead = true;
      throw new Error('simulated crash after the ops, before the checkpoint');
    });
  }
  private async alive<T>(work: () => Promise<T>): Promise<T> {
    if (this.dead) throw new Error('store of a crashed process');
    return work();
  }
}

async function withMongo(
  t: TestContext,
  work: (readModels: MongoReadModelStore, id: string) => Promise<void>,
): Promise<void> {
  const uri = requireInfra(t, 'mongo');
  if (!uri) return;
  const readModels = new MongoReadModelStore({ uri, dbName });
  try {
    await work(readModels, `p${uniqueSuffix().replace(/-/g, '_')}`);
  } finally {
    await readModels.close();
  }
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('ProjectionRunner on MongoReadModelStore (FerretDB)', () => {
  for (const batchSize of [1, 250]) {
    it(`counts exactly once with batches of ${batchSize}, then resumes from its checkpoint`, CASE, (t) =>
      withMongo(t, async (readModels, id) => {
        const store = newEventStore();
        const first = await appendEvents(store, 40);
        const c = counters(id);
        const runner = new ProjectionRunner({ store, readModels, projection: c.projection, batchSize });
        // Stopped whatever happens: a runner left running would retry its writes after the store closed.
        const running: ProjectionRunner[] = [runner];
        try {
          await runner.start();
          await runner.whenCaughtUp();
          assert.deepEqual(await c.read(readModels), c.expected(first));
          assert.deepEqual(await readModels.getCheckpoint(id), {
            processorId: id,
            position: await store.headPosition(),
            version: 1,
          });
          await runner.stop();

          const second = await appendEvents(store, 20, 40);
          const resumed = counters(id);
          const runner2 = new ProjectionRunner({
            store,
            readModels,
            projection: resumed.projection,
            batchSize,
          });
          running.push(runner2);
          await runner2.start();
          await runner2.whenCaughtUp();
          assert.equal(resumed.handled.length, 20);
          assert.deepEqual(await c.read(readModels), c.expected([...first, ...second]));

          // Live appends reach the read model through the flush timer alone.
          const third = await appendEvents(store, 5, 60);
          // The flush writes the totals and the per-stream documents one after the other: wait for all.
          const expected = c.expected([...first, ...second, ...third]);
          await eventually(async () => JSON.stringify(await c.read(readModels)) === JSON.stringify(expected));
          assert.deepEqual(await c.read(readModels), expected);
        } finally {
          for (const r of running) await r.stop().catch(() => undefined);
          await store.close();
        }
      }),
    );
  }

  it('replays from a rewound checkpoint, and rebuilds, to the same read model', CASE, (t) =>
    withMongo(t, async (readModels, id) => {
      const store = newEventStore();
      const events = await appendEvents(store, 45);
      const c = counters(id);
      const runner = new ProjectionRunner({ store, readModels, projection: c.projection, batchSize: 100 });
      await runner.start();
      await runner.whenCaughtUp();
      await runner.stop();
      const expected = c.expected(events);
      assert.deepEqual(await c.read(readModels), expected);

      for (const rewindTo of [0n, 20n]) {
        await readModels.applyBatch([], { processorId: id, position: rewindTo, version: 1 });
        const replay = counters(id);
        const again = new ProjectionRunner({
          store,
          readModels,
          projection: replay.projection,
          batchSize: 100,
        });
        await again.start();
        await again.whenCaughtUp();
        await again.stop();
        assert.equal(replay.handled.length, 45 - Number(rewindTo));
        assert.deepEqual(await c.read(readModels), expected, `after a replay from ${rewindTo}`);
      }

      const rebuilt = counters(id);
      const rebuilding = new ProjectionRunner({
        store,
        readModels,
        projection: rebuilt.projection,
        batchSize: 100,
      });
      await rebuilding.start();
      await rebuilding.rebuild();
      await rebuilding.whenCaughtUp();
      assert.equal(rebuilt.handled.length, 45);
      assert.deepEqual(await c.read(readModels), expected);
      await rebuilding.stop();
      await store.close();
    }),
  );

  it('rebuilds from zero when the projection version changes', CASE, (t) =>
    withMongo(t, async (readModels, id) => {
      const store = newEventStore();
      const events = await appendEvents(store, 15);
      const v1 = new ProjectionRunner({ store, readModels, projection: counters(id).projection });
      await v1.start();
      await v1.whenCaughtUp();
      await v1.stop();

      const c2 = counters(id, { version: 2, scale: 10 });
      const v2 = new ProjectionRunner({ store, readModels, projection: c2.projection });
      await v2.start();
      await v2.whenCaughtUp();
      assert.equal(c2.handled.length, 15);
      assert.deepEqual(await c2.read(readModels), c2.expected(events));
      assert.equal((await readModels.getCheckpoint(id))?.version, 2);
      await v2.stop();
      await store.close();
    }),
  );

  for (const [label, keep] of [
    ['all ops of the crashed batch written', (ops: readonly ReadModelOp[]) => ops.length],
    ['half of them written', (ops: readonly ReadModelOp[]) => Math.floor(ops.length / 2)],
  ] as const) {
    it(`a crash between ops and checkpoint does not double-apply on restart (${label})`, CASE, (t) =>
      withMongo(t, async (readModels, id) => {
        const store = newEventStore();
        const first = await appendEvents(store, 10);
        const c = counters(id);
        const healthy = new ProjectionRunner({ store, readModels, projection: c.projection });
        await healthy.start();
        await healthy.whenCaughtUp();
        await healthy.stop();
        const checkpoint = await readModels.getCheckpoint(id);

        const second = await appendEvents(store, 30, 10);
        const crashing = new CrashingStore(readModels, keep);
        // Batches of 10: the crash hits the first of three, and the restart replays all in one batch.
        const doomed = new ProjectionRunner({
          store,
          readModels: crashing,
          projection: counters(id).projection,
          batchSize: 10,
          logger: quiet,
        });
        await doomed.start();
        const caughtUp = doomed.whenCaughtUp().catch((error: unknown) => error);
        await eventually(() => crashing.dead);
        await doomed.stop().catch(() => undefined);
        assert.ok((await caughtUp) instanceof Error);
        assert.deepEqual(await readModels.getCheckpoint(id), checkpoint);

        const after = new ProjectionRunner({
          store,
          readModels,
          projection: counters(id).projection,
          batchSize: 1000,
        });
        await after.start();
        await after.whenCaughtUp();
        assert.deepEqual(await c.read(readModels), c.expected([...first, ...second]));
        await after.stop();
        await store.close();
      }),
    );
  }
});
