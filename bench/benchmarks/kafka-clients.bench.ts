// 6. Kafka client comparison: kafkajs (the KafkaBus's client) against @platformatic/kafka on the same
// broker, same message size (the mean stored event of a Ringback call, from `ingest` when it ran),
// produce + consume in separate processes (bench/workers/kafka-raw.worker.ts and
// kafka-platformatic.worker.ts, the same workload). The clients take turns, kafkajs first, and a
// second round runs only when the first left room in the budget, so load from elsewhere on a shared
// machine falls on both and the spread between rounds shows how much it moved the figures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rawKafka, type KafkaClient, type RawKafka } from '../lib/baselines';
import type { Benchmark, ResultRow } from '../lib/types';

const COUNT = 100_000;
const BUDGET_SECONDS = 45;
/** A run that has not seen its last message by then has failed (a healthy one takes about 8 s). */
const RUN_TIMEOUT_MS = 60_000;

/** The installed version of a package (its package.json, which @platformatic/kafka does not export). */
function version(root: string, name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    };
    return pkg.version;
  } catch {
    return '?';
  }
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

function runsNote(runs: RawKafka[]): string {
  const rates = runs.map((r) => r.messagesPerSecond);
  const spread =
    runs.length > 1
      ? `, spread ${(((Math.max(...rates) - Math.min(...rates)) / mean(rates)) * 100).toFixed(0)}%`
      : '';
  const produce = runs.map((r) => fmt(r.count / r.produceSeconds)).join(', ');
  return `mean of ${runs.length} run(s): ${rates.map(fmt).join(', ')} msg/s${spread}; produce alone ${produce} msg/s`;
}

export const kafkaClientsBenchmark: Benchmark = {
  name: 'kafka-clients',
  title: 'Kafka clients: kafkajs vs @platformatic/kafka, produce + consume',
  method:
    '100,000 messages the size of a stored Ringback event, produced by one process (idempotent, acks=all, batches of 500 each awaited, as the KafkaBus) and consumed by another in a fresh group (from the earliest offset, consumer wait 100 ms, other settings the client defaults) on a fresh 6-partition topic of the same broker, with kafkajs and with @platformatic/kafka in turn (two rounds when the first fits in half the budget); the figure is messages over the time from the first send to the last receipt, the mean of the rounds.',
  budgetSeconds: BUDGET_SECONDS,
  async run(ctx) {
    const infra = await ctx.infra();
    const ingest = ctx.shared.get('ingest.meanEventBytes') as number | undefined;
    const size = ingest ?? 740;
    const clients: KafkaClient[] = ['kafkajs', 'platformatic'];
    const label: Record<KafkaClient, string> = {
      kafkajs: `kafkajs ${version(ctx.root, 'kafkajs')}`,
      platformatic: `@platformatic/kafka ${version(ctx.root, '@platformatic/kafka')}`,
    };
    const runs: Record<KafkaClient, RawKafka[]> = { kafkajs: [], platformatic: [] };
    const errors: Partial<Record<KafkaClient, string>> = {};
    const started = Date.now();
    for (let round = 0; round < 2; round++) {
      const elapsed = (Date.now() - started) / 1000;
      if (round > 0 && elapsed > BUDGET_SECONDS / 2) {
        ctx.log(`kafka-clients: one round only (the first took ${elapsed.toFixed(0)} s)`);
        break;
      }
      for (const [i, client] of clients.entries()) {
        if (errors[client]) continue;
        ctx.progress((round * 2 + i) / 4, `round ${round + 1}: ${label[client]}, ${COUNT} x ${size} B`);
        try {
          runs[client].push(
            await rawKafka(infra.kafkaBrokers, COUNT, size, { client, timeoutMs: RUN_TIMEOUT_MS }),
          );
        } catch (e) {
          errors[client] = e instanceof Error ? e.message : String(e);
          ctx.log(`kafka-clients: ${client} failed: ${errors[client]}`);
        }
      }
    }
    ctx.detail('runs', runs);
    if (Object.keys(errors).length) ctx.detail('errors', errors);
    const figure = (c: KafkaClient) =>
      runs[c].length ? mean(runs[c].map((r) => r.messagesPerSecond)) : null;
    const note = (c: KafkaClient) =>
      [runs[c].length ? runsNote(runs[c]) : 'not run', errors[c] ? `failed: ${errors[c]}` : '']
        .filter(Boolean)
        .join('; ');
    const kafkajs = figure('kafkajs');
    const workload = `${COUNT.toLocaleString('en-US')} x ${size} B, produce (idempotent, acks=all, batches of 500) + consume`;
    const rows: ResultRow[] = [
      {
        benchmark: 'kafka-clients',
        metric: `${label.kafkajs}: ${workload}`,
        goal: null,
        measured: kafkajs,
        unit: 'msg/s',
        baseline: null,
        note: note('kafkajs'),
      },
      {
        benchmark: 'kafka-clients',
        metric: `${label.platformatic}: same messages, same broker, same run`,
        goal: null,
        measured: figure('platformatic'),
        unit: 'msg/s',
        baseline: kafkajs === null ? null : { label: 'kafkajs, same run', value: kafkajs, unit: 'msg/s' },
        note: note('platformatic'),
      },
    ];
    return rows;
  },
};
