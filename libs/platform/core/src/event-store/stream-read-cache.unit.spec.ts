import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope, RecordedEvent } from '@ringback/contracts';
import type { EventStore } from '../ports/event-store.port';
import { StreamReadCache } from './stream-read-cache';

/** The part of an event store the cache uses, over plain arrays, counting what it hands out. */
class Streams implements Pick<EventStore, 'readStream'> {
  readonly streams = new Map<string, RecordedEvent[]>();
  eventsRead = 0;
  reads: { streamId: string; fromRevision: number }[] = [];
  private position = 0n;

  append(streamId: string, n: number): void {
    const events = this.streams.get(streamId) ?? [];
    events.push({
      envelope: {
        eventId: `${streamId}-${events.length}`,
        streamId,
        type: 'ThingHappened',
        data: { n },
      } as unknown as EventEnvelope,
      streamRevision: events.length,
      position: ++this.position,
    });
    this.streams.set(streamId, events);
  }

  async readStream(streamId: string, options: { fromRevision?: number } = {}): Promise<RecordedEvent[]> {
    const fromRevision = options.fromRevision ?? 0;
    this.reads.push({ streamId, fromRevision });
    const out = (this.streams.get(streamId) ?? []).filter((r) => r.streamRevision >= fromRevision);
    this.eventsRead += out.length;
    // Asynchronous like every store, so that reads can overlap.
    await new Promise((r) => setImmediate(r));
    return out;
  }
}

const nOf = (r: RecordedEvent): { n: number } => ({ n: (r.envelope.data as { n: number }).n });

describe('StreamReadCache', () => {
  it('reads a stream once, then only the revisions appended since, whoever appended them', async () => {
    const store = new Streams();
    let mapped = 0;
    const cache = new StreamReadCache(store, (r) => (mapped++, nOf(r)));
    store.append('location-1', 1);
    store.append('location-1', 2);
    assert.deepEqual(await cache.read('location-1'), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(await cache.read('location-1'), [{ n: 1 }, { n: 2 }]);
    store.append('location-1', 3);
    assert.deepEqual(await cache.read('location-1'), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    assert.equal(store.eventsRead, 3);
    assert.equal(mapped, 3);
    assert.deepEqual(
      store.reads.map((r) => r.fromRevision),
      [0, 2, 2],
    );
  });

  it('keeps every event once when reads of one stream overlap', async () => {
    const store = new Streams();
    const cache = new StreamReadCache(store, nOf);
    store.append('s', 1);
    const [a, b] = await Promise.all([cache.read('s'), cache.read('s')]);
    assert.deepEqual(a, [{ n: 1 }]);
    assert.deepEqual(b, [{ n: 1 }]);
    store.append('s', 2);
    assert.deepEqual(await cache.read('s'), [{ n: 1 }, { n: 2 }]);
  });

  it('keeps an empty stream as empty until something is appended', async () => {
    const store = new Streams();
    const cache = new StreamReadCache(store, nOf);
    assert.deepEqual(await cache.read('triage_policy-default'), []);
    store.append('triage_policy-default', 7);
    assert.deepEqual(await cache.read('triage_policy-default'), [{ n: 7 }]);
  });

  it('forgets the least recently read stream beyond its bound, and reads it whole again', async () => {
    const store = new Streams();
    const cache = new StreamReadCache(store, nOf, 2);
    for (const s of ['a', 'b', 'c']) store.append(s, 1);
    await cache.read('a');
    await cache.read('b');
    await cache.read('a');
    await cache.read('c'); // evicts b, read least recently
    store.reads = [];
    await cache.read('a');
    await cache.read('b');
    assert.deepEqual(store.reads, [
      { streamId: 'a', fromRevision: 1 },
      { streamId: 'b', fromRevision: 0 },
    ]);
  });

  it('reads from the start again when the stream was evicted during its own read', async () => {
    const store = new Streams();
    const cache = new StreamReadCache(store, nOf, 1);
    store.append('a', 1);
    store.append('b', 2);
    await cache.read('a');
    store.append('a', 3);
    // b's read and a's (from revision 1) overlap; b's ends first and evicts a.
    const [, a] = await Promise.all([cache.read('b'), cache.read('a')]);
    assert.deepEqual(a, [{ n: 1 }, { n: 3 }]);
  });

  it('hands out frozen items, so that no reader changes them for the others', async () => {
    const store = new Streams();
    const cache = new StreamReadCache(store, (r) => ({ nested: nOf(r) }));
    store.append('s', 1);
    const [item] = await cache.read('s');
    assert.throws(() => {
      (item as { nested: { n: number } }).nested.n = 2;
    }, TypeError);
  });
});
