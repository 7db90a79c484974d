import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  hasPositionedReads,
  type Checkpoint,
  type ReadModelDoc,
  type ReadModelOp,
  type ReadModelStore,
} from '@ringback/platform-core';

/**
 * Hands out a store for one case, or undefined when the case cannot run here (after `requireInfra`
 * marked it skipped). The contract closes the store at the end of the case.
 */
export type ReadModelStoreFactory = (t: TestContext) => Promise<ReadModelStore | undefined>;

const CASE = { timeout: 30_000 };

/** Names nobody else uses, so cases stay independent on a shared database. */
const fresh = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** Beyond Number.MAX_SAFE_INTEGER: positions that a trip through a JS number would corrupt. */
const BIG = 2n ** 53n;

const up = (collection: string, doc: ReadModelDoc, position: bigint): ReadModelOp => ({
  kind: 'upsert',
  collection,
  doc,
  position,
});
const del = (collection: string, id: string, position: bigint): ReadModelOp => ({
  kind: 'delete',
  collection,
  id,
  position,
});

/**
 * The behaviour every ReadModelStore adapter must show, as node:test cases. Filters are equality on
 * top-level scalar fields (strings, numbers, booleans, null matching a missing field); ties in a sort
 * come in ascending id order.
 */
export function readModelContract(name: string, factory: ReadModelStoreFactory): void {
  async function withStore(t: TestContext, work: (store: ReadModelStore) => Promise<void>): Promise<void> {
    const store = await factory(t);
    if (!store) return;
    try {
      await work(store);
    } finally {
      await store.close();
    }
  }

  /** Applies `ops` under a throwaway checkpoint. */
  const apply = (
    store: ReadModelStore,
    ops: readonly ReadModelOp[],
    processorId = fresh('p'),
  ): Promise<void> =>
    store.applyBatch(ops, {
      processorId,
      position: ops.reduce((max, op) => (op.position > max ? op.position : max), 0n),
      version: 1,
    });

  describe(`${name}: ReadModelStore contract`, () => {
    it('answers empty for unknown collections, ids and processors', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        assert.equal(await store.get(c, 'nope'), null);
        assert.equal((await store.getMany(c, ['a', 'b'])).size, 0);
        assert.deepEqual(await store.find(c), []);
        assert.equal(await store.count(c), 0);
        assert.equal(await store.getCheckpoint(fresh('p')), null);
      }),
    );

    it('stores upserts and reads them back by id, by ids, by filter and by count', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        const a = { id: 'a', name: 'Ada', n: 1, tags: ['x'], nested: { ok: true } };
        const b = { id: 'b', name: 'Bo', n: 2, tags: [], nested: { ok: false } };
        await apply(store, [up(c, a, 1n), up(c, b, 2n)]);

        assert.deepEqual(await store.get(c, 'a'), a);
        const many = await store.getMany(c, ['b', 'a', 'missing']);
        assert.deepEqual([...many.keys()].sort(), ['a', 'b']);
        assert.deepEqual(many.get('b'), b);
        assert.deepEqual(await store.find(c, {}, { sort: { field: 'id', direction: 1 } }), [a, b]);
        assert.equal(await store.count(c), 2);
      }),
    );

    it('replaces the whole document on upsert: fields left out disappear', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        await apply(store, [up(c, { id: 'a', old: 1, keep: 'x' }, 1n)]);
        await apply(store, [up(c, { id: 'a', keep: 'y' }, 2n)]);
        assert.deepEqual(await store.get(c, 'a'), { id: 'a', keep: 'y' });
      }),
    );

    it('hands out copies: mutating a returned document changes nothing stored', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        const doc = { id: 'a', n: 1, list: [1] };
        await apply(store, [up(c, doc, 1n)]);
        doc.n = 99;
        const read = (await store.get<{ id: string; n: number; list: number[] }>(c, 'a'))!;
        read.n = 42;
        read.list.push(2);
        assert.deepEqual(await store.get(c, 'a'), { id: 'a', n: 1, list: [1] });
      }),
    );

    it('finds by equality on top-level fields, with sort, limit and ties in id order', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        const docs = [
          { id: 'd1', site: 'north', open: true, rank: 3, name: 'delta' },
          { id: 'd2', site: 'south', open: true, rank: 1, name: 'alpha' },
          { id: 'd3', site: 'north', open: false, rank: 2, name: 'charlie' },
          { id: 'd4', site: 'north', open: true, rank: 2, name: 'bravo', note: null },
          { id: 'd5', site: 'north', open: true, rank: 5, name: 'echo', note: 'set' },
        ];
        await apply(
          store,
          docs.map((d, i) => up(c, d, BigInt(i + 1))),
        );
        const ids = (list: ReadModelDoc[]): string[] => list.map((d) => d.id);

        assert.deepEqual(
          ids(await store.find(c, { site: 'north', open: true }, { sort: { field: 'rank', direction: 1 } })),
          ['d4', 'd1', 'd5'],
        );
        assert.deepEqual(
          ids(await store.find(c, { site: 'north' }, { sort: { field: 'rank', direction: -1 } })),
          ['d5', 'd1', 'd3', 'd4'],
        );
        assert.deepEqual(ids(await store.find(c, {}, { sort: { field: 'name', direction: 1 }, limit: 2 })), [
          'd2',
          'd4',
        ]);
        assert.deepEqual(ids(await store.find(c, { rank: 2 }, { sort: { field: 'site', direction: 1 } })), [
          'd3',
          'd4',
        ]);
        assert.equal((await store.find(c, { site: 'north' }, { limit: 2 })).length, 2);
        assert.deepEqual(ids(await store.find(c, { id: 'd3' })), ['d3']);
        assert.deepEqual(ids(await store.find(c, { note: null }, { sort: { field: 'id', direction: 1 } })), [
          'd1',
          'd2',
          'd3',
          'd4',
        ]);
        assert.deepEqual(ids(await store.find(c, { site: 'west' })), []);
        assert.equal(await store.count(c, { site: 'north' }), 4);
        assert.equal(await store.count(c, { site: 'north', open: false }), 1);
        assert.equal(await store.count(c, { note: 'set' }), 1);
      }),
    );

    it('round-trips checkpoints exactly beyond 2^53 and keeps one per processor', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        const p1 = fresh('p');
        const p2 = fresh('p');
        const cp1: Checkpoint = { processorId: p1, position: BIG + 1n, version: 3 };
        await store.applyBatch([up(c, { id: 'a' }, BIG + 1n)], cp1);
        await store.applyBatch([], { processorId: p2, position: 2n ** 62n + 7n, version: 1 });
        assert.deepEqual(await store.getCheckpoint(p1), cp1);
        assert.deepEqual(await store.getCheckpoint(p2), {
          processorId: p2,
          position: 2n ** 62n + 7n,
          version: 1,
        });

        await store.applyBatch([], { processorId: p1, position: BIG + 3n, version: 3 });
        assert.deepEqual(await store.getCheckpoint(p1), { processorId: p1, position: BIG + 3n, version: 3 });
      }),
    );

    it('skips ops at a lower or equal position than the stored document, exactly beyond 2^53', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        await apply(store, [up(c, { id: 'a', v: 'second' }, BIG + 2n)]);
        // As JS numbers BIG+1 and BIG+2 are the same value; the guard must compare them exactly.
        await apply(store, [up(c, { id: 'a', v: 'first' }, BIG + 1n)]);
        await apply(store, [up(c, { id: 'a', v: 'same position' }, BIG + 2n)]);
        await apply(store, [del(c, 'a', BIG + 1n)]);
        assert.deepEqual(await store.get(c, 'a'), { id: 'a', v: 'second' });
        await apply(store, [up(c, { id: 'a', v: 'third' }, BIG + 3n)]);
        assert.deepEqual(await store.get(c, 'a'), { id: 'a', v: 'third' });
      }),
    );

    it('applies the ops of one batch in order, each against the outcome of the previous ones', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        await apply(store, [up(c, { id: 's', v: 'stored' }, 50n)]);
        await apply(store, [
          up(c, { id: 'a', v: 1 }, 10n),
          up(c, { id: 'a', v: 2 }, 11n),
          up(c, { id: 's', v: 'stale' }, 20n),
          up(c, { id: 'b', v: 'after a stale op' }, 21n),
          up(c, { id: 'c', v: 'kept' }, 30n),
          up(c, { id: 'c', v: 'older, skipped' }, 29n),
          up(c, { id: 's', v: 'newer' }, 51n),
          up(c, { id: 'd', v: 'last' }, 52n),
        ]);
        assert.deepEqual(await store.find(c, {}, { sort: { field: 'id', direction: 1 } }), [
          { id: 'a', v: 2 },
          { id: 'b', v: 'after a stale op' },
          { id: 'c', v: 'kept' },
          { id: 'd', v: 'last' },
          { id: 's', v: 'newer' },
        ]);
      }),
    );

    it(
      'deletes leave a tombstone: hidden from reads, and no stale upsert resurrects the document',
      CASE,
      (t) =>
        withStore(t, async (store) => {
          const c = fresh('c');
          await apply(store, [up(c, { id: 'a', n: 1 }, 5n), up(c, { id: 'b', n: 2 }, 6n)]);
          await apply(store, [del(c, 'a', 10n)]);
          assert.equal(await store.get(c, 'a'), null);
          assert.equal((await store.getMany(c, ['a', 'b'])).size, 1);
          assert.deepEqual(await store.find(c, {}), [{ id: 'b', n: 2 }]);
          assert.equal(await store.count(c), 1);
          assert.equal(await store.count(c, { n: 1 }), 0);

          await apply(store, [up(c, { id: 'a', n: 'stale' }, 9n), up(c, { id: 'a', n: 'equal' }, 10n)]);
          assert.equal(await store.get(c, 'a'), null);
          // A delete that arrives before the document ever existed blocks its older creation too.
          await apply(store, [del(c, 'never', 20n), up(c, { id: 'never', n: 0 }, 19n)]);
          assert.equal(await store.get(c, 'never'), null);

          await apply(store, [up(c, { id: 'a', n: 3 }, 11n)]);
          assert.deepEqual(await store.get(c, 'a'), { id: 'a', n: 3 });
        }),
    );

    it('replaying batches, the same or older ones, changes nothing', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        const p = fresh('p');
        const batch1 = [up(c, { id: 'a', n: 1 }, 1n), up(c, { id: 'b', n: 1 }, 2n), del(c, 'b', 3n)];
        const batch2 = [up(c, { id: 'a', n: 2 }, 4n), up(c, { id: 'c', n: 1 }, 5n)];
        await store.applyBatch(batch1, { processorId: p, position: 3n, version: 1 });
        await store.applyBatch(batch2, { processorId: p, position: 5n, version: 1 });
        const snapshot = async (): Promise<unknown> => ({
          docs: await store.find(c, {}, { sort: { field: 'id', direction: 1 } }),
          count: await store.count(c),
          checkpoint: await store.getCheckpoint(p),
        });
        const before = await snapshot();

        await store.applyBatch(batch2, { processorId: p, position: 5n, version: 1 });
        assert.deepEqual(await snapshot(), before);
        await store.applyBatch(batch1, { processorId: p, position: 5n, version: 1 });
        await store.applyBatch([...batch1, ...batch2], { processorId: p, position: 5n, version: 1 });
        assert.deepEqual(await snapshot(), before);
        assert.deepEqual((before as { docs: unknown }).docs, [
          { id: 'a', n: 2 },
          { id: 'c', n: 1 },
        ]);
      }),
    );

    it(
      'reset drops the given collections (tombstones too) and the checkpoint of that processor only',
      CASE,
      (t) =>
        withStore(t, async (store) => {
          const [c1, c2, other] = [fresh('c'), fresh('c'), fresh('c')];
          const [p, q] = [fresh('p'), fresh('p')];
          await store.applyBatch([up(c1, { id: 'a' }, 10n), del(c1, 'gone', 11n), up(c2, { id: 'b' }, 12n)], {
            processorId: p,
            position: 12n,
            version: 1,
          });
          await store.applyBatch([up(other, { id: 'x' }, 13n)], {
            processorId: q,
            position: 13n,
            version: 1,
          });

          await store.reset(p, [c1, c2]);
          assert.equal(await store.count(c1), 0);
          assert.equal(await store.count(c2), 0);
          assert.equal(await store.getCheckpoint(p), null);
          assert.deepEqual(await store.get(other, 'x'), { id: 'x' });
          assert.equal((await store.getCheckpoint(q))?.position, 13n);

          // Positions are forgotten with the documents: a rebuild writes from position 1 again.
          await store.applyBatch([up(c1, { id: 'a', again: true }, 1n), up(c1, { id: 'gone' }, 2n)], {
            processorId: p,
            position: 2n,
            version: 2,
          });
          assert.deepEqual(await store.get(c1, 'a'), { id: 'a', again: true });
          assert.deepEqual(await store.get(c1, 'gone'), { id: 'gone' });
          assert.deepEqual(await store.getCheckpoint(p), { processorId: p, position: 2n, version: 2 });

          await store.reset(fresh('p'), [fresh('c')]);
        }),
    );

    it('keeps collections apart: one id in two collections has two documents and two positions', CASE, (t) =>
      withStore(t, async (store) => {
        const [c1, c2] = [fresh('c'), fresh('c')];
        await apply(store, [up(c1, { id: 'a', in: 1 }, 10n), up(c2, { id: 'a', in: 2 }, 5n)]);
        await apply(store, [up(c2, { id: 'a', in: 'two, newer' }, 6n), del(c1, 'a', 11n)]);
        assert.equal(await store.get(c1, 'a'), null);
        assert.deepEqual(await store.get(c2, 'a'), { id: 'a', in: 'two, newer' });
        assert.equal(await store.count(c2), 1);
        assert.deepEqual(await store.find(c2, { in: 'two, newer' }), [{ id: 'a', in: 'two, newer' }]);
      }),
    );

    it('refuses documents with reserved fields, writing nothing of that batch', CASE, (t) =>
      withStore(t, async (store) => {
        const c = fresh('c');
        const p = fresh('p');
        await assert.rejects(
          store.applyBatch([up(c, { id: 'ok' }, 1n), up(c, { id: 'bad', _position: 5 }, 2n)], {
            processorId: p,
            position: 2n,
            version: 1,
          }),
          /reserved/,
        );
        assert.equal(await store.get(c, 'ok'), null);
        assert.equal(await store.getCheckpoint(p), null);
      }),
    );

    it('reports stored positions, tombstones included, when it offers positioned reads', CASE, (t) =>
      withStore(t, async (store) => {
        if (!hasPositionedReads(store)) {
          t.skip('no getPositioned');
          return;
        }
        const c = fresh('c');
        await apply(store, [up(c, { id: 'a', n: 1 }, BIG + 5n), up(c, { id: 'b' }, 3n), del(c, 'b', 4n)]);
        const got = await store.getPositioned(c, ['a', 'b', 'missing']);
        assert.deepEqual([...got.keys()].sort(), ['a', 'b']);
        assert.deepEqual(got.get('a'), { doc: { id: 'a', n: 1 }, position: BIG + 5n });
        assert.deepEqual(got.get('b'), { doc: null, position: 4n });
      }),
    );
  });
}
