import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterTopicFor, type EventEnvelope } from '@ringback/contracts';
import {
  BusHeader,
  type Bus,
  type BusConsumer,
  type BusMessage,
  type ConsumeOptions,
} from '@ringback/platform-core';
import { uniqueSuffix } from './infra';
import { eventually, thingHappened } from './test-events';

export interface BusFixture {
  bus: Bus;
  /**
   * A second bus over the same storage or broker, as a restarted process would open it. Without it
   * the crash case continues on `bus` itself.
   */
  restart?: () => Promise<Bus>;
  /** Closes every bus the fixture handed out and removes what it created. */
  cleanup(): Promise<void>;
}

/** Group joins on a real broker take seconds on a small machine. */
const DEADLINE_MS = 30_000;
const CASE = { timeout: 90_000 };
/** Fast retries: the cases are about the order of events, not about the waiting. */
const FAST_RETRY = { initialBackoffMs: 10, maxBackoffMs: 40 };

const n = (m: BusMessage): number => (m.envelope.data as { n: number }).n;
const freshTopic = (): string => `ringback.contract${uniqueSuffix().replace(/[^a-z0-9]/gi, '')}.events`;
const freshGroup = (label: string): string => `contract-${label}-${uniqueSuffix()}`;

function withDeadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * The behaviour every Bus adapter must show, as node:test cases: at-least-once delivery ordered per
 * key, redelivery of what was not acknowledged, dead-lettering, independent groups, catch-up and
 * lag. Call it at the top level of a spec file; every case gets its own fixture, topics and groups.
 */
export function busContract(name: string, factory: () => Promise<BusFixture>): void {
  async function withBus(
    work: (fixture: BusFixture, consumers: BusConsumer[]) => Promise<void>,
  ): Promise<void> {
    const fixture = await factory();
    const consumers: BusConsumer[] = [];
    try {
      await work(fixture, consumers);
    } finally {
      await Promise.allSettled(consumers.map((c) => c.stop()));
      await fixture.cleanup();
    }
  }

  async function consume(
    bus: Bus,
    consumers: BusConsumer[],
    options: Omit<ConsumeOptions, 'handler'> & { handler?: ConsumeOptions['handler'] },
  ): Promise<{ consumer: BusConsumer; received: BusMessage[] }> {
    const received: BusMessage[] = [];
    const consumer = await bus.consume({
      ...options,
      handler:
        options.handler ??
        (async (m) => {
          received.push(m);
        }),
    });
    consumers.push(consumer);
    return { consumer, received };
  }

  describe(`${name}: Bus contract`, () => {
    it('round-trips an envelope with its transport headers', CASE, () =>
      withBus(async ({ bus }, consumers) => {
        const topic = freshTopic();
        const { received } = await consume(bus, consumers, {
          groupId: freshGroup('roundtrip'),
          topics: [topic],
        });
        const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
        const envelope = thingHappened('thing-roundtrip', 7, { traceparent, causationId: 'cause-1' });
        await bus.publish(topic, 'thing-roundtrip', envelope, { 'x-tenant': 'acme' });

        await eventually(() => received.length >= 1, DEADLINE_MS);
        const m = received[0]!;
        assert.deepEqual(m.envelope, envelope);
        assert.equal(m.topic, topic);
        assert.equal(m.key, 'thing-roundtrip');
        assert.equal(m.attempt, 1);
        assert.ok(Number.isInteger(m.partition) && m.partition >= 0, `partition ${m.partition}`);
        assert.match(m.offset, /^\d+$/);
        assert.equal(m.headers[BusHeader.contentType], 'application/json');
        assert.equal(m.headers[BusHeader.eventType], 'ThingHappened');
        assert.equal(m.headers[BusHeader.eventId], envelope.eventId);
        assert.equal(m.headers[BusHeader.schemaVersion], '2');
        assert.equal(m.headers['x-tenant'], 'acme');
        // No active span in this test: the envelope's trace travels in the header.
        assert.equal(m.headers[BusHeader.traceparent], traceparent);
      }),
    );

    it('keeps the order of every key while many keys are published concurrently', CASE, () =>
      withBus(async ({ bus }, consumers) => {
        const topic = freshTopic();
        const keys = Array.from({ length: 12 }, (_, i) => `thing-order${i}`);
        const perKey = 20;
        const seen = new Map<string, number[]>(keys.map((k) => [k, []]));
        const partitionOfKey = new Map<string, number>();
        const inFlight = new Map<number, number>();
        let overlaps = 0;
        const moved: string[] = [];
        await consume(bus, consumers, {
          groupId: freshGroup('order'),
          topics: [topic],
          handler: async (m) => {
            const busy = inFlight.get(m.partition) ?? 0;
            if (busy > 0) overlaps++;
            inFlight.set(m.partition, busy + 1);
            await settle();
            seen.get(m.key)!.push(n(m));
            // Recorded, not asserted: a throwing handler would only be retried.
            if ((partitionOfKey.get(m.key) ?? m.partition) !== m.partition) moved.push(m.key);
            partitionOfKey.set(m.key, m.partition);
            inFlight.set(m.partition, (inFlight.get(m.partition) ?? 1) - 1);
          },
        });

        // Keys race each other; each key's own messages are published one after the other.
        await Promise.all(
          keys.map(async (key) => {
            for (let i = 0; i < perKey; i++) await bus.publish(topic, key, thingHappened(key, i));
          }),
        );

        await eventually(() => [...seen.values()].every((s) => s.length >= perKey), DEADLINE_MS);
        const expected = Array.from({ length: perKey }, (_, i) => i);
        for (const [key, sequence] of seen) assert.deepEqual(sequence, expected, `order of ${key}`);
        assert.equal(overlaps, 0, 'two messages of one partition were handled at the same time');
        assert.deepEqual(moved, [], 'a key must stay on one partition');
        assert.ok(new Set(partitionOfKey.values()).size > 1, 'keys should spread over partitions');
      }),
    );

    it('redelivers the message in flight when its consumer dies mid-batch, and loses nothing', CASE, () =>
      withBus(async ({ bus, restart }, consumers) => {
        const topic = freshTopic();
        const groupId = freshGroup('crash');
        const key = 'thing-crash';
        for (let i = 0; i < 10; i++) await bus.publish(topic, key, thingHappened(key, i));

        let crashed: Promise<void> | undefined;
        const beforeCrash: number[] = [];
        const consumerA: Promise<BusConsumer> = consume(bus, consumers, {
          groupId,
          topics: [topic],
          retry: FAST_RETRY,
          handler: async (m) => {
            beforeCrash.push(n(m));
            if (n(m) === 4) {
              // The process "dies" while handling 4: it never completes, the rest of the batch is never reached.
              crashed = (await consumerA).stop();
              throw new Error('simulated crash');
            }
          },
        }).then((c) => c.consumer);
        await eventually(() => crashed !== undefined, DEADLINE_MS);
        await withDeadline(crashed!, 'crashed consumer shutting down');
        assert.deepEqual(beforeCrash, [0, 1, 2, 3, 4]);

        const reopened = restart ? await restart() : bus;
        const { received } = await consume(reopened, consumers, { groupId, topics: [topic] });
        await eventually(() => received.some((m) => n(m) === 9), DEADLINE_MS);
        const after = received.map(n);
        assert.ok(after.includes(4), `the unacknowledged message 4 must come again, got ${after.join(',')}`);
        assert.ok(after[0]! <= 4, `redelivery may repeat, never skip: got ${after.join(',')}`);
        assert.deepEqual(
          after,
          Array.from({ length: 10 - after[0]! }, (_, i) => after[0]! + i),
        );
      }),
    );

    it(
      'sync() resolves after the messages published before it, which a reopened bus still delivers',
      CASE,
      () =>
        withBus(async ({ bus, restart }, consumers) => {
          const topic = freshTopic();
          const key = 'thing-sync';
          await Promise.all(
            Array.from({ length: 20 }, (_, i) => bus.publish(topic, key, thingHappened(key, i))),
          );
          await withDeadline(bus.sync(), 'sync');
          const reopened = restart ? await restart() : bus;
          const { received } = await consume(reopened, consumers, {
            groupId: freshGroup('sync'),
            topics: [topic],
          });
          await eventually(() => received.length === 20, DEADLINE_MS);
          assert.deepEqual(
            received.map(n),
            Array.from({ length: 20 }, (_, i) => i),
          );
        }),
    );

    it('dead-letters a message after maxAttempts with the failure in its headers, then moves on', CASE, () =>
      withBus(async ({ bus }, consumers) => {
        const topic = freshTopic();
        const key = 'thing-poison';
        const handled: number[] = [];
        const attemptsOf1: number[] = [];
        await consume(bus, consumers, {
          groupId: freshGroup('dlq'),
          topics: [topic],
          retry: { maxAttempts: 3, ...FAST_RETRY },
          handler: async (m) => {
            if (n(m) === 1) {
              attemptsOf1.push(m.attempt);
              throw new Error('boom on 1');
            }
            handled.push(n(m));
          },
        });
        const { received: dead } = await consume(bus, consumers, {
          groupId: freshGroup('dlq-reader'),
          topics: [deadLetterTopicFor(topic)],
        });

        const poison = thingHappened(key, 1);
        await bus.publish(topic, key, thingHappened(key, 0));
        await bus.publish(topic, key, poison);
        await bus.publish(topic, key, thingHappened(key, 2));

        await eventually(() => handled.includes(2) && dead.length >= 1, DEADLINE_MS);
        assert.deepEqual(handled, [0, 2]);
        assert.deepEqual(attemptsOf1, [1, 2, 3]);
        assert.equal(dead.length, 1);
        const letter = dead[0]!;
        assert.equal(letter.topic, `${topic}.dlq`);
        assert.equal(letter.key, key);
        assert.deepEqual(letter.envelope, poison);
        assert.match(letter.headers[BusHeader.error] ?? '', /boom on 1/);
        assert.equal(letter.headers[BusHeader.attempts], '3');
        assert.equal(letter.headers[BusHeader.originalTopic], topic);
        assert.match(letter.headers[BusHeader.originalPartition] ?? '', /^\d+$/);
        assert.match(letter.headers[BusHeader.originalOffset] ?? '', /^\d+$/);
        assert.equal(letter.headers[BusHeader.eventId], poison.eventId);
      }),
    );

    it('loses nothing across a consumer restart: the new consumer gets exactly the rest', CASE, () =>
      withBus(async ({ bus }, consumers) => {
        const topic = freshTopic();
        const groupId = freshGroup('restart');
        const keys = ['thing-r1', 'thing-r2', 'thing-r3'];
        const publish = async (from: number, to: number): Promise<EventEnvelope[]> => {
          const sent: EventEnvelope[] = [];
          for (let i = from; i < to; i++) {
            const e = thingHappened(keys[i % keys.length]!, i);
            await bus.publish(topic, keys[i % keys.length]!, e);
            sent.push(e);
          }
          return sent;
        };
        const first = await publish(0, 9);
        const one = await consume(bus, consumers, { groupId, topics: [topic] });
        await withDeadline(one.consumer.whenCaughtUp(), 'first consumer catching up');
        assert.deepEqual(
          new Set(one.received.map((m) => m.envelope.eventId)),
          new Set(first.map((e) => e.eventId)),
        );
        await one.consumer.stop();

        const second = await publish(9, 18);
        const two = await consume(bus, consumers, { groupId, topics: [topic] });
        await withDeadline(two.consumer.whenCaughtUp(), 'second consumer catching up');
        // A graceful stop commits what it handled: nothing comes twice, nothing is missing.
        assert.deepEqual(
          two.received.map((m) => m.envelope.eventId).sort(),
          second.map((e) => e.eventId).sort(),
        );
      }),
    );

    it('gives every message to each consumer group', CASE, () =>
      withBus(async ({ bus }, consumers) => {
        const topic = freshTopic();
        const a = await consume(bus, consumers, { groupId: freshGroup('a'), topics: [topic] });
        const b = await consume(bus, consumers, { groupId: freshGroup('b'), topics: [topic] });
        const sent: string[] = [];
        for (let i = 0; i < 12; i++) {
          const e = thingHappened(`thing-g${i % 4}`, i);
          await bus.publish(topic, `thing-g${i % 4}`, e);
          sent.push(e.eventId);
        }
        await Promise.all([
          withDeadline(a.consumer.whenCaughtUp(), 'group a'),
          withDeadline(b.consumer.whenCaughtUp(), 'group b'),
        ]);
        const ids = (r: BusMessage[]): string[] => [...new Set(r.map((m) => m.envelope.eventId))].sort();
        assert.deepEqual(ids(a.received), [...sent].sort());
        assert.deepEqual(ids(b.received), [...sent].sort());
      }),
    );

    it('whenCaughtUp resolves only once every earlier message was handled or dead-lettered', CASE, () =>
      withBus(async ({ bus }, consumers) => {
        const topic = freshTopic();
        const empty = await consume(bus, consumers, { groupId: freshGroup('empty'), topics: [freshTopic()] });
        await withDeadline(empty.consumer.whenCaughtUp(), 'consumer of an empty topic');

        for (let i = 0; i < 15; i++)
          await bus.publish(topic, `thing-c${i % 3}`, thingHappened(`thing-c${i % 3}`, i));
        const handled = new Set<number>();
        const { consumer } = await consume(bus, consumers, {
          groupId: freshGroup('caughtup'),
          topics: [topic],
          retry: { maxAttempts: 2, ...FAST_RETRY },
          handler: async (m) => {
            await new Promise((r) => setTimeout(r, 2));
            if (n(m) === 5) throw new Error('always fails');
            handled.add(n(m));
          },
        });
        await withDeadline(consumer.whenCaughtUp(), 'whenCaughtUp');
        assert.equal(handled.size, 14, `handled ${[...handled].sort((x, y) => x - y).join(',')}`);
        assert.ok(!handled.has(5));
      }),
    );

    it('reports lag as published-but-uncommitted messages, down to 0', CASE, () =>
      withBus(async ({ bus }, consumers) => {
        const topic = freshTopic();
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let blocked = false;
        const { consumer } = await consume(bus, consumers, {
          groupId: freshGroup('lag'),
          topics: [topic],
          handler: async () => {
            blocked = true;
            await gate;
          },
        });
        assert.equal(await consumer.lag(), 0);
        for (let i = 0; i < 5; i++) await bus.publish(topic, 'thing-lag', thingHappened('thing-lag', i));

        await eventually(() => blocked, DEADLINE_MS);
        assert.equal(await consumer.lag(), 5, 'nothing committed while the first message is in flight');
        release();
        await eventually(async () => (await consumer.lag()) === 0, DEADLINE_MS, 50);
      }),
    );
  });
}
