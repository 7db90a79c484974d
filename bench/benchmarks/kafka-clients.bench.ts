// 6. Kafka client comparison: kafkajs against @platformatic/kafka on the same broker, same message
// sizes (the mean stored event of a Ringback call, from `ingest` when it ran), produce + consume in
// separate processes. @platformatic/kafka is not installed in this workspace (and this benchmark does
// not install it), so its line says so instead of a figure.
import { createRequire } from 'node:module';
import { rawKafka } from '../lib/baselines';
import type { Benchmark, ResultRow } from '../lib/types';

/** The version the comparison is meant for (`npm view @platformatic/kafka version`, 2026-12-01). */
export const PLATFORMATIC_KAFKA_VERSION = '2.12.1';
const COUNT = 100_000;

function installed(name: string): boolean {
  try {
    createRequire(__filename).resolve(name);
    return true;
  } catch {
    return false;
  }
}

export const kafkaClientsBenchmark: Benchmark = {
  name: 'kafka-clients',
  title: 'Kafka clients: kafkajs vs @platformatic/kafka, produce + consume',
  method:
    '100,000 messages the size of a stored Ringback event, produced by one process (idempotent, acks=all, batches of 500, as the KafkaBus) and consumed by another in a fresh group on a fresh 6-partition topic of the same broker; the figure is messages over the time from the first send to the last receipt.',
  budgetSeconds: 45,
  async run(ctx) {
    const infra = await ctx.infra();
    const ingest = ctx.shared.get('ingest.meanEventBytes') as number | undefined;
    const size = ingest ?? 740;
    ctx.progress(0.1, `kafkajs: ${COUNT} messages of ${size} B`);
    const kafkajs = await rawKafka(infra.kafkaBrokers, COUNT, size);
    ctx.detail('kafkajs', kafkajs);
    const rows: ResultRow[] = [
      {
        benchmark: 'kafka-clients',
        metric: `kafkajs 2.2.4: ${COUNT.toLocaleString('en-US')} x ${size} B, produce (idempotent, acks=all, batches of 500) + consume`,
        goal: null,
        measured: kafkajs.messagesPerSecond,
        unit: 'msg/s',
        baseline: null,
      },
    ];
    rows.push({
      benchmark: 'kafka-clients',
      metric: `@platformatic/kafka: same messages, same broker`,
      goal: null,
      measured: null,
      unit: 'msg/s',
      baseline: { label: 'kafkajs, same run', value: kafkajs.messagesPerSecond, unit: 'msg/s' },
      note: installed('@platformatic/kafka')
        ? 'not run: installed, but this benchmark has no driver for it yet'
        : `not run: package not installed (wanted @platformatic/kafka@${PLATFORMATIC_KAFKA_VERSION})`,
    });
    return rows;
  },
};
