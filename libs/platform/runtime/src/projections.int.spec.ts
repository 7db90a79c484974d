import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InMemoryReadModelStore } from '@ringback/in-memory';
import type { PositionedDoc, Projection, ReadModelDoc } from '@ringback/platform-core';
import { testRegistry, thingHappened } from '@ringback/testing';
import { createPlatformAdapters } from './platform-adapters';
import { rebuildProjections, startProjections } from './projections';

const sums: Projection = {
  id: 'thing-sums',
  version: 1,
  collections: ['thing_sums'],
  categories: ['thing'],
  async handle(event, position, ctx) {
    const doc = await ctx.get<{ id: string; sum: number }>('thing_sums', event.streamId);
    const n = (event.data as { n: number }).n;
    return [
      {
        kind: 'upsert',
        collection: 'thing_sums',
        position,
        doc: { id: event.streamId, sum: (doc?.sum ?? 0) + n },
      },
    ];
  },
};

/** The embedded adapters over a fresh data directory (the caller closes them and removes `dir`). */
const embeddedAdapters = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const adapters = createPlatformAdapters({
    mode: 'embedded',
    dataDir: dir,
    kafka: { brokers: [], clientId: 'x', topicPartitions: 3 },
    kurrentdb: { url: null },
    mongo: { url: null },
  });
  return { dir, adapters };
};

describe('projection start and rebuild over the embedded adapters', () => {
  it('rebuild from zero repairs a damaged read model and leaves the checkpoint at the head', async () => {
    const { dir, adapters } = embeddedAdapters('ringback-rebuild-');
    try {
      for (let i = 1; i <= 30; i++) {
        await adapters.eventStore.appendToStream(`thing-${i % 3}`, [thingHappened(`thing-${i % 3}`, i)], {
          expectedRevision: 'any',
        });
      }
      const set = {
        eventStore: adapters.eventStore,
        readModels: adapters.readModels,
        projections: [sums],
        registry: testRegistry(),
      };
      const [runner] = await startProjections(set);
      await runner!.whenCaughtUp();
      await runner!.stop();
      const expected = await adapters.readModels.find(
        'thing_sums',
        {},
        { sort: { field: 'id', direction: 1 } },
      );
      assert.deepEqual(
        expected.map((d) => d['sum']),
        [165, 145, 155],
      );

      // Damage: a write from outside the projection, at a position newer than anything stored.
      const cp = (await adapters.readModels.getCheckpoint('thing-sums'))!;
      await adapters.readModels.applyBatch(
        [{ kind: 'upsert', collection: 'thing_sums', position: 10_000n, doc: { id: 'thing-0', sum: -1 } }],
        cp,
      );
      assert.deepEqual(await rebuildProjections(set), ['thing-sums']);
      assert.deepEqual(
        await adapters.readModels.find('thing_sums', {}, { sort: { field: 'id', direction: 1 } }),
        expected,
      );
      assert.equal(
        (await adapters.readModels.getCheckpoint('thing-sums'))?.position,
        await adapters.eventStore.headPosition(),
      );
    } finally {
      await adapters.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('over read models in process memory, a runner keeps no copy of documents from batch to batch', async () => {
    // The read models are the cache already; a copy of each would only give the old generation more to mark.
    class CountingStore extends InMemoryReadModelStore {
      reads = 0;
      override getPositioned<T extends ReadModelDoc>(
        collection: string,
        ids: readonly string[],
      ): Promise<Map<string, PositionedDoc<T>>> {
        this.reads += ids.length;
        return super.getPositioned<T>(collection, ids);
      }
    }
    const { dir, adapters } = embeddedAdapters('ringback-nocache-');
    const readModels = new CountingStore();
    try {
      const set = {
        eventStore: adapters.eventStore,
        readModels,
        projections: [sums],
        registry: testRegistry(),
      };
      const [runner] = await startProjections(set);
      const append = async (n: number) => {
        await adapters.eventStore.appendToStream('thing-1', [thingHappened('thing-1', n)], {
          expectedRevision: 'any',
        });
        await runner!.whenCaughtUp();
      };
      await append(1);
      const afterFirst = readModels.reads;
      await append(2);
      await append(3);
      // Each later event reads its document back from the store, which a cached runner would not.
      assert.equal(readModels.reads - afterFirst, 2);
      assert.equal((await readModels.get<{ id: string; sum: number }>('thing_sums', 'thing-1'))?.sum, 6);
      await runner!.stop();

      // A runner given a cache keeps what it wrote: the same events read nothing back.
      const cached = new CountingStore();
      const [kept] = await startProjections({ ...set, readModels: cached, cacheSize: 1_000 });
      await kept!.whenCaughtUp();
      const built = cached.reads;
      await adapters.eventStore.appendToStream('thing-1', [thingHappened('thing-1', 4)], {
        expectedRevision: 'any',
      });
      await kept!.whenCaughtUp();
      assert.equal(cached.reads, built);
      assert.equal((await cached.get<{ id: string; sum: number }>('thing_sums', 'thing-1'))?.sum, 10);
      await kept!.stop();
    } finally {
      await adapters.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
