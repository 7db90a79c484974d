// Baselines measured in the same run: the raw limits of the components under Ringback.
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { BENCH_WEBHOOK_SECRET } from './ringback';
import { WorkerProcess, runJob } from './workers';
import type { LoadReport, LoadSpec } from '../workers/webhook-load.worker';

/** Calls a second a bare node:http server answers with the same load generator and bodies. */
export async function rawHttpRate(durationMs: number, concurrency: number): Promise<number> {
  const server = await WorkerProcess.start('raw-http-server.worker.ts');
  try {
    const { url } = (await server.next('listening')) as unknown as { url: string };
    const spec: LoadSpec = {
      url,
      secret: BENCH_WEBHOOK_SECRET,
      locations: ['raw'],
      mode: 'closed',
      concurrency,
      durationMs,
      numberOffset: 0,
    };
    const report = await runJob<LoadReport>('webhook-load.worker.ts', spec);
    return report.accepted / ((report.endedAt - report.startedAt) / 1000);
  } finally {
    await server.stop();
  }
}

export interface RawKafka {
  messagesPerSecond: number;
  count: number;
  size: number;
  client: KafkaClient;
  /** First send to last receipt, the span of `messagesPerSecond`. */
  seconds: number;
  /** First send to the last batch acknowledged. */
  produceSeconds: number;
}

/** The raw Kafka clients with a worker of the same workload: kafkajs and @platformatic/kafka. */
export type KafkaClient = 'kafkajs' | 'platformatic';

const KAFKA_WORKERS: Record<KafkaClient, string> = {
  kafkajs: 'kafka-raw.worker.ts',
  platformatic: 'kafka-platformatic.worker.ts',
};

/**
 * Raw produce + consume (separate processes) of `count` messages of `size` bytes with one client
 * (kafkajs unless told), on a fresh topic; fails after `timeoutMs` without the last message.
 */
export async function rawKafka(
  brokers: string,
  count: number,
  size: number,
  options: { partitions?: number; client?: KafkaClient; timeoutMs?: number } = {},
): Promise<RawKafka> {
  const { partitions = 6, client = 'kafkajs', timeoutMs = 300_000 } = options;
  const topic = `bench-raw-${client}-${Date.now()}-${process.pid}`;
  const base = { brokers: brokers.split(','), topic, count, size, partitions };
  const file = KAFKA_WORKERS[client];
  // Started together: @platformatic/kafka alone takes seconds to import on a busy 2-core machine,
  // which is no part of the figure but is part of the budget.
  const [consumer, producer] = await Promise.all([WorkerProcess.start(file), WorkerProcess.start(file)]);
  try {
    await consumer.ask({ type: 'spec', role: 'consumer', ...base }, 'joined', 120_000);
    const produced = producer.ask({ type: 'spec', role: 'producer', ...base }, 'done', timeoutMs);
    // Awaited below; this keeps a producer failure while the consumer still waits from going unhandled.
    produced.catch(() => undefined);
    const consumed = await consumer.next('done', timeoutMs);
    const p = (await produced)['report'] as { started: number; ended: number };
    const c = consumed['report'] as { last: number; received: number; bytes: number };
    if (c.received < count || c.bytes < count * size)
      throw new Error(`${client}: ${c.received} messages, ${c.bytes} B received of ${count} x ${size} B`);
    const seconds = (c.last - p.started) / 1000;
    return {
      messagesPerSecond: count / seconds,
      count,
      size,
      client,
      seconds,
      produceSeconds: (p.ended - p.started) / 1000,
    };
  } finally {
    await producer.stop();
    await consumer.stop();
  }
}

export interface StoreStats {
  events: number;
  /** Mean bytes of an event's payload and metadata as stored (what the relay publishes, roughly). */
  meanEventBytes: number;
  byType: Record<string, number>;
}

/** Reads the SQLite event store of a stopped Ringback. */
export function storeStats(dataDir: string): StoreStats {
  const db = new DatabaseSync(path.join(dataDir, 'events.sqlite'), { readOnly: true });
  try {
    const total = db
      .prepare('SELECT count(*) AS n, avg(length(payload) + length(metadata)) AS b FROM events')
      .get() as {
      n: number;
      b: number;
    };
    const types = db.prepare('SELECT type, count(*) AS n FROM events GROUP BY type').all() as {
      type: string;
      n: number;
    }[];
    return {
      events: total.n,
      meanEventBytes: Math.round(total.b ?? 0),
      byType: Object.fromEntries(types.map((t) => [t.type, t.n])),
    };
  } finally {
    db.close();
  }
}

/** Durable single-row SQLite commits a second (WAL, synchronous=FULL), in a process of its own. */
export async function rawSqliteCommits(durationMs: number, size: number): Promise<number> {
  const r = await runJob<{ commitsPerSecond: number }>('sqlite-commit.worker.ts', {
    type: 'spec',
    durationMs,
    size,
  });
  return r.commitsPerSecond;
}
