import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '@ringback/contracts';
import {
  ProjectionRunner,
  type Checkpoint,
  type PositionedDoc,
  type Projection,
  type ProjectionLogger,
  type ReadModelDoc,
  type ReadModelOp,
  type ReadModelStore,
  type StoredPositions,
} from '@ringback/platform-core';
import { eventually, testRegistry, thingHappened } from '@ringback/testing';
import { InMemoryEventStore } from './in-memory-event-store';
import { InMemoryReadModelStore } from './in-memory-read-model-store';

// The runner lives in platform-core; its unit suite runs here, next to the in-memory stores it needs,
// since core cannot depend on this library.

const STREAMS = 'c_streams';
const TOTALS = 'c_totals';

interface StreamDoc extends ReadModelDoc {
  count: number;
  sum: number;
}

/**
 * Counters, so that an event applied twice shows: per stream (deleted by a negative n, recreated by
 * the next event) and one grand total that every event touches.
 */
function counterProjection(
  options: { version?: number; scale?: number; categories?: string[]; eventTypes?: string[] } = {},
) {
  const handled: bigint[] = [];
  const scale = options.scale ?? 1;
  const projection: Projection = {
    id: 'counters',
    version: options.version ?? 1,
    collections: [STREAMS, TOTALS],
    ...(options.categories ? { categories: options.categories } : {}),
    ...(options.eventTypes ? { eventTypes: options.eventTypes } : {}),
    async handle(event, position, ctx) {
      handled.push(position);
      const n = (event.data as { n: number }).n;
      const total = await ctx.get<StreamDoc>(TOTALS, 'all');
      const ops: ReadModelOp[] = [
        {
          kind: 'upsert',
          collection: TOTALS,
          doc: { id: 'all', count: (total?.count ?? 0) + scale, sum: (total?.sum ?? 0) + n },
          position,
        },
      ];
      if (n < 0) {
        ops.push({ kind: 'delete', collection: STREAMS, id: event.streamId, position });
      } else {
        const doc = await ctx.get<StreamDoc>(STREAMS, event.streamId);
        ops.push({
          kind: 'upsert',
          collection: STREAMS,
          doc: { id: event.streamId, count: (doc?.count ?? 0) + scale, sum: (doc?.sum ?? 0) + n },
          position,
        });
      }
      return ops;
    },
  };
  return { projection, handled };
}

/** What the counters must read after `events`, computed straight from the events. */
function expectedModel(
  events: readonly EventEnvelope[],
  scale = 1,
): { streams: StreamDoc[]; totals: StreamDoc[] } {
  const streams = new Map<string, StreamDoc>();
  let count = 0;
  let sum = 0;
  for (const e of events) {
    const n = (e.data as { n: number }).n;
    count += scale;
    sum += n;
    if (n < 0) streams.delete(e.streamId);
    else {
      const s = streams.get(e.streamId);
      streams.set(e.streamId, { id: e.streamId, count: (s?.count ?? 0) + scale, sum: (s?.sum ?? 0) + n });
    }
  }
  return {
    streams: [...streams.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    totals: events.length ? [{ id: 'all', count, sum }] : [],
  };
}

async function readModel(readModels: ReadModelStore): Promise<{ streams: StreamDoc[]; totals: StreamDoc[] }> {
  return {
    streams: await readModels.find<StreamDoc>(STREAMS, {}, { sort: { field: 'id', direction: 1 } }),
    totals: await readModels.find<StreamDoc>(TOTALS),
  };
}

/** Appends `count` events round-robin over `streams`, one event per append; every seventh has a negative n. */
async function appendEvents(
  store: InMemoryEventStore,
  streams: readonly string[],
  count: number,
  offset = 0,
): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  for (let i = 0; i < count; i++) {
    const streamId = streams[(offset + i) % streams.length]!;
    const n = (offset + i) % 7 === 6 ? -1 : offset + i;
    const e = thingHappened(streamId, n);
    await store.appendToStream(streamId, [e], { expectedRevision: 'any' });
    out.push(e);
  }
  return out;
}

const silentStore = (): InMemoryEventStore =>
  new InMemoryEventStore({
    onSubscriptionError: () => undefined,
    retry: { initialBackoffMs: 1, maxBackoffMs: 20 },
  });

const quietLogger = (): ProjectionLogger & { errors: string[] } => {
  const errors: string[] = [];
  return { errors, info: () => undefined, warn: () => undefined, error: (_f, m) => errors.push(m) };
};

/**
 * Simulates a process dying after some of a batch's ops were written but before the checkpoint:
 * once `crashNext` is set, the next applyBatch writes the first `keep` ops under the checkpoint that
 * was already stored, then throws; the store is dead from then on. It offers positioned reads only
 * when the store it wraps does and `positioned` is set.
 */
class CrashingReadModelStore implements ReadModelStore {
  crashNext = false;
  keep: (ops: readonly ReadModelOp[]) => number = (ops) => ops.length;
  dead = false;
  readonly getPositioned?: (
    collection: string,
    ids: readonly string[],
  ) => Promise<Map<string, PositionedDoc>>;

  constructor(
    private readonly inner: InMemoryReadModelStore,
    positioned: boolean,
  ) {
    if (positioned) this.getPositioned = (c, ids) => this.alive(() => inner.getPositioned(c, ids));
  }

  get<T extends ReadModelDoc>(c: string, id: string): Promise<T | null> {
    return this.alive(() => this.inner.get<T>(c, id));
  }
  getMany<T extends ReadModelDoc>(c: string, ids: readonly string[]): Promise<Map<string, T>> {
    return this.alive(() => this.inner.getMany<T>(c, ids));
  }
  find<T extends ReadModelDoc>(c: string, f?: Record<string, unknown>, o?: { limit?: number }): Promise<T[]> {
    return this.alive(() => this.inner.find<T>(c, f, o));
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
      if (!this.crashNext) return this.inner.applyBatch(ops, checkpoint);
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

/** Counts positioned reads and checks every stored position a writer tells against the store. */
class WatchedReadModelStore extends InMemoryReadModelStore {
  positionedReads = 0;
  hints = 0;
  readonly wrongHints: string[] = [];
  /** The write of this number (1 = the first) stores its first op, then fails. */
  failWrite = 0;
  private writes = 0;

  override getPositioned<T extends ReadModelDoc>(c: string, ids: readonly string[]) {
    this.positionedReads += 1;
    return super.getPositioned<T>(c, ids);
  }

  override async applyBatch(
    ops: readonly ReadModelOp[],
    checkpoint: Checkpoint,
    stored?: StoredPositions,
  ): Promise<void> {
    for (const op of ops) {
      const id = op.kind === 'upsert' ? op.doc.id : op.id;
      const told = stored?.(op.collection, id);
      if (told === undefined) continue;
      this.hints += 1;
      const actual = (await super.getPositioned(op.collection, [id])).get(id)?.position ?? null;
      if (actual !== told) this.wrongHints.push(`${op.collection}/${id}: told ${told}, stored ${actual}`);
    }
    this.writes += 1;
    if (this.writes === this.failWrite) {
      const previous = await this.getCheckpoint(checkpoint.processorId);
      await super.applyBatch(ops.slice(0, 1), previous ?? { ...checkpoint, position: 0n });
      throw new Error('simulated failed write');
    }
    return super.applyBatch(ops, checkpoint);
  }
}

describe('ProjectionRunner', () => {
  for (const batchSize of [1, 3, 1000]) {
    it(`counts per stream and in total, exactly once, with batches of ${batchSize}`, async () => {
      const store = silentStore();
      const readModels = new InMemoryReadModelStore();
      const events = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 40);
      // Another category, which the projection does not follow.
      await appendEvents(store, ['other-x'], 5);
      const { projection } = counterProjection({ categories: ['thing'] });
      const runner = new ProjectionRunner({ store, readModels, projection, batchSize });
      await runner.start();
      await runner.whenCaughtUp();

      assert.deepEqual(await readModel(readModels), expectedModel(events));
      const lastThing = (await store.readAll({ categories: ['thing'] })).at(-1)!.position;
      assert.deepEqual(await readModels.getCheckpoint('counters'), {
        processorId: 'counters',
        position: lastThing,
        version: 1,
      });
      assert.equal(runner.checkpointedPosition, lastThing);
      await runner.stop();
      await store.close();
    });
  }

  it('whenCaughtUp resolves only once everything stored at call time is in the read model', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    const { projection } = counterProjection();
    // A long flush delay: only whenCaughtUp itself can get the ops written in time.
    const runner = new ProjectionRunner({
      store,
      readModels,
      projection,
      batchSize: 1000,
      maxFlushDelayMs: 60_000,
    });
    await runner.start();
    let appended = 0;
    const background = (async () => {
      for (let i = 0; i < 60; i++) {
        await appendEvents(store, ['thing-bg'], 1, i);
        appended += 1;
        await new Promise((r) => setImmediate(r));
      }
    })();
    while (appended < 60) {
      const before = appended;
      await runner.whenCaughtUp();
      const total = (await readModels.get<StreamDoc>(TOTALS, 'all'))?.count ?? 0;
      assert.ok(total >= before, `read model has ${total} events, ${before} were stored before the call`);
      // The in-memory stores answer in microtasks only; let the appending loop run.
      await new Promise((r) => setImmediate(r));
    }
    await background;
    await runner.whenCaughtUp();
    assert.equal((await readModels.get<StreamDoc>(TOTALS, 'all'))?.count, 60);
    await runner.stop();
    await store.close();
  });

  it('follows live appends and writes them within maxFlushDelayMs without being asked', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    const { projection } = counterProjection();
    const runner = new ProjectionRunner({
      store,
      readModels,
      projection,
      batchSize: 1000,
      maxFlushDelayMs: 10,
    });
    await runner.start();
    const events = await appendEvents(store, ['thing-a', 'thing-b'], 25);
    await eventually(async () => (await readModels.get<StreamDoc>(TOTALS, 'all'))?.count === 25);
    assert.deepEqual(await readModel(readModels), expectedModel(events));
    await runner.stop();
    await store.close();
  });

  it('buffers ops until a write is due, and stop() writes them with the checkpoint', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    const { projection, handled } = counterProjection();
    const runner = new ProjectionRunner({
      store,
      readModels,
      projection,
      batchSize: 1000,
      maxFlushDelayMs: 60_000,
    });
    await runner.start();
    const events = await appendEvents(store, ['thing-a', 'thing-b'], 10);
    await eventually(() => handled.length === 10);
    assert.equal(await readModels.count(TOTALS), 0, 'nothing written before the batch is due');
    await runner.stop();
    assert.deepEqual(await readModel(readModels), expectedModel(events));
    assert.equal((await readModels.getCheckpoint('counters'))?.position, await store.headPosition());
    await store.close();
  });

  it('resumes from its checkpoint after stop/start, handling only the new events', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    const first = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 20);
    const one = counterProjection();
    const runner1 = new ProjectionRunner({ store, readModels, projection: one.projection, batchSize: 4 });
    await runner1.start();
    await runner1.whenCaughtUp();
    await runner1.stop();
    const checkpoint = (await readModels.getCheckpoint('counters'))!.position;

    const second = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 15, 20);
    const two = counterProjection();
    const runner2 = new ProjectionRunner({ store, readModels, projection: two.projection, batchSize: 4 });
    await runner2.start();
    await runner2.whenCaughtUp();

    assert.equal(two.handled.length, 15);
    assert.ok(two.handled.every((p) => p > checkpoint));
    assert.deepEqual(await readModel(readModels), expectedModel([...first, ...second]));
    await runner2.stop();
    await store.close();
  });

  it('rebuilds from zero when the projection version changes', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    const events = await appendEvents(store, ['thing-a', 'thing-b'], 12);
    const v1 = new ProjectionRunner({ store, readModels, projection: counterProjection().projection });
    await v1.start();
    await v1.whenCaughtUp();
    await v1.stop();
    // A document only version 1 wrote; the rebuild must drop it.
    await readModels.applyBatch(
      [{ kind: 'upsert', collection: STREAMS, doc: { id: 'legacy', count: 0, sum: 0 }, position: 1000n }],
      {
        processorId: 'counters',
        position: await store.headPosition(),
        version: 1,
      },
    );

    const two = counterProjection({ version: 2, scale: 10 });
    const v2 = new ProjectionRunner({ store, readModels, projection: two.projection, batchSize: 5 });
    await v2.start();
    await v2.whenCaughtUp();
    assert.equal(two.handled.length, 12, 'every event handled again');
    assert.deepEqual(await readModel(readModels), expectedModel(events, 10));
    assert.equal((await readModels.getCheckpoint('counters'))?.version, 2);
    await v2.stop();

    // Same version again: a plain resume, nothing handled.
    const again = counterProjection({ version: 2, scale: 10 });
    const v2b = new ProjectionRunner({ store, readModels, projection: again.projection });
    await v2b.start();
    await v2b.whenCaughtUp();
    assert.equal(again.handled.length, 0);
    await v2b.stop();
    await store.close();
  });

  it('rebuild() drops the read model and replays everything to the same result', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    const events = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 30);
    const { projection, handled } = counterProjection();
    const runner = new ProjectionRunner({ store, readModels, projection, batchSize: 7 });
    await runner.start();
    await runner.whenCaughtUp();
    await readModels.applyBatch(
      [{ kind: 'upsert', collection: STREAMS, doc: { id: 'stray', count: 1, sum: 1 }, position: 10_000n }],
      {
        processorId: 'counters',
        position: await store.headPosition(),
        version: 1,
      },
    );

    await runner.rebuild();
    await runner.whenCaughtUp();
    assert.equal(handled.length, 60);
    assert.deepEqual(await readModel(readModels), expectedModel(events));
    await runner.stop();
    await store.close();
  });

  for (const batchSize of [1, 1000]) {
    it(`replaying a range again changes nothing (rewound checkpoint, batches of ${batchSize})`, async () => {
      const store = silentStore();
      const readModels = new InMemoryReadModelStore();
      const events = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 28);
      const runner = new ProjectionRunner({
        store,
        readModels,
        projection: counterProjection().projection,
        batchSize,
      });
      await runner.start();
      await runner.whenCaughtUp();
      await runner.stop();
      const head = await store.headPosition();
      const expected = expectedModel(events);
      assert.deepEqual(await readModel(readModels), expected);

      for (const rewindTo of [0n, 5n, head - 3n, head]) {
        await readModels.applyBatch([], { processorId: 'counters', position: rewindTo, version: 1 });
        const replay = counterProjection();
        const again = new ProjectionRunner({ store, readModels, projection: replay.projection, batchSize });
        await again.start();
        await again.whenCaughtUp();
        await again.stop();
        assert.equal(replay.handled.length, Number(head - rewindTo), `replayed from ${rewindTo}`);
        assert.deepEqual(await readModel(readModels), expected, `after a replay from ${rewindTo}`);
        assert.equal((await readModels.getCheckpoint('counters'))?.position, head);
      }
      await store.close();
    });
  }

  for (const positioned of [true, false]) {
    const all = (ops: readonly ReadModelOp[]): number => ops.length;
    const half = (ops: readonly ReadModelOp[]): number => Math.floor(ops.length / 2);
    // [label, batch size before the crash, ops of the crashed batch that got written, batch size after]
    for (const [label, batchSize, keep, batchSizeAfter] of [
      ['every buffered op written', 1000, all, 1000],
      ['the first of several batches written, replayed in one batch', 10, all, 1000],
      ['half of the first batch written, replayed in one batch', 10, half, 1000],
      ['the first of several batches written, replayed in the same batches', 4, all, 4],
    ] as const) {
      it(`a crash between ops and checkpoint does not double-apply on restart (${label}, ${positioned ? 'positioned reads' : 'plain store'})`, async () => {
        const store = silentStore();
        const inner = new InMemoryReadModelStore();
        const first = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 10);
        const healthy = new ProjectionRunner({
          store,
          readModels: inner,
          projection: counterProjection().projection,
          batchSize,
        });
        await healthy.start();
        await healthy.whenCaughtUp();
        await healthy.stop();
        const checkpoint = await inner.getCheckpoint('counters');

        const second = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 25, 10);
        const crashing = new CrashingReadModelStore(inner, positioned);
        crashing.keep = keep;
        crashing.crashNext = true;
        const doomed = new ProjectionRunner({
          store,
          readModels: crashing,
          projection: counterProjection().projection,
          batchSize,
          logger: quietLogger(),
        });
        await doomed.start();
        // The crash hits whichever write comes first: a full batch inside the handler, the flush timer, or this.
        const caughtUp = doomed.whenCaughtUp().catch((error: unknown) => error);
        await eventually(() => crashing.dead);
        await doomed.stop().catch(() => undefined);
        assert.ok((await caughtUp) instanceof Error, 'the crashed runner never reports caught up');
        assert.deepEqual(await inner.getCheckpoint('counters'), checkpoint, 'the checkpoint did not move');
        assert.notDeepEqual(
          await readModel(inner),
          expectedModel(first),
          'some ops of the crashed batch are stored',
        );

        const restarted = new CrashingReadModelStore(inner, positioned);
        const after = new ProjectionRunner({
          store,
          readModels: restarted,
          projection: counterProjection().projection,
          batchSize: batchSizeAfter,
        });
        await after.start();
        await after.whenCaughtUp();
        assert.deepEqual(await readModel(inner), expectedModel([...first, ...second]));
        await after.stop();
        await store.close();
      });
    }
  }

  it('from zero, reads nothing back from the store and tells it the stored positions, which are true', async () => {
    const store = silentStore();
    const readModels = new WatchedReadModelStore();
    const events = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 40);
    const runner = new ProjectionRunner({
      store,
      readModels,
      projection: counterProjection().projection,
      batchSize: 3,
    });
    await runner.start();
    await runner.whenCaughtUp();
    assert.deepEqual(await readModel(readModels), expectedModel(events));
    assert.equal(readModels.positionedReads, 0, 'every document came from its own writes');
    assert.ok(readModels.hints > 20, `positions told for the documents of each batch (${readModels.hints})`);
    assert.deepEqual(readModels.wrongHints, []);
    // Resumed by another runner, which has seen nothing: it reads what it needs, and what it tells is true.
    await runner.stop();
    const more = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 10, 40);
    const resumed = new ProjectionRunner({
      store,
      readModels,
      projection: counterProjection().projection,
      batchSize: 3,
    });
    await resumed.start();
    await resumed.whenCaughtUp();
    assert.deepEqual(await readModel(readModels), expectedModel([...events, ...more]));
    assert.ok(readModels.positionedReads > 0);
    assert.deepEqual(readModels.wrongHints, []);
    await resumed.stop();
    await store.close();
  });

  it('built from zero, stops keeping the keys it wrote once it handles live events (they would only grow)', async () => {
    const store = silentStore();
    const readModels = new WatchedReadModelStore();
    const events = await appendEvents(store, ['thing-a', 'thing-b', 'thing-c'], 40);
    const runner = new ProjectionRunner({
      store,
      readModels,
      projection: counterProjection().projection,
      batchSize: 8,
      maxFlushDelayMs: 1,
    });
    await runner.start();
    await runner.whenCaughtUp();
    assert.equal(readModels.positionedReads, 0, 'the build from zero reads nothing back');
    // Live: one event at a time, each written on its own. A stream it never wrote is looked up in the
    // store now, as after a restart, instead of being known absent from the set of written keys.
    const live: EventEnvelope[] = [];
    for (let i = 0; i < 4; i++) {
      live.push(...(await appendEvents(store, [`thing-new-${i}`], 1, 40 + i)));
      await runner.whenCaughtUp();
    }
    assert.deepEqual(await readModel(readModels), expectedModel([...events, ...live]));
    assert.ok(readModels.positionedReads >= 2, `looked up the new streams (${readModels.positionedReads})`);
    assert.deepEqual(readModels.wrongHints, []);
    await runner.stop();
    await store.close();
  });

  it('after a failed write, reads the store again instead of trusting what it remembered', async () => {
    const store = silentStore();
    const readModels = new WatchedReadModelStore();
    const events = await appendEvents(store, ['thing-a', 'thing-b'], 12);
    const runner = new ProjectionRunner({
      store,
      readModels,
      projection: counterProjection().projection,
      batchSize: 4,
      maxFlushDelayMs: 1,
      logger: quietLogger(),
    });
    // The second write lands its first op, then fails: the store is ahead of the runner's memory.
    readModels.failWrite = 2;
    await runner.start();
    await eventually(async () => (await readModels.getCheckpoint('counters'))?.position === 12n);
    assert.deepEqual(await readModel(readModels), expectedModel(events));
    assert.ok(readModels.positionedReads > 0, 'read back after the failure');
    assert.deepEqual(readModels.wrongHints, []);
    await runner.stop();
    await store.close();
  });

  it('upcasts events through the registry before the projection sees them', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    const v1 = thingHappened('thing-old', 4, { schemaVersion: 1, data: { n: 4 } } as never);
    await store.appendToStream('thing-old', [v1], { expectedRevision: 'no_stream' });
    const seen: unknown[] = [];
    const projection: Projection = {
      id: 'labels',
      version: 1,
      collections: ['labels'],
      async handle(event, position) {
        seen.push(event.data);
        return [
          {
            kind: 'upsert',
            collection: 'labels',
            doc: { id: event.streamId, ...(event.data as object) },
            position,
          },
        ];
      },
    };
    const runner = new ProjectionRunner({ store, readModels, projection, registry: testRegistry() });
    await runner.start();
    await runner.whenCaughtUp();
    assert.deepEqual(seen, [{ n: 4, label: 'v1' }]);
    assert.deepEqual(await readModels.get('labels', 'thing-old'), { id: 'thing-old', n: 4, label: 'v1' });
    await runner.stop();
    await store.close();
  });

  it('hands the projection only the event types it asks for, yet moves the checkpoint past the others', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    const counted = await appendEvents(store, ['thing-a'], 3);
    await store.appendToStream('thing-a', [thingHappened('thing-a', 100, { type: 'OtherHappened' })], {
      expectedRevision: 'any',
    });
    const { projection, handled } = counterProjection({ eventTypes: ['ThingHappened'] });
    const runner = new ProjectionRunner({ store, readModels, projection });
    await runner.start();
    await runner.whenCaughtUp();
    assert.equal(handled.length, 3);
    assert.deepEqual(await readModel(readModels), expectedModel(counted));
    assert.equal((await readModels.getCheckpoint('counters'))?.position, await store.headPosition());
    await runner.stop();
    await store.close();
  });

  it('refuses ops on collections the projection does not own, writing nothing of that event', async () => {
    const store = silentStore();
    const readModels = new InMemoryReadModelStore();
    await appendEvents(store, ['thing-a'], 1);
    const logger = quietLogger();
    const projection: Projection = {
      id: 'rogue',
      version: 1,
      collections: ['mine'],
      async handle(event, position) {
        return [{ kind: 'upsert', collection: 'theirs', doc: { id: event.streamId }, position }];
      },
    };
    const runner = new ProjectionRunner({ store, readModels, projection, logger });
    await runner.start();
    await eventually(() => logger.errors.length >= 2);
    await runner.stop();
    assert.equal(await readModels.count('theirs'), 0);
    assert.equal(await readModels.getCheckpoint('rogue'), null);
    await store.close();
  });

  it('refuses to start twice and to wait for catch-up when not running', async () => {
    const store = silentStore();
    const runner = new ProjectionRunner({
      store,
      readModels: new InMemoryReadModelStore(),
      projection: counterProjection().projection,
    });
    await assert.rejects(runner.whenCaughtUp(), /not running/);
    await runner.start();
    await assert.rejects(runner.start(), /already running/);
    await runner.stop();
    await runner.stop();
    await store.close();
  });
});
