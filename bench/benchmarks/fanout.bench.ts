// 3. Fan-out: N wallboard clients (socket.io, real tokens, one client process per 2,500) on one gateway
// process (the embedded all-in-one), each subscribed to one of three region scopes, while new tasks
// arrive at a steady rate from a load process. Measured per N: webhook accepted -> the task's first
// queue.delta at each client (every delivery counted), and the gateway's memory per connection (RSS and
// heap after a GC, before and after connecting). Baseline: a bare socket.io server broadcasting to the
// same N clients in the same three rooms at the same rate. A goal not met is profiled in a re-run of
// its step under --cpu-prof.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ClientFleet } from '../lib/clients';
import { summarizeProfileDir } from '../lib/profile';
import { BENCH_WEBHOOK_SECRET, REGIONS, RingbackProcess, configureLocations, token } from '../lib/ringback';
import { percentiles, type Percentiles } from '../lib/stats';
import { WorkerProcess, runJob } from '../lib/workers';
import type { BenchContext, Benchmark, ProfileSummary, ResultRow } from '../lib/types';
import type { LoadReport } from '../workers/webhook-load.worker';

const SIZES = [1_000, 5_000, 10_000];
const STEP_MS = 15_000;
/** The 10,000 step runs only when 5,000 clients connected within this (the 20-minute budget). */
const CONNECT_BUDGET_MS = 90_000;

async function rawBroadcast(n: number, rate: number): Promise<Percentiles> {
  const server = await WorkerProcess.start('raw-socketio-server.worker.ts');
  try {
    const { url } = (await server.next('listening')) as unknown as { url: string };
    const { fleet } = await ClientFleet.connect({
      url,
      count: n,
      tokens: ['-'],
      scopes: REGIONS.map((id) => ({ scope: 'region', id })),
      raw: true,
    });
    try {
      await server.ask({ type: 'broadcast', rate, durationMs: 10_000 }, 'broadcasted', 120_000);
      await new Promise((r) => setTimeout(r, 1_000));
      return percentiles((await fleet.report()).samples);
    } finally {
      await fleet.close();
    }
  } finally {
    await server.stop();
  }
}

/** A re-run of one step under `--cpu-prof`: where the gateway process spends the load window. */
async function profiledStep(ctx: BenchContext, n: number, rate: number): Promise<ProfileSummary | undefined> {
  const dir = path.join(ctx.resultsDir, 'profiles', 'fanout');
  rmSync(dir, { recursive: true, force: true });
  const rb = await RingbackProcess.start({ topology: 'embedded', cpuProfDir: dir });
  try {
    const locations = await configureLocations(rb.url);
    const tokens = await Promise.all(
      REGIONS.map((r) => token({ role: 'supervisor', sub: `sup-${r}`, regions: [r] })),
    );
    const { fleet } = await ClientFleet.connect(
      { url: rb.url, count: n, tokens, scopes: REGIONS.map((id) => ({ scope: 'region', id })) },
      2_500,
    );
    try {
      const from = await rb.uptime();
      await runJob<LoadReport>('webhook-load.worker.ts', {
        url: rb.url,
        secret: BENCH_WEBHOOK_SECRET,
        locations,
        mode: 'open',
        rate,
        durationMs: STEP_MS,
        numberOffset: 9_000_000,
      });
      await new Promise((r) => setTimeout(r, 3_000));
      await fleet.close();
      await rb.stop();
      return summarizeProfileDir(dir, ctx.root, from);
    } finally {
      await fleet.close();
    }
  } finally {
    await rb.kill();
    rmSync(rb.options.dataDir, { recursive: true, force: true });
  }
}

export const fanoutBenchmark: Benchmark = {
  name: 'fanout',
  title: 'Fan-out: N wallboard clients on one gateway process',
  method:
    "N socket.io clients (2,500 per client process, supervisor tokens) each subscribed to one of three region scopes on one gateway process (the embedded all-in-one); new tasks arrive at a steady rate for 15 s; every delivery's latency is from the webhook's 202 to the task's first `queue.delta` at that client. Gateway memory per connection: RSS and heap (after a GC) before and after connecting, divided by N. Baseline: a bare socket.io server broadcasting to the same N clients in three rooms at the same rate.",
  budgetSeconds: 240,
  async run(ctx) {
    const rows: ResultRow[] = [];
    const maxRate = (ctx.shared.get('ingest.maxRate.embedded') as number | undefined) ?? 20;
    const rate = Math.max(2, Math.min(10, 0.3 * maxRate));
    const rb = await RingbackProcess.start({ topology: 'embedded' });
    try {
      const locations = await configureLocations(rb.url);
      const tokens = await Promise.all(
        REGIONS.map((r) => token({ role: 'supervisor', sub: `sup-${r}`, regions: [r] })),
      );
      let connect5000Ms = 0;
      for (const [i, n] of SIZES.entries()) {
        const span = (f: number, label: string) => ctx.progress((i + f) / SIZES.length, label);
        if (n > 5_000 && connect5000Ms > CONNECT_BUDGET_MS) {
          rows.push({
            benchmark: 'fanout',
            metric: `${n.toLocaleString('en-US')} clients: delta p99`,
            goal: null,
            measured: null,
            unit: 'ms',
            baseline: null,
            note: `not run: 5,000 clients took ${(connect5000Ms / 1000).toFixed(0)} s to connect, 10,000 would not fit the 20-minute budget`,
          });
          continue;
        }
        const before = await rb.memory();
        span(0.05, `${n} clients connecting`);
        const t0 = Date.now();
        const { fleet, ok, failed, errors } = await ClientFleet.connect(
          { url: rb.url, count: n, tokens, scopes: REGIONS.map((id) => ({ scope: 'region', id })) },
          2_500,
          (c) => span(0.05 + 0.4 * (c / n), `${c}/${n} clients connected`),
        );
        const connectMs = Date.now() - t0;
        if (n === 5_000) connect5000Ms = connectMs;
        try {
          const after = await rb.memory();
          span(0.5, `${n} clients, ${rate.toFixed(0)} new tasks/s`);
          await fleet.reset();
          const load = await runJob<LoadReport>('webhook-load.worker.ts', {
            url: rb.url,
            secret: BENCH_WEBHOOK_SECRET,
            locations,
            mode: 'open',
            rate,
            durationMs: STEP_MS,
            numberOffset: (i + 1) * 1_000_000,
            recordAccepted: true,
          });
          await new Promise((r) => setTimeout(r, 3_000));
          const report = await fleet.report(load.accepted_at ?? {});
          // Deliveries that never came count at least as late as the end of the window (a lower bound).
          const due = load.accepted * Math.round(ok / REGIONS.length);
          const missing = Math.max(0, due - report.count);
          const bound = performance.timeOrigin + performance.now() - load.endedAt;
          const kept = report.samples.length / Math.max(1, report.count);
          const lat = percentiles([
            ...report.samples,
            ...new Array<number>(Math.round(missing * kept)).fill(bound),
          ]);
          await fleet.close();
          span(0.8, `baseline: raw socket.io broadcast to ${n}`);
          const baseline = await rawBroadcast(n, rate);
          const rssPer = (after.rss - before.rss) / Math.max(1, ok);
          const heapPer = (after.heapUsed - before.heapUsed) / Math.max(1, ok);
          const expected = due;
          ctx.detail(`n${n}`, {
            ok,
            failed,
            errors,
            connectMs,
            before,
            after,
            latency: lat,
            baseline,
            deliveries: report.count,
            expected,
            gaps: report.gaps,
            snapshots: report.snapshots,
            accepted: load.accepted,
          });
          rows.push({
            benchmark: 'fanout',
            metric: `${n.toLocaleString('en-US')} clients: delta p99`,
            goal: n === 5_000 ? { kind: 'max', value: 250, unit: 'ms' } : null,
            measured: ok === n ? lat.p99 : null,
            unit: 'ms',
            baseline: { label: `raw socket.io broadcast to ${n}, p99`, value: baseline.p99, unit: 'ms' },
            note: `${ok} of ${n} connected in ${(connectMs / 1000).toFixed(1)} s${failed ? ` (${failed} failed: ${errors[0]})` : ''}; ${load.accepted} new tasks at ${rate.toFixed(0)}/s, ${report.count} of about ${expected} deliveries seen${missing ? ` (the ${missing} missing counted at the end of the window, a lower bound)` : ''}; p50 ${lat.p50.toFixed(0)} ms, p90 ${lat.p90.toFixed(0)} ms, max ${lat.max.toFixed(0)} ms; baseline p50 ${baseline.p50.toFixed(1)} ms${report.gaps ? `; ${report.gaps} seq gaps` : ''}`,
          });
          rows.push({
            benchmark: 'fanout',
            metric: `${n.toLocaleString('en-US')} clients: gateway memory per connection`,
            goal: null,
            measured: rssPer / 1024,
            unit: 'KiB RSS',
            baseline: null,
            note: `heap ${(heapPer / 1024).toFixed(1)} KiB per connection; process RSS ${(before.rss / 2 ** 20).toFixed(0)} -> ${(after.rss / 2 ** 20).toFixed(0)} MiB, heap ${(before.heapUsed / 2 ** 20).toFixed(0)} -> ${(after.heapUsed / 2 ** 20).toFixed(0)} MiB`,
          });
        } finally {
          await fleet.close();
        }
      }
    } finally {
      await rb.kill();
      rmSync(rb.options.dataDir, { recursive: true, force: true });
    }
    const missed = rows.find(
      (r) => r.goal && r.measured !== null && r.goal.kind === 'max' && r.measured > r.goal.value,
    );
    if (ctx.profile && missed) {
      ctx.progress(0.97, 'profiled re-run at 5,000 clients');
      const profile = await profiledStep(ctx, 5_000, rate);
      if (profile) missed.profile = profile;
    }
    return rows;
  },
};
