import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { deadLetterTopicFor } from '@ringback/contracts';
import { BusHeader, DEAD_LETTERED_METRIC, type BusMessage } from '@ringback/platform-core';
import { eventually, infraEndpoints, requireInfra, thingHappened, uniqueSuffix } from '@ringback/testing';
import { KafkaBus } from './kafka-bus';

// A poison message (a valid envelope its handler always throws on) on a real broker: after
// maxAttempts it goes to the dead-letter topic with a metric and a log line, and the messages
// behind it on the same partition keep flowing, in order, each once.

const brokers = infraEndpoints().kafkaBrokers;

if (!brokers) {
  test('poison messages on a real broker', (t) => {
    requireInfra(t, 'kafka');
  });
} else {
  describe('KafkaBus: a poison message', () => {
    it(
      'is dead-lettered after maxAttempts with a metric and a log line; its partition keeps flowing',
      { timeout: 90_000 },
      async () => {
        const registry = new Registry();
        const warnings: { fields: Record<string, unknown>; message: string }[] = [];
        const bus = new KafkaBus({
          brokers,
          clientId: `ringback-poison-${uniqueSuffix()}`,
          partitions: 1, // one partition: the poison message sits in front of everything else
          sessionTimeoutMs: 10_000,
          heartbeatIntervalMs: 500,
          maxWaitTimeMs: 100,
          caughtUpPollMs: 50,
          logLevel: logLevel.NOTHING,
          registry,
          logger: { warn: (fields, message) => warnings.push({ fields, message }) },
        });
        const topic = `ringback.poison${uniqueSuffix().replace(/[^a-z0-9]/gi, '')}.events`;
        const group = `poison-${uniqueSuffix()}`;
        const key = 'thing-1';
        const attemptsOf = new Map<string, number>();
        const handled: number[] = [];
        const dead: BusMessage[] = [];
        const poison = thingHappened(key, 3);
        try {
          const consumer = await bus.consume({
            groupId: group,
            topics: [topic],
            fromBeginning: true,
            retry: { maxAttempts: 4, initialBackoffMs: 10, maxBackoffMs: 20 },
            handler: async (m) => {
              attemptsOf.set(m.envelope.eventId, (attemptsOf.get(m.envelope.eventId) ?? 0) + 1);
              if (m.envelope.eventId === poison.eventId) throw new Error('handler bug: cannot project this');
              handled.push((m.envelope.data as { n: number }).n);
            },
          });
          const dlq = await bus.consume({
            groupId: `${group}-dlq`,
            topics: [deadLetterTopicFor(topic)],
            fromBeginning: true,
            handler: async (m) => {
              dead.push(m);
            },
          });
          const messages = [1, 2, 3, 4, 5, 6].map((n) => (n === 3 ? poison : thingHappened(key, n)));
          for (const m of messages) await bus.publish(topic, key, m);
          await eventually(() => handled.length === 5 && dead.length === 1, 60_000);
          await consumer.whenCaughtUp();

          // The rest of the partition flowed past it, in order, each once.
          assert.deepEqual(handled, [1, 2, 4, 5, 6]);
          for (const m of messages.filter((x) => x !== poison)) assert.equal(attemptsOf.get(m.eventId), 1);
          // Tried exactly maxAttempts times, then moved byte for byte with the failure in its headers.
          assert.equal(attemptsOf.get(poison.eventId), 4);
          const letter = dead[0]!;
          assert.deepEqual(letter.envelope, poison);
          assert.equal(letter.headers[BusHeader.eventId], poison.eventId);
          assert.match(JSON.stringify(letter.headers), /handler bug: cannot project this/);
          assert.match(JSON.stringify(letter.headers), /"4"/);

          const metrics = await registry.getSingleMetricAsString(DEAD_LETTERED_METRIC);
          assert.match(
            metrics,
            new RegExp(`${DEAD_LETTERED_METRIC}\\{group="${group}",topic="${topic}"\\} 1`),
          );
          const lines = warnings.filter((w) => w.message === 'message dead-lettered');
          assert.equal(lines.length, 1);
          assert.equal(lines[0]!.fields['eventId'], poison.eventId);
          assert.equal(lines[0]!.fields['eventType'], poison.type);
          assert.equal(lines[0]!.fields['attempts'], 4);
          assert.equal(lines[0]!.fields['group'], group);
          assert.equal(lines[0]!.fields['topic'], topic);
          // The log line names the event, never its data.
          assert.doesNotMatch(JSON.stringify(lines[0]!.fields), /"n":3/);
          // The committed offset moved past it: a consumer of the group started now gets nothing again.
          await consumer.stop();
          const again: number[] = [];
          const restarted = await bus.consume({
            groupId: group,
            topics: [topic],
            fromBeginning: true,
            handler: async (m) => {
              again.push((m.envelope.data as { n: number }).n);
            },
          });
          await bus.publish(topic, key, thingHappened(key, 7));
          await eventually(() => again.length >= 1, 30_000);
          await restarted.whenCaughtUp();
          assert.deepEqual(again, [7]);
          await dlq.stop();
          await restarted.stop();
        } finally {
          await bus.close();
        }
      },
    );
  });
}
