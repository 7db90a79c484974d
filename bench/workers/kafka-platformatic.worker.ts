// The kafka-raw.worker.ts workload with @platformatic/kafka instead of kafkajs, for the client
// comparison. Same protocol and report: `consumer` creates the topic, joins a fresh group (no committed
// offsets, so it starts at the earliest) and counts messages until it has `count`; `producer` sends
// `count` keyed messages of `size` bytes, idempotent with acks=all, awaiting each batch of 500.
// Keys go in as strings (serialised by the client, as kafkajs does) and values as one shared Buffer.
import { Admin, Consumer, ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';

interface Spec {
  role: 'producer' | 'consumer';
  brokers: string[];
  topic: string;
  count: number;
  size: number;
  partitions: number;
}

const now = () => performance.timeOrigin + performance.now();

/** Creates the topic and waits (bounded) until every partition has a leader, as kafkajs' waitForLeaders. */
async function createTopic(spec: Spec): Promise<void> {
  const admin = new Admin({ clientId: `bench-plt-a-${process.pid}`, bootstrapBrokers: spec.brokers });
  try {
    await admin.createTopics({ topics: [spec.topic], partitions: spec.partitions, replicas: 1 });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const meta = await admin.metadata({ topics: [spec.topic], forceUpdate: true });
      const parts = meta.topics.get(spec.topic)?.partitions ?? [];
      if (parts.length === spec.partitions && parts.every((p) => p.leader >= 0)) return;
      if (Date.now() > deadline) throw new Error(`topic ${spec.topic} has no leaders after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.close();
  }
}

async function consumer(spec: Spec): Promise<void> {
  await createTopic(spec);
  // maxWaitTime as the kafkajs worker's maxWaitTimeInMs; everything else the client's defaults.
  const c = new Consumer({
    clientId: `bench-plt-c-${process.pid}`,
    bootstrapBrokers: spec.brokers,
    groupId: `${spec.topic}-g`,
    maxWaitTime: 100,
  });
  // consume() resolves once the group is joined.
  const stream = await c.consume({ topics: [spec.topic], mode: 'committed', fallbackMode: 'earliest' });
  let received = 0;
  let first = 0;
  let bytes = 0;
  const done = new Promise<number>((resolve, reject) => {
    stream.on('data', (m) => {
      if (!first) first = now();
      received += 1;
      bytes += m.value?.length ?? 0;
      if (received === spec.count) resolve(now());
    });
    stream.once('error', reject);
  });
  process.send?.({ type: 'joined' });
  const last = await done;
  process.send?.({ type: 'done', report: { received, first, last, bytes } });
  await stream.close();
  await c.close();
}

async function producer(spec: Spec): Promise<void> {
  const p = new Producer({
    clientId: `bench-plt-p-${process.pid}`,
    bootstrapBrokers: spec.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    serializers: { key: stringSerializer },
  });
  // What kafkajs' producer.connect() does before the clock starts: a connection and the producer id.
  await p.initIdempotentProducer({});
  const value = Buffer.alloc(spec.size, 'x');
  const started = now();
  for (let i = 0; i < spec.count; i += 500) {
    const n = Math.min(500, spec.count - i);
    await p.send({
      acks: ProduceAcks.ALL,
      messages: Array.from({ length: n }, (_, j) => ({
        topic: spec.topic,
        key: `stream-${(i + j) % 5000}`,
        value,
      })),
    });
  }
  const ended = now();
  await p.close();
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
