// Baseline: raw kafkajs, no Ringback code. `consumer` joins a fresh group on a fresh topic and counts
// messages until it has `count`; `producer` sends `count` keyed messages of `size` bytes as fast as an
// idempotent, acks=all producer (the settings of Ringback's KafkaBus) sends batches of 500.
import { Kafka, logLevel } from 'kafkajs';

interface Spec {
  role: 'producer' | 'consumer';
  brokers: string[];
  topic: string;
  count: number;
  size: number;
  partitions: number;
}

const now = () => performance.timeOrigin + performance.now();

async function consumer(spec: Spec): Promise<void> {
  const kafka = new Kafka({
    clientId: `bench-raw-c-${process.pid}`,
    brokers: spec.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: spec.topic, numPartitions: spec.partitions }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const c = kafka.consumer({ groupId: `${spec.topic}-g`, maxWaitTimeInMs: 100 });
  await c.connect();
  await c.subscribe({ topic: spec.topic, fromBeginning: true });
  let received = 0;
  let first = 0;
  let bytes = 0;
  const joined = new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
  const done = new Promise<number>((resolve) => {
    void c.run({
      eachBatch: async ({ batch }) => {
        if (!first) first = now();
        received += batch.messages.length;
        for (const m of batch.messages) bytes += m.value?.length ?? 0;
        if (received >= spec.count) resolve(now());
      },
    });
  });
  await joined;
  process.send?.({ type: 'joined' });
  const last = await done;
  process.send?.({ type: 'done', report: { received, first, last, bytes } });
  await c.disconnect();
}

async function producer(spec: Spec): Promise<void> {
  const kafka = new Kafka({
    clientId: `bench-raw-p-${process.pid}`,
    brokers: spec.brokers,
    logLevel: logLevel.NOTHING,
  });
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  const value = Buffer.alloc(spec.size, 'x');
  const started = now();
  for (let i = 0; i < spec.count; i += 500) {
    const n = Math.min(500, spec.count - i);
    await p.send({
      topic: spec.topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, j) => ({ key: `stream-${(i + j) % 5000}`, value })),
    });
  }
  const ended = now();
  await p.disconnect();
  process.send?.({ type: 'done', report: { started, ended } });
}

process.on('message', (raw) => {
  const spec = raw as Spec;
  (spec.role === 'producer' ? producer(spec) : consumer(spec)).catch((e: unknown) => {
    process.send?.({ type: 'error', error: String(e) }, () => process.exit(1));
  });
});
process.send?.({ type: 'ready' });
// The parent went away (killed, or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(1));
