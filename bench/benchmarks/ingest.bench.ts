// 1. Ingest: signed missed-call webhooks -> triaged task with its SLA clock -> tasks read model.
// Closed-loop load (one load process, 64 requests in flight) for 60 s; the figure is calls accepted
// divided by the time from the first request until the last sampled task (every 100th and the last 50)
// is in the read model with its SLA due time, so a backlog that is still draining counts against it.
import path from 'node:path';
import { rmSync } from 'node:fs';
import { rawHttpRate, rawKafka, rawSqliteCommits, storeStats } from '../lib/baselines';
import { summarizeProfileDir } from '../lib/profile';
import {
  BENCH_WEBHOOK_SECRET,
  RingbackProcess,
  configureLocations,
  waitTasksVisible,
  type Topology,
} from '../lib/ringback';
import { runJob } from '../lib/workers';
import type { Benchmark, BenchContext, ResultRow } from '../lib/types';
import type { LoadReport, LoadSpec } from '../workers/webhook-load.worker';

/** 60 s as the issue asks; BENCH_INGEST_DURATION_MS shortens a run for a quick comparison. */
const DURATION_MS = Number(process.env['BENCH_INGEST_DURATION_MS'] ?? 60_000);
const CONCURRENCY = 64;
/** How long the read model may take to catch up after the load before the run is cut off. */
const DRAIN_BOUND_MS = 30_000;

interface IngestRun {
  accepted: number;
  acceptRate: number;
  sustainedRate: number;
  drainMs: number;
  missing: number;
  sampled: number;
  statuses: Record<string, number>;
  networkErrors: number;
  events: number;
  meanEventBytes: number;
  eventsPerCall: number;
}

export async function ingestOnce(
  ctx: BenchContext,
  topology: Topology,
  durationMs: number,
  progress: (f: number, label: string) => void,
  cpuProfDir?: string,
): Promise<IngestRun & { profileFromSeconds: number }> {
  const infra = topology === 'kafka-mongo' ? await ctx.infra() : undefined;
  const rb = await RingbackProcess.start({
    topology,
    ...(infra ? { kafkaBrokers: infra.kafkaBrokers, mongoUrl: infra.mongoUrl } : {}),
    namespace: `bench-ingest-${Date.now()}`,
    ...(cpuProfDir ? { cpuProfDir } : {}),
  });
  try {
    const locations = await configureLocations(rb.url);
    // Warm-up (JIT, topic creation, connection pools), not counted.
    progress(0.02, `${topology}: warm-up`);
    const warm = await runJob<LoadReport>('webhook-load.worker.ts', {
      url: rb.url,
      secret: BENCH_WEBHOOK_SECRET,
      locations,
      mode: 'closed',
      concurrency: 16,
      durationMs: 3_000,
      numberOffset: 50_000_000,
    } satisfies LoadSpec);
    await waitTasksVisible(rb.url, warm.sampleTaskIds, 60_000);
    progress(0.05, `${topology}: ${Math.round(durationMs / 1000)} s of load`);
    const profileFromSeconds = await rb.uptime();
    const ticker = setInterval(
      () => progress(0.05 + 0.85 * Math.min(1, (Date.now() - t0) / durationMs), `${topology}: load`),
      1000,
    );
    const t0 = Date.now();
    const load = await runJob<LoadReport>('webhook-load.worker.ts', {
      url: rb.url,
      secret: BENCH_WEBHOOK_SECRET,
      locations,
      mode: 'closed',
      concurrency: CONCURRENCY,
      durationMs,
      numberOffset: 0,
    } satisfies LoadSpec).finally(() => clearInterval(ticker));
    progress(0.9, `${topology}: waiting for the read model`);
    const visible = await waitTasksVisible(rb.url, load.sampleTaskIds, cpuProfDir ? 5_000 : DRAIN_BOUND_MS);
    const seconds = (visible.visibleAt - load.startedAt) / 1000;
    await rb.stop();
    const stats = storeStats(rb.options.dataDir);
    const calls = load.accepted + warm.accepted;
    return {
      profileFromSeconds,
      accepted: load.accepted,
      acceptRate: load.accepted / ((load.endedAt - load.startedAt) / 1000),
      // Past the time bound, only the share of the sample that made it counts.
      sustainedRate: (load.accepted * (1 - visible.missing / Math.max(1, visible.sampled))) / seconds,
      drainMs: visible.visibleAt - load.endedAt,
      missing: visible.missing,
      sampled: visible.sampled,
      statuses: load.statuses,
      networkErrors: load.networkErrors,
      events: stats.events,
      meanEventBytes: stats.meanEventBytes,
      eventsPerCall: stats.events / Math.max(1, calls),
    };
  } finally {
    await rb.kill();
    rmSync(rb.options.dataDir, { recursive: true, force: true });
  }
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  title: 'Ingest: signed missed-call webhooks to triaged tasks in the read model',
  method:
    'One load process keeps 64 signed `POST /api/v1/calls/missed` in flight for 60 s (after a 3 s warm-up), each a new caller; the figure is calls answered 202 divided by the time from the first request until every sampled task (every 100th and the last 50) is readable at `GET /api/v1/tasks/{id}` with its SLA due time (a read model still catching up 30 s after the load counts the missing share out). Baselines: a bare node:http server answering the same load, single-event durable SQLite commits (WAL, synchronous=FULL, as the event store opens its file), and raw kafkajs produce+consume of messages the size of the stored events.',
  budgetSeconds: 300,
  async run(ctx) {
    const rows: ResultRow[] = [];
    const variants: { topology: Topology; label: string; goal: number; from: number; to: number }[] = [
      { topology: 'embedded', label: 'embedded', goal: 2000, from: 0, to: 0.4 },
      { topology: 'kafka-mongo', label: 'Kafka + FerretDB', goal: 1000, from: 0.45, to: 0.85 },
    ];
    ctx.progress(0, 'raw HTTP baseline');
    const httpBaseline = await rawHttpRate(5_000, CONCURRENCY);
    ctx.detail('rawHttpCallsPerSecond', httpBaseline);
    const runs: Record<string, IngestRun> = {};
    for (const v of variants) {
      const span = (f: number, label: string) => ctx.progress(v.from + (v.to - v.from) * f, label);
      const run = await ingestOnce(ctx, v.topology, DURATION_MS, span);
      runs[v.topology] = run;
      ctx.detail(v.topology, run);
      // The maximum ingest rate is what reaches the read model, not what the webhook answers 202 to:
      // latency and recovery run at fractions of it.
      ctx.shared.set(`ingest.maxRate.${v.topology}`, run.sustainedRate);
      if (v.topology === 'embedded') ctx.shared.set('ingest.meanEventBytes', run.meanEventBytes);
      ctx.log(
        `${v.label}: ${run.accepted} calls, accepted ${run.acceptRate.toFixed(0)}/s, sustained to the read model ${run.sustainedRate.toFixed(0)}/s (drain ${run.drainMs} ms), ${run.eventsPerCall.toFixed(2)} events/call of ${run.meanEventBytes} B`,
      );
    }
    ctx.progress(0.86, 'raw kafkajs baseline');
    const embedded = runs['embedded']!;
    const kafka = runs['kafka-mongo']!;
    const infra = await ctx.infra();
    const raw = await rawKafka(infra.kafkaBrokers, 50_000, kafka.meanEventBytes || 800);
    ctx.detail('rawKafka', raw);
    const note = (r: IngestRun) =>
      `${r.accepted.toLocaleString('en-US')} calls in ${Math.round(DURATION_MS / 1000)} s (${Math.round(r.acceptRate)}/s answered 202), ${r.missing ? `read model NOT caught up ${(r.drainMs / 1000).toFixed(0)} s after the load stopped (time bound): ${r.missing} of ${r.sampled} sampled tasks missing, counted out` : `read model caught up ${(r.drainMs / 1000).toFixed(1)} s after the load stopped`}; ${r.eventsPerCall.toFixed(1)} stored events per call, ${r.meanEventBytes} B each; non-202: ${JSON.stringify(Object.fromEntries(Object.entries(r.statuses).filter(([s]) => s !== '202')))}, network errors ${r.networkErrors}`;
    rows.push({
      benchmark: 'ingest',
      metric: `embedded: calls/s sustained ${Math.round(DURATION_MS / 1000)} s, webhook to read model`,
      goal: { kind: 'min', value: 2000, unit: 'calls/s' },
      measured: embedded.sustainedRate,
      unit: 'calls/s',
      baseline: { label: 'bare node:http, same load', value: httpBaseline, unit: 'calls/s' },
      note: note(embedded),
    });
    const sqlite = await rawSqliteCommits(3_000, embedded.meanEventBytes || 740);
    ctx.detail('rawSqliteCommitsPerSecond', sqlite);
    rows.push({
      benchmark: 'ingest',
      metric: 'embedded vs raw SQLite durable commits',
      goal: null,
      measured: embedded.sustainedRate,
      unit: 'calls/s',
      baseline: { label: 'node:sqlite WAL+FULL, 1 event/commit', value: sqlite, unit: 'commits/s' },
    });
    rows.push({
      benchmark: 'ingest',
      metric: 'embedded vs raw kafkajs produce+consume',
      goal: null,
      measured: embedded.sustainedRate,
      unit: 'calls/s',
      baseline: { label: `kafkajs, ${raw.size} B messages`, value: raw.messagesPerSecond, unit: 'msg/s' },
    });
    rows.push({
      benchmark: 'ingest',
      metric: `Kafka + FerretDB: calls/s sustained ${Math.round(DURATION_MS / 1000)} s, webhook to read model`,
      goal: { kind: 'min', value: 1000, unit: 'calls/s' },
      measured: kafka.sustainedRate,
      unit: 'calls/s',
      baseline: {
        label: `kafkajs produce+consume, ${raw.size} B messages`,
        value: raw.messagesPerSecond,
        unit: 'msg/s',
      },
      note: note(kafka),
    });
    if (ctx.profile) {
      let i = 0;
      for (const row of rows) {
        if (!row.goal || row.measured === null || row.measured >= row.goal.value) continue;
        const topology: Topology = row.metric.startsWith('embedded') ? 'embedded' : 'kafka-mongo';
        ctx.progress(0.9 + 0.05 * i++, `${topology}: profiled re-run`);
        const dir = path.join(ctx.resultsDir, 'profiles', `ingest-${topology}`);
        rmSync(dir, { recursive: true, force: true });
        const profiled = await ingestOnce(ctx, topology, 10_000, () => undefined, dir);
        const profile = summarizeProfileDir(dir, ctx.root, profiled.profileFromSeconds);
        if (profile) row.profile = profile;
      }
    }
    return rows;
  },
};
