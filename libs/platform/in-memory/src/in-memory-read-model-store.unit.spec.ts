import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readModelContract } from '@ringback/testing';
import fc from 'fast-check';
import { InMemoryReadModelStore, smallest } from './in-memory-read-model-store';

readModelContract('InMemoryReadModelStore', async () => new InMemoryReadModelStore());

describe('InMemoryReadModelStore', () => {
  it('refuses every call once closed', async () => {
    const store = new InMemoryReadModelStore();
    await store.close();
    await assert.rejects(store.get('c', 'a'), /closed/);
    await assert.rejects(store.applyBatch([], { processorId: 'p', position: 1n, version: 1 }), /closed/);
  });
});

describe('InMemoryReadModelStore equality indexes', () => {
  // Finds through the index built on first use must answer exactly what a scan of every document
  // answers, whatever upserts and deletes came before and after the index was built.
  it('find and count by scalar fields agree with a full scan after any sequence of writes', async () => {
    const value = fc.oneof(
      fc.constantFrom('a', 'b', '0'),
      fc.constantFrom(0, 1, -0),
      fc.boolean(),
      fc.constant(null),
    );
    const op = fc.record({
      id: fc.constantFrom('d1', 'd2', 'd3', 'd4'),
      del: fc.boolean(),
      site: value,
      open: value,
    });
    const query = fc.record({ site: value, open: fc.option(value, { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(op, fc.option(query, { nil: undefined })), { maxLength: 30 }),
        async (steps) => {
          const store = new InMemoryReadModelStore();
          const model = new Map<string, Record<string, unknown>>();
          let position = 0n;
          for (const [o, q] of steps) {
            position += 1n;
            const doc = { id: o.id, site: o.site, open: o.open };
            await store.applyBatch(
              [
                o.del
                  ? { kind: 'delete', collection: 'c', id: o.id, position }
                  : { kind: 'upsert', collection: 'c', doc, position },
              ],
              { processorId: 'p', position, version: 1 },
            );
            if (o.del) model.delete(o.id);
            else model.set(o.id, doc);
            if (!q) continue;
            const filter: Record<string, unknown> = {
              site: q.site,
              ...(q.open === undefined ? {} : { open: q.open }),
            };
            const expected = [...model.values()]
              .filter((d) =>
                Object.entries(filter).every(([f, v]) =>
                  v === null ? d[f] === null || d[f] === undefined : Object.is(d[f], v),
                ),
              )
              .map((d) => d['id'])
              .sort();
            const found = (await store.find('c', filter)).map((d) => d.id);
            assert.deepEqual(found, expected, JSON.stringify(filter));
            assert.equal(await store.count('c', filter), expected.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('smallest (the top-k selection behind find with a limit)', () => {
  it('equals a full sort cut to k, for any items and k', () => {
    const order = (a: { v: number; id: number }, b: { v: number; id: number }) => a.v - b.v || a.id - b.id;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 400 }),
        fc.nat(120),
        (values, k) => {
          const items = values.map((v, id) => ({ v, id }));
          const expected = [...items].sort(order).slice(0, k);
          assert.deepEqual(smallest([...items], k, order), expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('InMemoryReadModelStore memory accounting', () => {
  it('counts live documents per collection and forgets everything on clear', async () => {
    const store = new InMemoryReadModelStore();
    await store.applyBatch(
      [
        { kind: 'upsert', collection: 'a', doc: { id: '1', v: 1 }, position: 1n },
        { kind: 'upsert', collection: 'a', doc: { id: '2', v: 2 }, position: 2n },
        { kind: 'upsert', collection: 'b', doc: { id: '1', v: 3 }, position: 3n },
        { kind: 'delete', collection: 'a', id: '2', position: 4n },
      ],
      { processorId: 'p', position: 4n, version: 1 },
    );
    assert.deepEqual(
      [...store.documentCounts()],
      [
        ['a', 1],
        ['b', 1],
      ],
    );
    assert.equal((await store.find('a', { v: 1 })).length, 1);
    const before = store.documentBytes();
    const text = 'x'.repeat(1_000);
    await store.applyBatch(
      Array.from({ length: 1_000 }, (_, i) => ({
        kind: 'upsert' as const,
        collection: 'b',
        doc: { id: `d${i}`, text },
        position: BigInt(10 + i),
      })),
      { processorId: 'p', position: 1_010n, version: 1 },
    );
    assert.ok(store.documentBytes() >= before + 1_000_000, 'the documents are in the database');
    store.clear();
    assert.deepEqual([...store.documentCounts()], []);
    assert.equal((await store.find('a', { v: 1 })).length, 0, 'the equality index went too');
    assert.equal(await store.getCheckpoint('p'), null);
  });
});

describe('InMemoryReadModelStore document counts', () => {
  // Kept by every write rather than counted: they must agree with what reads find after any ops,
  // stale ones (refused by position) and resets of a collection included.
  it('agree with the documents reads find, after any sequence of writes and resets', async () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constantFrom('upsert' as const, 'delete' as const),
        collection: fc.constantFrom('a', 'b'),
        id: fc.constantFrom('1', '2', '3'),
        position: fc.bigInt({ min: 1n, max: 12n }),
      }),
      fc.record({ kind: fc.constant('reset' as const), collection: fc.constantFrom('a', 'b') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const store = new InMemoryReadModelStore();
        const checkpoint = { processorId: 'p', position: 0n, version: 1 };
        for (const s of steps) {
          if (s.kind === 'reset') await store.reset('p', [s.collection]);
          else
            await store.applyBatch(
              [
                s.kind === 'upsert'
                  ? { kind: 'upsert', collection: s.collection, doc: { id: s.id }, position: s.position }
                  : { kind: 'delete', collection: s.collection, id: s.id, position: s.position },
              ],
              checkpoint,
            );
          const expected: [string, number][] = [];
          for (const c of ['a', 'b']) {
            const n = (await store.getMany(c, ['1', '2', '3'])).size;
            if (n > 0) expected.push([c, n]);
          }
          assert.deepEqual(
            [...store.documentCounts()].sort(([x], [y]) => (x < y ? -1 : 1)),
            expected,
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('InMemoryReadModelStore sorted indexes', () => {
  // An ascending find with a limit walks a sorted index kept up to date by every write; it must answer
  // what a full sort of the matching documents cut to the limit answers (a find without a limit).
  it('a limited ascending find agrees with a full sort after any sequence of writes', async () => {
    const op = fc.record({
      id: fc.constantFrom('d1', 'd2', 'd3', 'd4', 'd5', 'd6'),
      del: fc.boolean(),
      pending: fc.oneof(fc.boolean(), fc.constant(null)),
      at: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(null), fc.constantFrom('x', 'y')),
    });
    const query = fc.record({
      pending: fc.oneof(fc.boolean(), fc.constant(null)),
      limit: fc.integer({ min: 1, max: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(op, fc.option(query, { nil: undefined })), { maxLength: 40 }),
        async (steps) => {
          const store = new InMemoryReadModelStore();
          let position = 0n;
          for (const [o, q] of steps) {
            position += 1n;
            await store.applyBatch(
              [
                o.del
                  ? { kind: 'delete', collection: 'c', id: o.id, position }
                  : {
                      kind: 'upsert',
                      collection: 'c',
                      doc: { id: o.id, pending: o.pending, at: o.at },
                      position,
                    },
              ],
              { processorId: 'p', position, version: 1 },
            );
            if (!q) continue;
            const sort = { field: 'at', direction: 1 as const };
            const limited = await store.find('c', { pending: q.pending }, { sort, limit: q.limit });
            const all = await store.find('c', { pending: q.pending }, { sort, limit: 0 });
            assert.deepEqual(limited, all.slice(0, q.limit), JSON.stringify(q));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('InMemoryReadModelStore storage', () => {
  it('gives back what was written, JSON or not (a Date, -0, an undefined field), never the same object', async () => {
    const store = new InMemoryReadModelStore();
    const plain = { id: 'p', n: 1.5, s: 'x', nested: { list: [1, 'a', null, { b: true }] } };
    const special = { id: 'q', at: new Date('2026-12-06T00:00:00Z'), zero: -0, missing: undefined };
    await store.applyBatch(
      [
        { kind: 'upsert', collection: 'c', doc: plain, position: 1n },
        { kind: 'upsert', collection: 'c', doc: special, position: 2n },
      ],
      { processorId: 'p', position: 2n, version: 1 },
    );
    plain.nested.list.push(2);
    const p = await store.get('c', 'p');
    assert.deepEqual(p, { id: 'p', n: 1.5, s: 'x', nested: { list: [1, 'a', null, { b: true }] } });
    const q = await store.get<typeof special>('c', 'q');
    assert.ok(q!.at instanceof Date);
    assert.ok(Object.is(q!.zero, -0));
    assert.ok('missing' in q!);
    await assert.rejects(
      store.applyBatch(
        [
          { kind: 'upsert', collection: 'c', doc: { id: 'r', v: 1 }, position: 3n },
          { kind: 'upsert', collection: 'c', doc: { id: 'p', f: () => 1 }, position: 4n },
        ],
        { processorId: 'p', position: 4n, version: 1 },
      ),
      /could not be cloned/,
    );
    assert.equal(await store.get('c', 'r'), null, 'a batch that cannot be stored applies nothing');
    assert.equal((await store.getCheckpoint('p'))?.position, 2n);
    assert.notEqual(await store.get('c', 'p'), p, 'each read is a copy');
    assert.equal((await store.find('c', { zero: -0 })).length, 1);
    assert.equal(await store.count('c', { zero: 0 }), 0, 'Object.is equality, as isDeepStrictEqual');
  });
});

describe('InMemoryReadModelStore positions', () => {
  for (const big of [2n ** 60n, 2n ** 64n]) {
    it(`orders ops exactly beyond the safe integers (around ${big}: SQLite's integers stop at 2^63 - 1)`, async () => {
      const store = new InMemoryReadModelStore();
      const at = (position: bigint, n: number) => ({
        kind: 'upsert' as const,
        collection: 'c',
        doc: { id: 'x', n },
        position,
      });
      const checkpoint = { processorId: 'p', position: 0n, version: 1 };
      await store.applyBatch([at(BigInt(Number.MAX_SAFE_INTEGER), 1)], checkpoint);
      await store.applyBatch([at(big + 1n, 2)], checkpoint);
      // 2^60 + 1 and 2^60 are the same double: only an exact comparison refuses this stale op.
      await store.applyBatch([at(big, 3)], checkpoint);
      await store.applyBatch([at(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 4)], checkpoint);
      const held = await store.getPositioned('c', ['x']);
      assert.deepEqual(held.get('x'), { doc: { id: 'x', n: 2 }, position: big + 1n });
      await store.applyBatch([{ kind: 'delete', collection: 'c', id: 'x', position: big + 2n }], checkpoint);
      await store.applyBatch([at(big + 1n, 5)], checkpoint);
      assert.deepEqual((await store.getPositioned('c', ['x'])).get('x'), { doc: null, position: big + 2n });
      await store.applyBatch([at(3n, 6)], { ...checkpoint, processorId: 'q' });
      assert.deepEqual((await store.getPositioned('c', ['x', 'y'])).get('x')?.position, big + 2n);
    });
  }
});
