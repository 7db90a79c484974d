import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import {
  busContract,
  eventually,
  infraEndpoints,
  requireInfra,
  thingHappened,
  uniqueSuffix,
} from '@ringback/testing';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';

/** Settings for a small shared test broker: members that vanish are noticed within seconds. */
const testBusOptions = (brokers: string[]): KafkaBusOptions => ({
  brokers,
  clientId: `ringback-test-${uniqueSuffix()}`,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 15_000,
  maxWaitTimeMs: 250,
  caughtUpPollMs: 100,
  logLevel: logLevel.NOTHING,
});

const brokers = infraEndpoints().kafkaBrokers;

if (!brokers) {
  test('KafkaBus against a real broker', (t) => {
    requireInfra(t, 'kafka');
  });
} else {
  busContract('KafkaBus', async () => {
    const buses: KafkaBus[] = [];
    const open = (): KafkaBus => {
      const bus = new KafkaBus(testBusOptions(brokers));
      buses.push(bus);
      return bus;
    };
    return {
      bus: open(),
      restart: async () => open(),
      cleanup: async () => {
        await Promise.all(buses.map((b) => b.close()));
      },
    };
  });

  const freshTopic = (): string => `ringback.kafka${uniqueSuffix().replace(/[^a-z0-9]/gi, '')}.events`;
  const n = (m: { envelope: { data: unknown } }): number => (m.envelope.data as { n: number }).n;

  describe('KafkaBus', () => {
    it(
      'continues after a member that was SIGKILLed mid-message, once the broker has expired it',
      { timeout: 90_000 },
      async () => {
        const topic = freshTopic();
        const groupId = `crash-${uniqueSuffix()}`;
        const sessionTimeoutMs = 6_000; // the broker's group.min.session.timeout.ms
        const bus = new KafkaBus({ ...testBusOptions(brokers), sessionTimeoutMs });
        try {
          for (let i = 0; i < 10; i++) await bus.publish(topic, 'thing-1', thingHappened('thing-1', i));

          const child = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              join(__dirname, 'test-fixtures', 'crashing-consumer.fixture.ts'),
              brokers.join(','),
              topic,
              groupId,
              '4',
              String(sessionTimeoutMs),
            ],
            { cwd: join(__dirname, '..', '..', '..', '..'), stdio: ['ignore', 'pipe', 'ignore'] },
          );
          const exited = new Promise<NodeJS.Signals | null>((resolve) =>
            child.once('exit', (_code, signal) => resolve(signal)),
          );
          const seenByChild: number[] = [];
          for await (const line of createInterface({ input: child.stdout })) {
            const [what, value] = line.split(' ');
            if (what === 'handled' || what === 'stuck') seenByChild.push(Number(value));
            if (what === 'stuck') break;
          }
          child.kill('SIGKILL');
          assert.equal(await exited, 'SIGKILL');
          assert.deepEqual(seenByChild, [0, 1, 2, 3, 4]);

          const received: number[] = [];
          const consumer = await bus.consume({
            groupId,
            topics: [topic],
            handler: async (m) => void received.push(n(m)),
          });
          await eventually(() => received.includes(9), 45_000, 50);
          await consumer.whenCaughtUp();
          // At least once: the group resumes at its last commit (which may predate 0..3), never after 4.
          assert.ok(received[0]! <= 4, `resumed after the message in flight: ${received.join(',')}`);
          assert.deepEqual(
            received,
            Array.from({ length: 10 - received[0]! }, (_, i) => received[0]! + i),
          );
        } finally {
          await bus.close();
        }
      },
    );

    it(
      'keeps its partitions through a handler slower than the session timeout',
      { timeout: 60_000 },
      async () => {
        const topic = freshTopic();
        const bus = new KafkaBus({ ...testBusOptions(brokers), sessionTimeoutMs: 6_000 });
        try {
          const deliveries: number[] = [];
          const consumer = await bus.consume({
            groupId: `slow-${uniqueSuffix()}`,
            topics: [topic],
            handler: async (m) => {
              deliveries.push(n(m));
              if (n(m) === 0) await new Promise((r) => setTimeout(r, 8_000));
            },
          });
          await bus.publish(topic, 'thing-1', thingHappened('thing-1', 0));
          await bus.publish(topic, 'thing-1', thingHappened('thing-1', 1));
          await eventually(() => deliveries.includes(1), 30_000, 50);
          await consumer.whenCaughtUp();
          // Evicted members get their in-flight message redelivered; heartbeats during the handler prevent that.
          assert.deepEqual(deliveries, [0, 1]);
        } finally {
          await bus.close();
        }
      },
    );

    it(
      'writes the documented record: key, JSON envelope, string headers, on a topic with the configured partitions',
      { timeout: 60_000 },
      async () => {
        const topic = freshTopic();
        const bus = new KafkaBus({ ...testBusOptions(brokers), partitions: 4 });
        const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
        const admin = kafka.admin();
        const raw = kafka.consumer({
          groupId: `raw-${uniqueSuffix()}`,
          sessionTimeout: 10_000,
          heartbeatInterval: 500,
          maxWaitTimeInMs: 250,
        });
        try {
          const envelope = thingHappened('thing-1', 1);
          await bus.publish(topic, 'thing-1', envelope, { 'x-tenant': 'acme' });
          await admin.connect();
          const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
          assert.equal(meta?.partitions.length, 4);

          const seen: { key: string; value: string; headers: Record<string, string> }[] = [];
          await raw.connect();
          await raw.subscribe({ topics: [topic], fromBeginning: true });
          await raw.run({
            eachMessage: async ({ message }) => {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
              seen.push({ key: String(message.key), value: String(message.value), headers });
            },
          });
          await eventually(() => seen.length === 1, 30_000);
          assert.equal(seen[0]!.key, 'thing-1');
          assert.deepEqual(JSON.parse(seen[0]!.value), envelope);
          assert.deepEqual(seen[0]!.headers, {
            'x-tenant': 'acme',
            'content-type': 'application/json',
            'event-type': 'ThingHappened',
            'event-id': envelope.eventId,
            'schema-version': '2',
          });
        } finally {
          await raw.disconnect();
          await admin.disconnect();
          await bus.close();
        }
      },
    );

    it(
      'with fromBeginning false handles only what is published after consume resolved',
      { timeout: 60_000 },
      async () => {
        const topic = freshTopic();
        const groupId = `late-${uniqueSuffix()}`;
        const bus = new KafkaBus(testBusOptions(brokers));
        const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
        try {
          await bus.publish(topic, 'thing-1', thingHappened('thing-1', 0));
          const received: number[] = [];
          const consumer = await bus.consume({
            groupId,
            topics: [topic],
            fromBeginning: false,
            handler: async (m) => void received.push((m.envelope.data as { n: number }).n),
          });
          await bus.publish(topic, 'thing-1', thingHappened('thing-1', 1));
          await consumer.whenCaughtUp();
          assert.deepEqual(received, [1]);
          // The start position was pinned and committed on every partition, idle ones included.
          await admin.connect();
          const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
          assert.deepEqual(
            offsets?.partitions.map((p) => Number(p.offset) >= 0),
            [true, true, true],
          );
        } finally {
          await admin.disconnect();
          await bus.close();
        }
      },
    );

    it(
      'exports ringback_bus_consumer_lag{group,topic} to the given registry',
      { timeout: 60_000 },
      async () => {
        const topic = freshTopic();
        const groupId = `metrics-${uniqueSuffix()}`;
        const registry = new Registry();
        const bus = new KafkaBus({ ...testBusOptions(brokers), registry });
        try {
          for (let i = 0; i < 3; i++) await bus.publish(topic, 'thing-1', thingHappened('thing-1', i));
          let release!: () => void;
          const gate = new Promise<void>((r) => (release = r));
          const consumer = await bus.consume({ groupId, topics: [topic], handler: () => gate });
          assert.equal(await consumer.lag(), 3);
          const line = (value: number): RegExp =>
            new RegExp(
              `ringback_bus_consumer_lag\\{group="${groupId}",topic="${topic.replace(/\./g, '\\.')}"\\} ${value}`,
            );
          assert.match(await registry.metrics(), line(3));
          release();
          await consumer.whenCaughtUp();
          await consumer.lag();
          assert.match(await registry.metrics(), line(0));
        } finally {
          await bus.close();
        }
      },
    );

    it('refuses to publish after close', async () => {
      const bus = new KafkaBus(testBusOptions(brokers));
      await bus.close();
      await assert.rejects(bus.publish('ringback.x.events', 'k', thingHappened('thing-1', 0)), /closed/);
    });
  });
}
