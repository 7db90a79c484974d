// 2. End-to-end latency: webhook accepted (its 202 received by the load process) -> the task's first
// queue.delta received by a socket.io wallboard client (another process), at 10 %, 50 % and 90 % of the
// maximum ingest rate measured by `ingest` in the same run (or by a 10 s probe when run alone).
// Baseline: a bare socket.io server's emit-to-receive time at the same rate, same client process kind.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ClientFleet } from '../lib/clients';
import { summarizeProfileDir } from '../lib/profile';
import {
  BENCH_WEBHOOK_SECRET,
  REGIONS,
  RingbackProcess,
  configureLocations,
  token,
  waitTasksVisible,
  type Topology,
} from '../lib/ringback';
import { percentiles, type Percentiles } from '../lib/stats';
import { WorkerProcess, runJob } from '../lib/workers';
import type { Benchmark, BenchContext, ResultRow } from '../lib/types';
import type { LoadReport, LoadSpec } from '../workers/webhook-load.worker';

const FRACTIONS = [0.1, 0.5, 0.9] as const;
const STEP_MS = 10_000;

interface Step {
  fraction: number;
  rate: number;
  accepted: number;
  missing: number;
  latency: Percentiles;
  seenTasks: number;
  gaps: number;
}

async function rawSocketIo(rate: number, durationMs: number): Promise<Percentiles> {
  const server = await WorkerProcess.start('raw-socketio-server.worker.ts');
  try {
    const { url } = (await server.next('listening')) as unknown as { url: string };
    const { fleet } = await ClientFleet.connect({
      url,
      count: REGIONS.length,
      tokens: ['-'],
      scopes: REGIONS.map((id) => ({ scope: 'region', id })),
      raw: true,
    });
    try {
      await server.ask({ type: 'broadcast', rate, durationMs }, 'broadcasted', durationMs + 60_000);
      await new Promise((r) => setTimeout(r, 500));
      return percentiles((await fleet.report()).samples);
    } finally {
      await fleet.close();
    }
  } finally {
    await server.stop();
  }
}

async function latencyRun(
  ctx: BenchContext,
  topology: Topology,
  maxRateHint: number | undefined,
  progress: (f: number, label: string) => void,
  options: { fractions?: readonly number[]; cpuProfDir?: string } = {},
): Promise<{ maxRate: number; steps: Step[]; profileFromSeconds: number }> {
  const infra = topology === 'kafka-mongo' ? await ctx.infra() : undefined;
  const rb = await RingbackProcess.start({
    topology,
    ...(infra ? { kafkaBrokers: infra.kafkaBrokers, mongoUrl: infra.mongoUrl } : {}),
    namespace: `bench-latency-${Date.now()}`,
    ...(options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {}),
  });
  let fleet: ClientFleet | undefined;
  try {
    const locations = await configureLocations(rb.url);
    const supervisor = await token({ role: 'supervisor', regions: [...REGIONS] });
    const connected = await ClientFleet.connect({
      url: rb.url,
      count: REGIONS.length,
      tokens: [supervisor],
      scopes: REGIONS.map((id) => ({ scope: 'region', id })),
    });
    if (connected.failed) throw new Error(`wallboard clients failed: ${connected.errors.join('; ')}`);
    fleet = connected.fleet;
    const base: Omit<LoadSpec, 'mode' | 'durationMs' | 'numberOffset'> = {
      url: rb.url,
      secret: BENCH_WEBHOOK_SECRET,
      locations,
    };
    let maxRate = maxRateHint;
    if (!maxRate) {
      progress(0.05, `${topology}: probing the maximum rate`);
      const probe = await runJob<LoadReport>('webhook-load.worker.ts', {
        ...base,
        mode: 'closed',
        concurrency: 64,
        durationMs: 10_000,
        numberOffset: 40_000_000,
      });
      // As the ingest benchmark counts it: calls until the sampled tasks are in the read model.
      const visible = await waitTasksVisible(rb.url, probe.sampleTaskIds, 30_000);
      maxRate =
        (probe.accepted * (1 - visible.missing / Math.max(1, visible.sampled))) /
        ((visible.visibleAt - probe.startedAt) / 1000);
    }
    const profileFromSeconds = await rb.uptime();
    const steps: Step[] = [];
    const fractions = options.fractions ?? FRACTIONS;
    for (const [i, fraction] of fractions.entries()) {
      progress(
        0.1 + (0.85 * i) / fractions.length,
        `${topology}: ${Math.round(fraction * 100)} % of ${maxRate.toFixed(0)} calls/s`,
      );
      await fleet.reset();
      const rate = Math.max(1, fraction * maxRate);
      const load = await runJob<LoadReport>('webhook-load.worker.ts', {
        ...base,
        mode: 'open',
        rate,
        durationMs: STEP_MS,
        numberOffset: (i + 1) * 1_000_000,
        recordAccepted: true,
      });
      await new Promise((r) => setTimeout(r, 2_000));
      const report = await fleet.report(load.accepted_at ?? {});
      // One client per region: every task is due exactly once. One that never came counts at least as
      // late as the end of the observation window (a lower bound), so a stall cannot hide.
      const missing = Math.max(0, load.accepted - report.count);
      const bound = performance.timeOrigin + performance.now() - load.endedAt;
      steps.push({
        fraction,
        rate,
        accepted: load.accepted,
        missing,
        latency: percentiles([...report.samples, ...new Array<number>(missing).fill(bound)]),
        seenTasks: report.seenTasks,
        gaps: report.gaps,
      });
    }
    return { maxRate, steps, profileFromSeconds };
  } finally {
    await fleet?.close();
    if (options.cpuProfDir) await rb.stop();
    await rb.kill();
    rmSync(rb.options.dataDir, { recursive: true, force: true });
  }
}

const fmt = (p: Percentiles) =>
  `p50 ${p.p50.toFixed(1)} ms, p90 ${p.p90.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms over ${p.count} deliveries`;

export const latencyBenchmark: Benchmark = {
  name: 'latency',
  title: 'End-to-end latency: webhook accepted to queue.delta on a socket.io client',
  method:
    "Three wallboard clients (one per region, another process) subscribed over `/wallboard`; an open-loop load process sends webhooks at 10 %, 50 % and 90 % of the maximum ingest rate measured by `ingest` in the same run (calls per second sustained to the read model, not merely answered 202), 10 s each; latency is from the 202 arriving at the load process to the task's first `queue.delta` at the client (same machine clock). Baseline: a bare socket.io server emitting at the same rate to the same kind of client process.",
  budgetSeconds: 150,
  async run(ctx) {
    const rows: ResultRow[] = [];
    const variants: { topology: Topology; label: string; p50: number | null; p99: number }[] = [
      { topology: 'embedded', label: 'embedded', p50: 50, p99: 250 },
      { topology: 'kafka-mongo', label: 'Kafka + FerretDB', p50: null, p99: 500 },
    ];
    for (const [vi, v] of variants.entries()) {
      const span = (f: number, label: string) => ctx.progress(((vi + f) / variants.length) * 0.9, label);
      const hint = ctx.shared.get(`ingest.maxRate.${v.topology}`) as number | undefined;
      const run = await latencyRun(ctx, v.topology, hint, span);
      ctx.detail(v.topology, run);
      for (const step of run.steps) {
        span(0.96, `${v.topology}: raw socket.io baseline at ${step.rate.toFixed(0)}/s`);
        const baseline = await rawSocketIo(step.rate, 3_000);
        ctx.detail(`${v.topology}.baseline.${step.fraction}`, baseline);
        const pct = Math.round(step.fraction * 100);
        const note = `${step.rate.toFixed(1)} calls/s (${pct} % of ${run.maxRate.toFixed(0)}/s measured max), ${step.accepted} calls, ${step.seenTasks} seen by the clients${step.missing ? ` (${step.missing} never arrived: counted at the end of the window, a lower bound)` : ''}; ${fmt(step.latency)}; baseline ${fmt(baseline)}${step.gaps ? `; ${step.gaps} seq gaps` : ''}`;
        rows.push({
          benchmark: 'latency',
          metric: `${v.label} at ${pct} % of max: p50`,
          goal: v.p50 === null ? null : { kind: 'max', value: v.p50, unit: 'ms' },
          measured: step.latency.p50,
          unit: 'ms',
          baseline: { label: 'raw socket.io emit-to-receive p50', value: baseline.p50, unit: 'ms' },
          note,
        });
        rows.push({
          benchmark: 'latency',
          metric: `${v.label} at ${pct} % of max: p99`,
          goal: { kind: 'max', value: v.p99, unit: 'ms' },
          measured: step.latency.p99,
          unit: 'ms',
          baseline: { label: 'raw socket.io emit-to-receive p99', value: baseline.p99, unit: 'ms' },
        });
      }
      // Profile the load step with the worst miss, once per topology.
      const missed = rows.filter(
        (r) => r.metric.startsWith(v.label) && r.goal && r.measured !== null && r.measured > r.goal.value,
      );
      if (ctx.profile && missed.length) {
        const worst = run.steps.reduce((a, b) => (b.latency.p99 > a.latency.p99 ? b : a));
        span(0.98, `${v.topology}: profiled re-run at ${Math.round(worst.fraction * 100)} %`);
        const dir = path.join(ctx.resultsDir, 'profiles', `latency-${v.topology}`);
        rmSync(dir, { recursive: true, force: true });
        const profiled = await latencyRun(ctx, v.topology, run.maxRate, () => undefined, {
          fractions: [worst.fraction],
          cpuProfDir: dir,
        });
        const profile = summarizeProfileDir(dir, ctx.root, profiled.profileFromSeconds);
        if (profile) missed[0]!.profile = profile;
      }
    }
    return rows;
  },
};
