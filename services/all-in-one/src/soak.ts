// Soak test, on demand (not in CI): `npm run -s soak`. Boots the all-in-one process (embedded, a
// fresh DATA_DIR), measures the highest rate of signed missed-call webhooks it sustains, then sends
// half of that for SOAK_MINUTES and samples memory, lag and latency once a window. It ends with a
// verdict (exit 1 when something grew): memory, relay/consumer/projection lag and p99 latency must
// stay flat (the rules: soak-verdict.ts). Each window also records where the machine's CPU went (the
// host's steal, iowait, this process's threads), the event loop's stalls over 50 ms (with monotonic
// timestamps a --cpu-prof profile can be cut at) and the event store's fsyncs over 50 ms, so that a
// bad window can be told apart: the process's own doing, or the machine's.
//
// The webhooks come from a worker thread (soak-sender.worker.ts): the callers' HTTP client is not part
// of the process under test, so its work and its garbage stay off the event loop and the heap measured.
//
// The maximum is the rate the process carries through: the calls 16 back-to-back senders got accepted
// in SOAK_PROBE_SECONDS, over the time from the first call until the relay, every bus consumer and
// every projection had handled them (as the benchmarks count it). Webhooks are answered faster than
// they are processed, so the rate of 202s alone is not one the process keeps up with.
// The probe's calls happened SOAK_PROBE_BACKDATE_MINUTES ago (event time), so the SLA thresholds they
// cross (a Tier 1 call's at-risk and breach, 11.25 and 15 minutes in) fire during the probe, and the
// probe waits for them too: no one answers the soak's tasks, so every call of the run costs its firings
// as well, and a maximum measured without them is not one the run can be half of.
// The run's calls are backdated the same way (SOAK_RUN_BACKDATE_MINUTES, default 16): each call's
// thresholds fall due on its arrival, so the load is the same from the first window to the last and the
// first window is a fair baseline. With calls made now, the first eleven minutes carry no firings and
// the load steps up at 11.25 and 15 minutes: a window after that was compared with a lighter one, and a
// verdict could not tell growth from the step (the thirteenth run's). SOAK_RUN_BACKDATE_MINUTES=0 runs
// it that way still.
//
// Memory: the embedded read models hold every task in process memory by design (MongoDB holds them
// in a distributed deployment; their documents in an in-memory SQLite database, outside the heap, their
// indexes and the live views on it), so memory grows with the calls kept. What must stay flat is the rest:
// after the run the soak forgets the read models and the gateway's live views, collects garbage, and
// compares the heap with the heap (after a collection) at the start of the run. It needs --expose-gc,
// which `npm run soak` passes. A CPU profile of a run:
//   node --cpu-prof --expose-gc --import tsx services/all-in-one/src/soak.ts
//
//   SOAK_MINUTES         length of the half-rate run (default 30)
//   SOAK_PROBE_SECONDS   length of the maximum-rate probe (default 20)
//   SOAK_WINDOW_SECONDS  sampling window (default 60)
//   SOAK_PROBE_BACKDATE_MINUTES  how long ago the probe's calls happened (default 16; 0: no firings)
//   SOAK_RUN_BACKDATE_MINUTES    the same for the run's calls (default 16; 0: calls made now)
//   SOAK_RATE            run at this many calls/s instead of half the maximum: to compare two builds
//                        at one load (a recorded result uses the default)
//   SOAK_OUT             also write the samples and the verdict as JSON to this file
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { signDevToken } from '@ringback/auth';
import { LiveQueueState } from '@ringback/gateway-service';
import { projectionCatalogue } from './projection-catalogue';
import { InMemoryReadModelStore } from '@ringback/in-memory';
import { SLA_TIMERS_COLLECTION, type SlaTimerDoc } from '@ringback/sla-monitor-service';
import type { StoreToBusRelay } from '@ringback/platform-core';
import { STORE_TO_BUS_RELAY } from '@ringback/runtime';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  aurora,
  configureLocations,
  startRingback,
} from './test-fixtures/all-in-one.harness';
import { soakVerdict } from './soak-verdict';
import type { SoakSenderData, SoakSenderRequest, SoakSenderWindow } from './soak-sender.worker';

/** A request without its id (the Sender numbers them); distributes over the union's members. */
type Request<R = SoakSenderRequest> = R extends unknown ? Omit<R, 'id'> : never;

/** The event store's histograms as one scrape of /metrics reads them (totals so far). */
const STORE_COUNTS = [
  'fsyncsOver50Ms',
  'fsyncsOver100Ms',
  'commitsOver25Ms',
  'commitsOver100Ms',
  'commitMs',
  'readsOver25Ms',
  'readMs',
  'pauses',
  'pauseMs',
] as const;
type StoreCounts = Pick<Sample, (typeof STORE_COUNTS)[number]>;
/** What the histograms counted between two scrapes (milliseconds rounded). */
const inWindow = (now: StoreCounts, before: StoreCounts): StoreCounts =>
  Object.fromEntries(STORE_COUNTS.map((k) => [k, Math.round(now[k] - before[k])])) as StoreCounts;

/** The webhook sender in its worker thread, asked and answered by message. */
class Sender {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(data: SoakSenderData) {
    // The worker inherits this process's --import tsx, so it runs from TypeScript like the soak.
    this.worker = new Worker(path.join(__dirname, 'soak-sender.worker.ts'), { workerData: data });
    this.worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(`soak sender: ${m.error}`));
      else w?.resolve(m.result);
    });
    // A worker that fails or exits answers nothing more: whoever waits is told, not left hanging.
    const failAll = (error: Error): void => {
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`soak sender exited (code ${code})`)));
  }

  ask<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

const num = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const MINUTES = num('SOAK_MINUTES', 30);
const PROBE_S = num('SOAK_PROBE_SECONDS', 20);
const WINDOW_S = num('SOAK_WINDOW_SECONDS', 60);
const BACKDATE_MS = Number(process.env['SOAK_PROBE_BACKDATE_MINUTES'] ?? 16) * 60_000;
const RUN_BACKDATE_MS = Number(process.env['SOAK_RUN_BACKDATE_MINUTES'] ?? 16) * 60_000;
if (
  !Number.isFinite(BACKDATE_MS) ||
  BACKDATE_MS < 0 ||
  !Number.isFinite(RUN_BACKDATE_MS) ||
  RUN_BACKDATE_MS < 0
)
  throw new Error('SOAK_PROBE_BACKDATE_MINUTES and SOAK_RUN_BACKDATE_MINUTES must be numbers >= 0');

interface Sample {
  minute: number;
  sent: number;
  accepted: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
  heapMb: number;
  /** The read models' documents, outside the heap (their SQLite pages). */
  documentsMb: number;
  relayLag: number;
  consumerLag: number;
  /** Events the projections have still to handle, summed (each counted in its own categories). */
  projectionLag: number;
  /** Read-model documents and gateway task views held in memory at the end of the window. */
  documents: number;
  liveViews: number;
  /** Share of the window the event loop was busy (0-1), the process's load. */
  loopBusy: number;
  /** Longest event-loop delay in the window, and garbage-collection pauses (longest, total). */
  loopDelayMaxMs: number;
  gcMaxMs: number;
  gcTotalMs: number;
  /** How long one scrape of /metrics took (Prometheus scrapes every 15 s in a deployment). */
  scrapeMs: number;
  /**
   * Fsyncs of the event store's log in the window that took over 50 and over 100 ms: every append
   * (a webhook's too) waits for one, off the event loop, so a slow disk lengthens webhooks without
   * showing in the loop's delay.
   */
  fsyncsOver50Ms: number;
  fsyncsOver100Ms: number;
  /**
   * The event store's group transactions in the window that held the event loop over 25 and over 100
   * ms (node:sqlite is synchronous: nothing else runs meanwhile), and the loop's time in them all.
   */
  commitsOver25Ms: number;
  commitsOver100Ms: number;
  commitMs: number;
  /**
   * The event store's reads of a stream in the window that held the event loop over 25 ms (a read is
   * some 35 us of SQLite's work: a longer one waited on the file), and the loop's time in them all.
   */
  readsOver25Ms: number;
  readMs: number;
  /** Pauses of the appends in the window while a checkpoint let the log start over, and their total. */
  pauses: number;
  pauseMs: number;
  /** Times the event loop came back over 50 ms late in the window (see `stalls` in the JSON). */
  stalls: number;
  /** Where the machine's CPU went in the window (Linux; absent elsewhere). */
  cpu?: CpuShare;
}

/**
 * The machine's CPU time in a window, in % of one core: taken by the hypervisor (steal), waiting on
 * the disk (iowait), busy in all, and busy in each of this process's threads, summed by name (on
 * Node 24: the event loop is `MainThread`, V8's garbage-collection helpers `V8Worker`, the worker
 * threads, the soak's sender and the checkpointer, `WorkerThread`, the thread pool `libuv-worker`).
 * A window where every function on the loop took longer at once is told apart here: the loop lost
 * its core, to the host or to this process's other threads.
 */
interface CpuShare {
  steal: number;
  iowait: number;
  busy: number;
  threads: Record<string, number>;
}

interface CpuTicks {
  steal: number;
  iowait: number;
  busy: number;
  threads: Map<string, number>;
}

/** Clock ticks so far, from /proc (undefined where there is none). */
function cpuTicks(): CpuTicks | undefined {
  try {
    // cpu user nice system idle iowait irq softirq steal
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const threads = new Map<string, number>();
    for (const task of readdirSync('/proc/self/task')) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      } catch {
        continue; // the thread ended meanwhile
      }
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const rest = stat.slice(close + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name.
      threads.set(name, (threads.get(name) ?? 0) + Number(rest[11]) + Number(rest[12]));
    }
    return {
      steal: f[7] ?? 0,
      iowait: f[4] ?? 0,
      busy: (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0),
      threads,
    };
  } catch {
    return undefined;
  }
}

/** The share of one core each took between two readings `seconds` apart (ticks are 1/100 s on Linux). */
function cpuShare(
  from: CpuTicks | undefined,
  to: CpuTicks | undefined,
  seconds: number,
): CpuShare | undefined {
  if (!from || !to) return undefined;
  const pct = (ticks: number) => Math.round(ticks / seconds);
  const threads: Record<string, number> = {};
  for (const [name, ticks] of to.threads) threads[name] = pct(ticks - (from.threads.get(name) ?? 0));
  return {
    steal: pct(to.steal - from.steal),
    iowait: pct(to.iowait - from.iowait),
    busy: pct(to.busy - from.busy),
    threads,
  };
}

/**
 * One stall of the event loop: when it ended (on the monotonic clock, in µs, the clock of a
 * `--cpu-prof` profile's timestamps, so the profile shows what ran in it) and how late the loop was.
 */
interface Stall {
  minute: number;
  endUs: number;
  lateMs: number;
}

const mb = (bytes: number) => Math.round(bytes / 1e6);

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc)
    throw new Error('run with --expose-gc (npm run -s soak does): the memory verdict collects garbage');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-soak-'));
  const rb = await startRingback(dataDir, {
    env: {
      RATE_LIMIT_WEBHOOK_PER_MINUTE: '0',
      RATE_LIMIT_USER_PER_MINUTE: '0',
      READINESS_MAX_LAG: '1000000',
    },
  });
  const admin = await signDevToken({ role: 'admin', sub: 'soak' }, E2E_SECRET);
  await configureLocations(rb, admin, { aurora });
  await new Promise((r) => setTimeout(r, 500));
  const relay = rb.service.app.get<StoreToBusRelay>(STORE_TO_BUS_RELAY, { strict: false });
  const readModels = rb.adapters.readModels;
  if (!(readModels instanceof InMemoryReadModelStore))
    throw new Error('the soak measures the embedded composition (read models in memory)');
  const liveQueues = rb.service.app.get(LiveQueueState, { strict: false });
  const documents = () => [...readModels.documentCounts().values()].reduce((a, b) => a + b, 0);

  const sender = new Sender({
    url: rb.service.url,
    webhookSecret: E2E_WEBHOOK_SECRET,
    locationId: 'aurora',
  });
  /**
   * One scrape of /metrics: consumer lag, and the event store's histograms so far (fsyncs over 50 and
   * 100 ms; its group transactions on the loop over 25 and 100 ms and their total; its reads of a
   * stream over 25 ms and their total; the pauses of its appends for a checkpoint, how many and how
   * long in all).
   */
  const scrape = async (): Promise<{ lag: number } & StoreCounts> => {
    const text = await (await fetch(`${rb.service.url}/metrics`)).text();
    let lag = 0;
    for (const m of text.matchAll(/^ringback_bus_consumer_lag\{[^}]*\} (\d+(?:\.\d+)?)$/gm))
      lag += Number(m[1]);
    const value = (series: string): number =>
      Number(new RegExp(`^ringback_event_store_${series}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const bucket = (histogram: string, le: string): number =>
      Number(
        new RegExp(`^ringback_event_store_${histogram}_bucket\\{le="${le}"[^}]*\\} (\\d+)$`, 'm').exec(
          text,
        )?.[1] ?? 0,
      );
    const over = (histogram: string, le: string): number =>
      bucket(histogram, '\\+Inf') - bucket(histogram, le);
    return {
      lag,
      fsyncsOver50Ms: over('fsync_seconds', '0.05'),
      fsyncsOver100Ms: over('fsync_seconds', '0.1'),
      commitsOver25Ms: over('commit_seconds', '0.025'),
      commitsOver100Ms: over('commit_seconds', '0.1'),
      commitMs: value('commit_seconds_sum') * 1000,
      readsOver25Ms: over('read_seconds', '0.025'),
      readMs: value('read_seconds_sum') * 1000,
      pauses: value('wal_pause_seconds_count'),
      pauseMs: value('wal_pause_seconds_sum') * 1000,
    };
  };
  const consumerLag = async (): Promise<number> => (await scrape()).lag;

  const projectionLag = async (): Promise<number> => {
    let lag = 0;
    for (const p of projectionCatalogue) {
      const at = (await readModels.getCheckpoint(p.id))?.position ?? 0n;
      lag += (
        await rb.adapters.eventStore.readAll({
          fromPosition: at,
          maxCount: 10_000,
          ...(p.categories ? { categories: p.categories } : {}),
        })
      ).length;
    }
    return lag;
  };
  /**
   * An SLA threshold overdue by more than two seconds: the scheduler fires what is due four times a second,
   * so anything older is work the process has not caught up with.
   */
  const overdueThresholds = async (): Promise<boolean> => {
    const [next] = await readModels.find<SlaTimerDoc>(
      SLA_TIMERS_COLLECTION,
      { pending: true },
      { sort: { field: 'nextAtMs', direction: 1 }, limit: 1 },
    );
    return next?.nextAtMs != null && next.nextAtMs <= Date.now() - 2_000;
  };
  /**
   * Waits (at most `seconds`) until the relay, every consumer and every projection have caught up,
   * and no SLA threshold is overdue.
   */
  const drained = async (seconds: number): Promise<boolean> => {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      const relayed = relay.position ?? 0n;
      const relayLag = (await rb.adapters.eventStore.headPosition()) - relayed;
      if (
        relayLag <= 10n &&
        (await consumerLag()) === 0 &&
        (await projectionLag()) === 0 &&
        !(await overdueThresholds())
      )
        return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  };

  // 1. The maximum: 16 senders back to back for PROBE_S seconds.
  process.stderr.write(`soak: probing the maximum rate for ${PROBE_S} s\n`);
  const probeStart = Date.now();
  const probed = await sender.ask<SoakSenderWindow>({
    kind: 'probe',
    untilMs: probeStart + PROBE_S * 1000,
    senders: 16,
    backdateMs: BACKDATE_MS,
  });
  const accepted = probed.accepted;
  const acceptRate = accepted / PROBE_S;
  if (!(await drained(300))) throw new Error('the probe did not drain within five minutes');
  const maxRate = accepted / ((Date.now() - probeStart) / 1000);
  const rate = process.env['SOAK_RATE'] ? num('SOAK_RATE', 1) : maxRate / 2;
  process.stderr.write(
    `soak: webhooks accepted at ${acceptRate.toFixed(1)}/s, processed at ${maxRate.toFixed(1)}/s (the maximum); ` +
      `running at ${rate.toFixed(1)}/s for ${MINUTES} min\n`,
  );
  gc();
  const heapStartMb = mb(process.memoryUsage().heapUsed);
  const callsBefore = probed.total;

  // 2. Half the maximum, open loop (a request every 1/rate s whatever the answers), sampled per window.
  const samples: Sample[] = [];
  const runStart = Date.now();
  const end = runStart + MINUTES * 60_000;
  const running = sender.ask<number>({ kind: 'run', rate, untilMs: end, backdateMs: RUN_BACKDATE_MS });
  // Diagnostics per window: how busy the loop was, its longest stall, and the GC pauses in it.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let loopAt = performance.eventLoopUtilization();
  let gcMax = 0;
  let gcTotal = 0;
  // The soak's own collection before the run is reported after this, and is not the run's.
  const observedFrom = performance.now();
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.startTime < observedFrom) continue;
      gcMax = Math.max(gcMax, entry.duration);
      gcTotal += entry.duration;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const stalls: Stall[] = [];
  let windowStalls = 0;
  let tickedAt = performance.now();
  const stallWatch = setInterval(() => {
    const now = performance.now();
    const lateMs = now - tickedAt - 20;
    tickedAt = now;
    if (lateMs <= 50) return;
    windowStalls += 1;
    stalls.push({
      minute: Number(((Date.now() - runStart) / 60_000).toFixed(2)),
      endUs: Number(process.hrtime.bigint() / 1000n),
      lateMs: Math.round(lateMs),
    });
  }, 20);
  let storeBefore = await scrape();
  let ticksBefore = cpuTicks();
  let ticksAt = performance.now();
  for (let n = 1; runStart + n * WINDOW_S * 1000 <= end; n++) {
    const wait = runStart + n * WINDOW_S * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const calls = await sender.ask<SoakSenderWindow>({ kind: 'window' });
    const mem = process.memoryUsage();
    const ticks = cpuTicks();
    const cpu = cpuShare(ticksBefore, ticks, (performance.now() - ticksAt) / 1000);
    ticksBefore = ticks;
    ticksAt = performance.now();
    // The relay's position before the head: read after it, the relay may already have passed the
    // head that was read (lags of -1 and -2 in the eighth and ninth runs).
    const relayed = relay.position ?? 0n;
    const head = await rb.adapters.eventStore.headPosition();
    const scrapeStarted = performance.now();
    const scraped = await scrape();
    const scrapeMs = Math.round(performance.now() - scrapeStarted);
    const sample: Sample = {
      minute: Number(((Date.now() - runStart) / 60_000).toFixed(2)),
      sent: calls.sent,
      accepted: calls.accepted,
      failed: calls.failed,
      p50Ms: calls.p50Ms,
      p99Ms: calls.p99Ms,
      rssMb: Math.round(mem.rss / 1e6),
      heapMb: Math.round(mem.heapUsed / 1e6),
      documentsMb: mb(readModels.documentBytes()),
      relayLag: Number(head - relayed),
      consumerLag: scraped.lag,
      projectionLag: await projectionLag(),
      documents: documents(),
      liveViews: liveQueues.size,
      loopBusy: Number(performance.eventLoopUtilization(loopAt).utilization.toFixed(2)),
      loopDelayMaxMs: Math.round(loopDelay.max / 1e6),
      gcMaxMs: Math.round(gcMax),
      gcTotalMs: Math.round(gcTotal),
      scrapeMs,
      ...inWindow(scraped, storeBefore),
      stalls: windowStalls,
      ...(cpu ? { cpu } : {}),
    };
    windowStalls = 0;
    storeBefore = scraped;
    loopAt = performance.eventLoopUtilization();
    loopDelay.reset();
    gcMax = 0;
    gcTotal = 0;
    samples.push(sample);
    process.stderr.write(`soak: ${JSON.stringify(sample)}\n`);
  }
  const callsSent = await running;
  // Calls answered after the last window (the run's end is not always on a window boundary).
  const tail = await sender.ask<SoakSenderWindow>({ kind: 'window' });
  await sender.close();
  loopDelay.disable();
  gcObserver.disconnect();
  clearInterval(stallWatch);

  // 3. Memory outside what the run kept: drain, collect, forget the read models and live views, collect.
  const caughtUp = await drained(120);
  gc();
  const heapEndMb = mb(process.memoryUsage().heapUsed);
  const documentsByCollection = Object.fromEntries(readModels.documentCounts());
  const documentsEnd = Object.values(documentsByCollection).reduce((a, b) => a + b, 0);
  const liveViewsEnd = liveQueues.size;
  const documentsEndMb = mb(readModels.documentBytes());
  readModels.clear();
  liveQueues.clearViews();
  gc();
  const heapOutsideMb = mb(process.memoryUsage().heapUsed);
  const callsKept = callsSent - callsBefore;
  const memory = {
    heapStartMb,
    heapEndMb,
    heapOutsideMb,
    documentsEnd,
    documentsByCollection,
    liveViewsEnd,
    callsKept,
    keptBytesPerCall: Math.round(((heapEndMb - heapOutsideMb) * 1e6) / Math.max(1, callsKept)),
    documentsEndMb,
    documentBytesPerCall: Math.round((documentsEndMb * 1e6) / Math.max(1, callsKept)),
  };
  process.stderr.write(`soak: memory ${JSON.stringify(memory)}\n`);

  const judged = soakVerdict({ samples, tailFailed: tail.failed, heapStartMb, heapOutsideMb, caughtUp });
  const problems = judged.problems;
  const verdict = {
    acceptRate,
    maxRate,
    rate,
    minutes: MINUTES,
    samples,
    memory,
    latency: judged.latency,
    stalls,
    flat: judged.flat,
    problems,
  };
  if (process.env['SOAK_OUT']) writeFileSync(process.env['SOAK_OUT'], JSON.stringify(verdict, null, 2));
  process.stdout.write(
    `${problems.length === 0 ? 'FLAT' : 'NOT FLAT'}: max ${maxRate.toFixed(1)}/s (accepted at ${acceptRate.toFixed(1)}/s), ran ${rate.toFixed(1)}/s for ${MINUTES} min` +
      (judged.latency
        ? `; p99 ${judged.latency.baselineMs} ms in the first third, ${judged.latency.lastThirdMs} ms in the last, ` +
          `${judged.latency.excursions.length} window(s) over ${judged.latency.windowLimitMs} ms`
        : '') +
      `${problems.length ? ` (${problems.join('; ')})` : ''}\n`,
  );
  await rb.service.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
