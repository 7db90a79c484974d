import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import mongoose from 'mongoose';
import type { ReadModelOp } from '@ringback/platform-core';
import { readModelContract, requireInfra, uniqueSuffix } from '@ringback/testing';
import { MongoReadModelStore } from './mongo-read-model-store';

// One database per run, dropped at the end; the cases keep apart by collection names.
const dbName = `rb_rm_${uniqueSuffix()}`;
const mongoUrl = process.env['MONGO_URL'];

after(async () => {
  if (!mongoUrl) return;
  const connection = await mongoose.createConnection(mongoUrl, { dbName }).asPromise();
  await connection.dropDatabase();
  await connection.close();
});

readModelContract('MongoReadModelStore', async (t) => {
  const uri = requireInfra(t, 'mongo');
  return uri ? new MongoReadModelStore({ uri, dbName }) : undefined;
});

describe('MongoReadModelStore', () => {
  it('stores positions as BSON int64 and tombstones as marked documents', async (t) => {
    const uri = requireInfra(t, 'mongo');
    if (!uri) return;
    const store = new MongoReadModelStore({ uri, dbName });
    const raw = await mongoose.createConnection(uri, { dbName, useBigInt64: true }).asPromise();
    try {
      const c = `raw_${uniqueSuffix()}`;
      await store.applyBatch(
        [
          { kind: 'upsert', collection: c, doc: { id: 'a', n: 1 }, position: 2n ** 60n + 1n },
          { kind: 'delete', collection: c, id: 'b', position: 7n },
        ],
        { processorId: `p-${c}`, position: 2n ** 60n + 1n, version: 4 },
      );
      const docs = await raw.db!.collection(c).find({}).sort({ _id: 1 }).toArray();
      assert.deepEqual(docs, [
        { _id: 'a', n: 1, _position: 2n ** 60n + 1n },
        { _id: 'b', _position: 7n, _deleted: true },
      ]);
      const checkpoint = await raw.db!.collection('_checkpoints').findOne({ _id: `p-${c}` as never });
      assert.deepEqual(checkpoint, { _id: `p-${c}`, position: 2n ** 60n + 1n, version: 4 });
    } finally {
      await raw.close();
      await store.close();
    }
  });

  it('stores arrays inside arrays, which FerretDB 1.x refuses as they are (opening hours)', async (t) => {
    const uri = requireInfra(t, 'mongo');
    if (!uri) return;
    const store = new MongoReadModelStore({ uri, dbName });
    try {
      const c = `nested_${uniqueSuffix()}`;
      const doc = {
        id: 'loc',
        hours: {
          mon: [
            ['08:00', '12:00'],
            ['13:00', '17:00'],
          ],
          sun: [],
        },
        grid: [[[1, 2], [3]], []],
        tags: ['a', { b: [['c']] }],
      };
      await store.applyBatch([{ kind: 'upsert', collection: c, doc, position: 3n }], {
        processorId: `p-${c}`,
        position: 3n,
        version: 1,
      });
      assert.deepEqual(await store.get(c, 'loc'), doc);
      assert.deepEqual(await store.find(c), [doc]);
    } finally {
      await store.close();
    }
  });

  it('writes a large batch mixing fresh and stale ops across collections', async (t) => {
    const uri = requireInfra(t, 'mongo');
    if (!uri) return;
    const store = new MongoReadModelStore({ uri, dbName });
    try {
      const [c1, c2] = [`big1_${uniqueSuffix()}`, `big2_${uniqueSuffix()}`];
      const first: ReadModelOp[] = [];
      for (let i = 0; i < 300; i++)
        first.push({
          kind: 'upsert',
          collection: i % 2 ? c1 : c2,
          doc: { id: `d${i}`, v: 1 },
          position: BigInt(1000 + i),
        });
      await store.applyBatch(first, { processorId: `p-${c1}`, position: 1299n, version: 1 });
      // Every third op is stale (an older position than stored); the others move their document on.
      const second: ReadModelOp[] = first.map((op, i) =>
        op.kind === 'upsert'
          ? {
              ...op,
              doc: { ...op.doc, v: 2 },
              position: i % 3 === 0 ? op.position - 500n : op.position + 1000n,
            }
          : op,
      );
      await store.applyBatch(second, { processorId: `p-${c1}`, position: 2299n, version: 1 });
      const docs = [...(await store.find(c1)), ...(await store.find(c2))];
      assert.equal(docs.length, 300);
      for (const d of docs) assert.equal(d['v'], Number(d.id.slice(1)) % 3 === 0 ? 1 : 2, d.id);
      assert.equal((await store.getCheckpoint(`p-${c1}`))?.position, 2299n);
    } finally {
      await store.close();
    }
  });

  it('fails calls with the connection error when the server cannot be reached', async () => {
    const store = new MongoReadModelStore({
      uri: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&connectTimeoutMS=200',
    });
    await assert.rejects(store.get('c', 'a'));
    await store.close();
  });
});
