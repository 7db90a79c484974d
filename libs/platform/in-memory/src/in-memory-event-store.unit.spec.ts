import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventStoreContract, thingHappened } from '@ringback/testing';
import { InMemoryEventStore } from './in-memory-event-store';

eventStoreContract('InMemoryEventStore', async () => {
  const store = new InMemoryEventStore({ onSubscriptionError: () => undefined });
  return { store, cleanup: () => store.close() };
});

describe('InMemoryEventStore', () => {
  it('hands out copies, so a caller mutating an event cannot change the store', async () => {
    const store = new InMemoryEventStore();
    const e = thingHappened('thing-1', 1);
    await store.appendToStream('thing-1', [e], { expectedRevision: 'no_stream' });
    e.data.n = 99;
    const [read] = await store.readStream('thing-1');
    (read!.envelope.data as { n: number }).n = 42;
    assert.equal(((await store.readStream('thing-1'))[0]!.envelope.data as { n: number }).n, 1);
    await store.close();
  });

  it('refuses envelopes of another stream and duplicate ids within one append', async () => {
    const store = new InMemoryEventStore();
    await assert.rejects(
      store.appendToStream('thing-1', [thingHappened('thing-2', 1)], { expectedRevision: 'any' }),
      /belongs to/,
    );
    const e = thingHappened('thing-1', 1);
    await assert.rejects(store.appendToStream('thing-1', [e, e], { expectedRevision: 'any' }), /twice/);
    assert.equal(await store.headPosition(), 0n);
    await store.close();
  });

  it('reports handler failures to onSubscriptionError with the attempt and delay', async () => {
    const failures: { attempt: number; retryInMs: number; eventId: string | undefined }[] = [];
    const store = new InMemoryEventStore({
      retry: { initialBackoffMs: 1, maxBackoffMs: 2 },
      onSubscriptionError: (_e, f) =>
        failures.push({ attempt: f.attempt, retryInMs: f.retryInMs, eventId: f.event?.envelope.eventId }),
    });
    const e = thingHappened('thing-1', 1);
    await store.appendToStream('thing-1', [e], { expectedRevision: 'no_stream' });
    let calls = 0;
    const sub = store.subscribe({
      subscriberId: 'flaky',
      handler: async () => {
        if (++calls < 4) throw new Error('boom');
      },
    });
    await sub.whenCaughtUp();
    assert.deepEqual(failures, [
      { attempt: 1, retryInMs: 1, eventId: e.eventId },
      { attempt: 2, retryInMs: 2, eventId: e.eventId },
      { attempt: 3, retryInMs: 2, eventId: e.eventId },
    ]);
    await store.close();
  });

  it('close() stops its subscriptions and refuses further use', async () => {
    const store = new InMemoryEventStore();
    const sub = store.subscribe({ subscriberId: 's', handler: () => Promise.resolve() });
    await store.close();
    await assert.rejects(sub.whenCaughtUp(), /stopped/);
    await assert.rejects(store.readAll(), /closed/);
  });
});
