import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope, RecordedEvent } from '@ringback/contracts';
import {
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
  type StoreSubscription,
} from '@ringback/platform-core';
import { eventually, thingHappened } from './test-events';

export interface EventStoreContractOptions {
  /**
   * Whether every store the factory returns starts empty (default true). Suites against a shared
   * server pass false; every case isolates itself with fresh categories, so only the checks that need
   * an empty store are left out.
   */
  freshStore?: boolean;
}

type StoreFactory = () => Promise<{ store: EventStore; cleanup(): Promise<void> }>;

/** A category nobody else uses, so cases stay independent even on a shared server. */
const freshCategory = (): string => `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

const ids = (events: readonly RecordedEvent[]): string[] => events.map((e) => e.envelope.eventId);

function assertStrictlyIncreasing(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(
      events[i]!.position > events[i - 1]!.position,
      `position ${events[i]!.position} after ${events[i - 1]!.position}`,
    );
  }
}

const isWrongRevision =
  (streamId: string, expected: ExpectedRevision, actual: number | 'no_stream') =>
  (error: unknown): boolean => {
    assert.ok(
      error instanceof WrongExpectedRevisionError,
      `expected WrongExpectedRevisionError, got ${String(error)}`,
    );
    assert.equal(error.streamId, streamId);
    assert.equal(error.expected, expected);
    assert.equal(error.actual, actual);
    return true;
  };

const CASE = { timeout: 30_000 };

/**
 * The behaviour every EventStore adapter must show, as node:test cases. Call it at the top level of
 * a spec file with a factory that hands out a store and a way to dispose of it.
 */
export function eventStoreContract(
  name: string,
  factory: StoreFactory,
  options: EventStoreContractOptions = {},
): void {
  const freshStore = options.freshStore ?? true;

  async function withStore(
    work: (store: EventStore, subscriptions: StoreSubscription[]) => Promise<void>,
  ): Promise<void> {
    const { store, cleanup } = await factory();
    const subscriptions: StoreSubscription[] = [];
    try {
      await work(store, subscriptions);
    } finally {
      await Promise.allSettled(subscriptions.map((s) => s.stop()));
      await cleanup();
    }
  }

  describe(`${name}: EventStore contract`, () => {
    it('appends to a new stream and reads it back in revision order', CASE, () =>
      withStore(async (store) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        const first = [thingHappened(s, 0), thingHappened(s, 1), thingHappened(s, 2)];
        const r1 = await store.appendToStream(s, first, { expectedRevision: 'no_stream' });
        assert.equal(r1.nextExpectedRevision, 2);
        assert.ok(r1.position > 0n);

        const read = await store.readStream(s);
        assert.deepEqual(
          read.map((e) => e.envelope),
          first,
        );
        assert.deepEqual(
          read.map((e) => e.streamRevision),
          [0, 1, 2],
        );
        assertStrictlyIncreasing(read);
        assert.equal(read[2]!.position, r1.position);

        const next = thingHappened(s, 3);
        const r2 = await store.appendToStream(s, [next], { expectedRevision: r1.nextExpectedRevision });
        assert.equal(r2.nextExpectedRevision, 3);
        assert.ok(r2.position > r1.position);

        const window = await store.readStream(s, { fromRevision: 1, maxCount: 2 });
        assert.deepEqual(
          window.map((e) => e.streamRevision),
          [1, 2],
        );
        assert.deepEqual(
          (await store.readStream(s, { fromRevision: 3 })).map((e) => e.envelope),
          [next],
        );
        assert.deepEqual(await store.readStream(`${cat}-missing`), []);
      }),
    );

    it('rejects a wrong expected revision in every form and writes nothing', CASE, () =>
      withStore(async (store) => {
        const cat = freshCategory();
        const s = `${cat}-existing`;
        const missing = `${cat}-missing`;
        await store.appendToStream(s, [thingHappened(s, 0), thingHappened(s, 1)], {
          expectedRevision: 'no_stream',
        });
        const head = await store.headPosition();

        const rejectedOnS: EventEnvelope[] = [];
        for (const expected of ['no_stream', 0, 5] as const) {
          const e = thingHappened(s, 10);
          rejectedOnS.push(e);
          await assert.rejects(
            store.appendToStream(s, [e], { expectedRevision: expected }),
            isWrongRevision(s, expected, 1),
          );
        }
        for (const expected of ['stream_exists', 0] as const) {
          await assert.rejects(
            store.appendToStream(missing, [thingHappened(missing, 0)], { expectedRevision: expected }),
            isWrongRevision(missing, expected, 'no_stream'),
          );
        }

        assert.equal((await store.readStream(s)).length, 2);
        assert.deepEqual(await store.readStream(missing), []);
        assert.equal(await store.headPosition(), head);
        // none of the rejected event ids was stored: they append cleanly now
        const r = await store.appendToStream(s, rejectedOnS, { expectedRevision: 1 });
        assert.equal(r.nextExpectedRevision, 4);
      }),
    );

    it('accepts any, stream_exists and the current revision', CASE, () =>
      withStore(async (store) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        assert.equal(
          (await store.appendToStream(s, [thingHappened(s, 0)], { expectedRevision: 'any' }))
            .nextExpectedRevision,
          0,
        );
        assert.equal(
          (await store.appendToStream(s, [thingHappened(s, 1)], { expectedRevision: 'any' }))
            .nextExpectedRevision,
          1,
        );
        const exists = await store.appendToStream(s, [thingHappened(s, 2)], {
          expectedRevision: 'stream_exists',
        });
        assert.equal(exists.nextExpectedRevision, 2);
        const exact = await store.appendToStream(s, [thingHappened(s, 3), thingHappened(s, 4)], {
          expectedRevision: 2,
        });
        assert.equal(exact.nextExpectedRevision, 4);
        assert.deepEqual(
          (await store.readStream(s)).map((e) => e.streamRevision),
          [0, 1, 2, 3, 4],
        );
      }),
    );

    it('treats an empty append as a revision check that writes nothing', CASE, () =>
      withStore(async (store) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        assert.deepEqual(await store.appendToStream(s, [], { expectedRevision: 'no_stream' }), {
          nextExpectedRevision: -1,
          position: 0n,
        });
        const r = await store.appendToStream(s, [thingHappened(s, 0)], { expectedRevision: 'no_stream' });
        assert.deepEqual(await store.appendToStream(s, [], { expectedRevision: 0 }), r);
        await assert.rejects(store.appendToStream(s, [], { expectedRevision: 3 }), isWrongRevision(s, 3, 0));
        assert.equal((await store.readStream(s)).length, 1);
      }),
    );

    it('answers a retried append as the original did and writes nothing', CASE, () =>
      withStore(async (store) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        const batch = [thingHappened(s, 0), thingHappened(s, 1)];
        const original = await store.appendToStream(s, batch, { expectedRevision: 'no_stream' });
        assert.deepEqual(await store.appendToStream(s, batch, { expectedRevision: 'no_stream' }), original);

        const later = thingHappened(s, 2);
        const second = await store.appendToStream(s, [later], { expectedRevision: 1 });
        const head = await store.headPosition();

        // a late retry carries its now stale expected revision: still the original answer
        assert.deepEqual(await store.appendToStream(s, batch, { expectedRevision: 'no_stream' }), original);
        assert.deepEqual(await store.appendToStream(s, batch, { expectedRevision: 'any' }), original);
        assert.deepEqual(
          await store.appendToStream(s, batch, { expectedRevision: 'stream_exists' }),
          original,
        );
        assert.deepEqual(await store.appendToStream(s, [later], { expectedRevision: 1 }), second);

        assert.equal(await store.headPosition(), head);
        assert.deepEqual(
          ids(await store.readStream(s)),
          [...batch, later].map((e) => e.eventId),
        );
        assert.equal((await store.readAll({ categories: [cat] })).length, 3);
      }),
    );

    it('rejects an append that mixes stored and new event ids and writes nothing', CASE, () =>
      withStore(async (store) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        const [a, b, c] = [thingHappened(s, 0), thingHappened(s, 1), thingHappened(s, 2)];
        await store.appendToStream(s, [a, b], { expectedRevision: 'no_stream' });

        await assert.rejects(
          store.appendToStream(s, [b, c], { expectedRevision: 1 }),
          PartialDuplicateAppendError,
        );
        await assert.rejects(
          store.appendToStream(s, [c, a], { expectedRevision: 'any' }),
          PartialDuplicateAppendError,
        );
        // all stored, but not as one original append: not a retry either
        await assert.rejects(
          store.appendToStream(s, [b, a], { expectedRevision: 'any' }),
          PartialDuplicateAppendError,
        );

        assert.deepEqual(ids(await store.readStream(s)), [a.eventId, b.eventId]);
        assert.equal((await store.appendToStream(s, [c], { expectedRevision: 1 })).nextExpectedRevision, 2);
      }),
    );

    it(
      'reads all streams in global order, after an exclusive fromPosition, with maxCount and categories',
      CASE,
      () =>
        withStore(async (store) => {
          const catA = freshCategory();
          const catB = freshCategory();
          const before = await store.headPosition();
          const streams = [`${catA}-1`, `${catB}-1`, `${catA}-2`, `${catA}-1`, `${catB}-1`, `${catA}-2`];
          const written: EventEnvelope[] = [];
          const positions: bigint[] = [];
          for (const [i, s] of streams.entries()) {
            const e = thingHappened(s, i);
            const r = await store.appendToStream(s, [e], { expectedRevision: 'any' });
            written.push(e);
            positions.push(r.position);
          }
          const writtenIds = written.map((e) => e.eventId);
          const isA = (e: EventEnvelope): boolean => e.streamId.startsWith(`${catA}-`);

          const both = await store.readAll({ categories: [catA, catB] });
          assert.deepEqual(
            both.map((e) => e.envelope),
            written,
          );
          assert.deepEqual(
            both.map((e) => e.position),
            positions,
          );
          assertStrictlyIncreasing(both);

          assert.deepEqual(
            ids(await store.readAll({ categories: [catA] })),
            written.filter(isA).map((e) => e.eventId),
          );
          assert.deepEqual(
            ids(await store.readAll({ categories: [catA, catB], fromPosition: positions[2] })),
            writtenIds.slice(3),
          );
          assert.deepEqual(
            ids(await store.readAll({ categories: [catA, catB], fromPosition: positions[0], maxCount: 2 })),
            writtenIds.slice(1, 3),
          );
          assert.deepEqual(ids(await store.readAll({ categories: [catB], maxCount: 1 })), [writtenIds[1]]);
          assert.deepEqual(await store.readAll({ categories: [catA], fromPosition: positions[5] }), []);

          const unfiltered = await store.readAll({ fromPosition: before });
          assertStrictlyIncreasing(unfiltered);
          assert.deepEqual(
            ids(unfiltered).filter((id) => writtenIds.includes(id)),
            writtenIds,
          );
          if (freshStore) assert.deepEqual(ids(await store.readAll()), writtenIds);
        }),
    );

    it('reports the position of the newest event as the head', CASE, () =>
      withStore(async (store) => {
        if (freshStore) assert.equal(await store.headPosition(), 0n);
        const catA = freshCategory();
        const a = `${catA}-1`;
        const batch = [thingHappened(a, 0), thingHappened(a, 1)];
        const r1 = await store.appendToStream(a, batch, { expectedRevision: 'no_stream' });
        assert.equal(await store.headPosition(), r1.position);
        const b = `${freshCategory()}-1`;
        const r2 = await store.appendToStream(b, [thingHappened(b, 0)], { expectedRevision: 'no_stream' });
        assert.equal(await store.headPosition(), r2.position);
        await store.appendToStream(a, batch, { expectedRevision: 'no_stream' });
        assert.equal(await store.headPosition(), r2.position);
      }),
    );

    it('lets exactly one of concurrent appends at the same expected revision win', CASE, () =>
      withStore(async (store) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        await store.appendToStream(s, [thingHappened(s, 0)], { expectedRevision: 'no_stream' });
        const contenders = Array.from({ length: 8 }, (_, i) => thingHappened(s, i + 1));
        const outcomes = await Promise.allSettled(
          contenders.map((e) => store.appendToStream(s, [e], { expectedRevision: 0 })),
        );
        const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [contenders[i]!] : []));
        assert.equal(won.length, 1);
        for (const o of outcomes)
          if (o.status === 'rejected') assert.ok(o.reason instanceof WrongExpectedRevisionError);
        assert.deepEqual(ids(await store.readStream(s)).slice(1), [won[0]!.eventId]);

        const fresh = `${cat}-2`;
        const creators = Array.from({ length: 8 }, (_, i) => thingHappened(fresh, i));
        const created = await Promise.allSettled(
          creators.map((e) => store.appendToStream(fresh, [e], { expectedRevision: 'no_stream' })),
        );
        assert.equal(created.filter((o) => o.status === 'fulfilled').length, 1);
        assert.equal((await store.readStream(fresh)).length, 1);
      }),
    );

    it('catches up from a checkpoint, then follows live appends', CASE, () =>
      withStore(async (store, subscriptions) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        const written = Array.from({ length: 5 }, (_, i) => thingHappened(s, i));
        const positions: bigint[] = [];
        for (const [i, e] of written.entries()) {
          positions.push(
            (await store.appendToStream(s, [e], { expectedRevision: i === 0 ? 'no_stream' : i - 1 }))
              .position,
          );
        }

        const seen: RecordedEvent[] = [];
        const sub = store.subscribe({
          subscriberId: `contract-${cat}`,
          fromPosition: positions[1],
          handler: async (e) => {
            seen.push(e);
          },
        });
        subscriptions.push(sub);
        await sub.whenCaughtUp();
        assert.deepEqual(
          ids(seen),
          written.slice(2).map((e) => e.eventId),
        );
        assert.equal(sub.lastPosition, positions[4]);

        const live = [thingHappened(s, 5), thingHappened(s, 6)];
        const r = await store.appendToStream(s, live, { expectedRevision: 4 });
        await eventually(() => seen.length === 5);
        assert.deepEqual(
          ids(seen),
          [...written.slice(2), ...live].map((e) => e.eventId),
        );
        assert.deepEqual(
          seen.map((e) => e.streamRevision),
          [2, 3, 4, 5, 6],
        );
        assertStrictlyIncreasing(seen);
        assert.equal(sub.lastPosition, r.position);
      }),
    );

    it('delivers only the subscribed categories, in global order', CASE, () =>
      withStore(async (store, subscriptions) => {
        const catA = freshCategory();
        const catB = freshCategory();
        const a = (n: number): EventEnvelope => thingHappened(`${catA}-${n % 2}`, n);
        const b = (n: number): EventEnvelope => thingHappened(`${catB}-1`, n);
        const history = [a(0), b(1), a(1), b(2), a(2)];
        for (const e of history) await store.appendToStream(e.streamId, [e], { expectedRevision: 'any' });

        const seen: RecordedEvent[] = [];
        const sub = store.subscribe({
          subscriberId: `contract-${catA}`,
          categories: [catA],
          handler: async (e) => {
            seen.push(e);
          },
        });
        subscriptions.push(sub);
        await sub.whenCaughtUp();
        const expected = history.filter((e) => e.streamId.startsWith(`${catA}-`)).map((e) => e.eventId);
        assert.deepEqual(ids(seen), expected);

        const liveB = b(3);
        const liveA = a(3);
        await store.appendToStream(liveB.streamId, [liveB], { expectedRevision: 'any' });
        await store.appendToStream(liveA.streamId, [liveA], { expectedRevision: 'any' });
        await sub.whenCaughtUp();
        assert.deepEqual(ids(seen), [...expected, liveA.eventId]);
        assertStrictlyIncreasing(seen);
      }),
    );

    it('resolves whenCaughtUp only once every event stored at the call has been handled', CASE, () =>
      withStore(async (store, subscriptions) => {
        const cat = freshCategory();
        const written: EventEnvelope[] = [];
        for (let i = 0; i < 20; i++) {
          const e = thingHappened(`${cat}-${i % 3}`, i);
          written.push(e);
          await store.appendToStream(e.streamId, [e], { expectedRevision: 'any' });
        }
        const seen: string[] = [];
        const sub = store.subscribe({
          subscriberId: `contract-${cat}`,
          categories: [cat],
          handler: async (e) => {
            await new Promise((r) => setImmediate(r));
            seen.push(e.envelope.eventId);
          },
        });
        subscriptions.push(sub);
        await sub.whenCaughtUp();
        assert.deepEqual(
          seen,
          written.map((e) => e.eventId),
        );
        await sub.whenCaughtUp();
        assert.equal(seen.length, 20);

        const idle = store.subscribe({
          subscriberId: 'contract-idle',
          categories: [freshCategory()],
          handler: () => Promise.resolve(),
        });
        subscriptions.push(idle);
        await idle.whenCaughtUp();
        assert.equal(idle.lastPosition, undefined);

        const fromHead = store.subscribe({
          subscriberId: 'contract-from-head',
          categories: [cat],
          fromPosition: await store.headPosition(),
          handler: async () => assert.fail('nothing after the head'),
        });
        subscriptions.push(fromHead);
        await fromHead.whenCaughtUp();
        assert.equal(fromHead.lastPosition, undefined);
      }),
    );

    it('stop waits for the handler in flight and ends delivery', CASE, () =>
      withStore(async (store, subscriptions) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        const first = thingHappened(s, 0);
        await store.appendToStream(s, [first], { expectedRevision: 'no_stream' });

        let started!: () => void;
        const handlerStarted = new Promise<void>((r) => (started = r));
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        const seen: string[] = [];
        const sub = store.subscribe({
          subscriberId: `contract-${cat}`,
          categories: [cat],
          handler: async (e) => {
            started();
            await released;
            seen.push(e.envelope.eventId);
          },
        });
        await handlerStarted;
        let stopped = false;
        const stopping = sub.stop().then(() => {
          stopped = true;
        });
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        assert.equal(stopped, false, 'stop() resolved while the handler was still running');
        release();
        await stopping;
        assert.deepEqual(seen, [first.eventId]);
        await assert.rejects(sub.whenCaughtUp());

        const after = thingHappened(s, 1);
        await store.appendToStream(s, [after], { expectedRevision: 0 });
        const probeSeen: string[] = [];
        const probe = store.subscribe({
          subscriberId: `contract-probe-${cat}`,
          categories: [cat],
          handler: async (e) => {
            probeSeen.push(e.envelope.eventId);
          },
        });
        subscriptions.push(probe);
        await probe.whenCaughtUp();
        assert.deepEqual(probeSeen, [first.eventId, after.eventId]);
        assert.deepEqual(seen, [first.eventId], 'a stopped subscription delivered an event');
      }),
    );

    it('retries a failing handler on the same event and never skips it', CASE, () =>
      withStore(async (store, subscriptions) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        const written = [thingHappened(s, 0), thingHappened(s, 1), thingHappened(s, 2)];
        await store.appendToStream(s, written, { expectedRevision: 'no_stream' });
        const poison = written[1]!.eventId;

        const attempts: string[] = [];
        const handled: string[] = [];
        const sub = store.subscribe({
          subscriberId: `contract-${cat}`,
          categories: [cat],
          handler: async (e) => {
            attempts.push(e.envelope.eventId);
            if (e.envelope.eventId === poison && attempts.filter((id) => id === poison).length < 3) {
              throw new Error('transient failure');
            }
            handled.push(e.envelope.eventId);
          },
        });
        subscriptions.push(sub);
        await sub.whenCaughtUp();
        const [e0, e1, e2] = written.map((e) => e.eventId);
        assert.deepEqual(attempts, [e0, e1, e1, e1, e2]);
        assert.deepEqual(handled, [e0, e1, e2]);
      }),
    );

    it('round-trips payloads and every envelope field exactly', CASE, () =>
      withStore(async (store, subscriptions) => {
        const cat = freshCategory();
        const s = `${cat}-1`;
        const full = thingHappened(s, 1, {
          schemaVersion: 3,
          occurredAt: '2026-01-02T03:04:05.678Z',
          recordedAt: '2026-01-02T03:04:06.000Z',
          correlationId: 'corr-round-trip',
          causationId: 'cause-0193',
          locationId: 'loc-north',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          data: {
            n: 1,
            label: 'ünïcødé ✓ "quoted" \\ back\nslash \u0000 😀',
            nested: { list: [1, 2.5, -3, 0, true, false, null, 'x', { deep: [[]] }], empty: {}, none: null },
            max: Number.MAX_SAFE_INTEGER,
            tiny: 1e-7,
          },
        });
        const sparse = thingHappened(s, 2, { causationId: null, locationId: null, traceparent: null });
        const written = [full, sparse];
        await store.appendToStream(s, written, { expectedRevision: 'no_stream' });

        assert.deepEqual(
          (await store.readStream(s)).map((e) => e.envelope),
          written,
        );
        assert.deepEqual(
          (await store.readAll({ categories: [cat] })).map((e) => e.envelope),
          written,
        );
        const seen: EventEnvelope[] = [];
        const sub = store.subscribe({
          subscriberId: `contract-${cat}`,
          categories: [cat],
          handler: async (e) => {
            seen.push(e.envelope);
          },
        });
        subscriptions.push(sub);
        await sub.whenCaughtUp();
        assert.deepEqual(seen, written);
      }),
    );
  });
}
