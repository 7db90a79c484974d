// 4. Projection rebuild: every projection of the all-in-one catalogue replayed from zero, into in-memory
// read models and into FerretDB (mongoose bulkWrite). The store is seeded by the real system (signed
// webhooks for SEED_MS), then grown to TARGET events by copying the recorded per-call streams with
// fresh ids and numbers (bench/sut/rebuild-host.ts), so the mix of event types is the system's own.
// Baseline: reading the same events through EventStore.readAll.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_WEBHOOK_SECRET, RingbackProcess, configureLocations } from '../lib/ringback';
import { summarizeProfileDir } from '../lib/profile';
import { WorkerProcess, runJob } from '../lib/workers';
import type { Benchmark, ResultRow } from '../lib/types';
import type { LoadReport } from '../workers/webhook-load.worker';

/**
 * Events replayed. The issue asks for 1,000,000; on this machine one projection takes 40-60 s over a
 * million events and the catalogue has 11, so the default is bounded to keep `npm run bench` within its
 * 20 minutes. BENCH_REBUILD_EVENTS=1000000 replays the full million.
 */
const TARGET = Number(process.env['BENCH_REBUILD_EVENTS'] ?? 100_000);
const SEED_MS = 20_000;
/**
 * Where the FerretDB time goes, found by reading its SQL (EXPLAIN QUERY PLAN) rather than our profile:
 * stated with the figure because no change of ours can remove it.
 */
const FERRETDB_LIMIT =
  'Stock FerretDB 1.24.2 (SQLite backend) hands SQLite only an exact `{_id}` filter, and even that as `_ferretdb_sjson->\'$._id\'`, which misses its own unique index on `_ferretdb_sjson->"_id"` (EXPLAIN: SCAN), so every write to a stored document scans its collection (15-18 ms per update at these sizes); a one-line FerretDB patch of that column expression made it 1.5 ms here, but the benchmark measures FerretDB as released';

/** FerretDB replays a prefix of these. */
const MONGO_EVENTS = Math.min(TARGET, 20_000);
const MONGO_BOUND_MS = 120_000;

interface RebuildReport {
  events: number;
  seconds: number;
  perProjection: Record<string, number>;
  fromUptime: number;
}

async function host<T>(
  request: Record<string, unknown>,
  onProgress?: (m: Record<string, unknown>) => void,
  cpuProfDir?: string,
): Promise<T> {
  const worker = await WorkerProcess.start(
    'sut/rebuild-host.ts',
    {},
    cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [],
  );
  if (onProgress)
    worker.child.on('message', (m) => {
      if ((m as { type?: string }).type === 'progress') onProgress(m as Record<string, unknown>);
    });
  try {
    return (await worker.ask({ ...request, type: String(request['type']) }, 'done', 900_000))['report'] as T;
  } finally {
    await worker.stop();
  }
}

export const rebuildBenchmark: Benchmark = {
  name: 'rebuild',
  title: 'Projection rebuild from zero (1,000,000 events with BENCH_REBUILD_EVENTS)',
  method:
    'The store is seeded by the real system (20 s of signed webhooks), then grown to 100,000 events (1,000,000 with `BENCH_REBUILD_EVENTS=1000000`; the default is bounded because one projection alone takes 40-60 s over a million events here) by copying the recorded per-call streams with fresh UUIDs and numbers; every projection of the all-in-one catalogue is then rebuilt from zero in a process of its own, as `npm run projections:rebuild` does (into in-memory read models; into FerretDB for the first 20,000 events, to stay within the time budget). Baseline: `EventStore.readAll` of the same events.',
  budgetSeconds: 240,
  async run(ctx) {
    ctx.progress(0, 'seeding through the real system');
    const rb = await RingbackProcess.start({ topology: 'embedded' });
    let dataDir = rb.options.dataDir;
    const prefixDir = mkdtempSync(path.join(tmpdir(), 'ringback-bench-prefix-'));
    try {
      const locations = await configureLocations(rb.url);
      const seed = await runJob<LoadReport>('webhook-load.worker.ts', {
        url: rb.url,
        secret: BENCH_WEBHOOK_SECRET,
        locations,
        mode: 'closed',
        concurrency: 32,
        durationMs: SEED_MS,
        numberOffset: 0,
      });
      await new Promise((r) => setTimeout(r, 3_000));
      await rb.stop();
      dataDir = rb.options.dataDir;
      ctx.progress(
        0.1,
        `cloning ${seed.accepted} recorded calls up to ${TARGET.toLocaleString('en-US')} events`,
      );
      const cloned = await host<{ events: number; seedEvents: number; copies: number }>(
        { type: 'clone', dataDir, target: TARGET },
        (m) => ctx.progress(0.1 + 0.1 * (Number(m['events']) / TARGET), `cloning: ${m['events']} events`),
      );
      ctx.detail('seed', { calls: seed.accepted, ...cloned });
      ctx.progress(0.2, 'baseline: raw event-store read');
      const read = await host<{ events: number; seconds: number }>({ type: 'read', dataDir });
      const readRate = read.events / read.seconds;
      ctx.detail('rawRead', read);
      ctx.progress(0.25, 'rebuild into memory');
      const memory = await host<RebuildReport>({ type: 'rebuild', dataDir, readModels: 'memory' }, (m) =>
        ctx.progress(
          0.25 + 0.35 * (Number(m['done']) / Number(m['of'])),
          `memory: ${m['done']}/${m['of']} projections`,
        ),
      );
      ctx.detail('memory', memory);
      ctx.log(`memory: ${memory.events} events in ${memory.seconds.toFixed(1)} s`);
      const infra = await ctx.infra();
      ctx.progress(0.6, `rebuild into FerretDB (${MONGO_EVENTS.toLocaleString('en-US')} events)`);
      const copied = await host<{ events: number }>({
        type: 'prefix',
        from: dataDir,
        to: prefixDir,
        count: MONGO_EVENTS,
      });
      const prefixRead = await host<{ events: number; seconds: number }>({
        type: 'read',
        dataDir: prefixDir,
      });
      // FerretDB gets a time bound: past it the projections finished so far count, over the bound.
      let mongoDone = 0;
      let mongoOf = 11;
      const mongoStarted = Date.now();
      const mongo = await Promise.race([
        host<RebuildReport>(
          {
            type: 'rebuild',
            dataDir: prefixDir,
            readModels: 'mongo',
            mongoUrl: infra.mongoUrl,
            dbName: `bench_rebuild_${Date.now()}`,
          },
          (m) => {
            mongoDone = Number(m['done']);
            mongoOf = Number(m['of']);
            ctx.progress(0.6 + 0.38 * (mongoDone / mongoOf), `FerretDB: ${m['done']}/${m['of']} projections`);
          },
        ),
        new Promise<null>((r) => setTimeout(() => r(null), MONGO_BOUND_MS)),
      ]);
      if (!mongo) await WorkerProcess.stopAll('sut/rebuild-host.ts');
      const mongoSeconds = mongo ? mongo.seconds : (Date.now() - mongoStarted) / 1000;
      const mongoRate = mongo
        ? mongo.events / mongo.seconds
        : (copied.events * (mongoDone / mongoOf)) / mongoSeconds;
      ctx.detail('mongo', {
        ...(mongo ?? { finished: false, done: mongoDone, of: mongoOf, seconds: mongoSeconds }),
        copied: copied.events,
        prefixRead,
      });
      const slowest = (r: RebuildReport) =>
        Object.entries(r.perProjection)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([id, s]) => `${id} ${s.toFixed(1)} s`)
          .join(', ');
      const rows: ResultRow[] = [
        {
          benchmark: 'rebuild',
          metric: `in-memory read models: ${memory.events.toLocaleString('en-US')} events${memory.events < 1_000_000 ? ' (of the 1,000,000: time bound)' : ''}, all ${Object.keys(memory.perProjection).length} projections`,
          goal: { kind: 'min', value: 50_000, unit: 'events/s' },
          measured: memory.events / memory.seconds,
          unit: 'events/s',
          baseline: { label: 'EventStore.readAll of the same events', value: readRate, unit: 'events/s' },
          note: `${memory.seconds.toFixed(1)} s in total (BENCH_REBUILD_EVENTS=1000000 for the full million; a run of it here took 40-60 s per projection); slowest: ${slowest(memory)}; store seeded by ${seed.accepted} real calls (${cloned.seedEvents} events) copied ${cloned.copies} times`,
        },
        {
          benchmark: 'rebuild',
          metric: `FerretDB read models (mongoose bulkWrite): first ${copied.events.toLocaleString('en-US')} events`,
          goal: { kind: 'min', value: 5_000, unit: 'events/s' },
          measured: mongoRate,
          unit: 'events/s',
          baseline: {
            label: 'EventStore.readAll of the same events',
            value: prefixRead.events / prefixRead.seconds,
            unit: 'events/s',
          },
          note: `${
            mongo
              ? `${mongo.seconds.toFixed(1)} s; a prefix of the store, to stay within the 20-minute budget; slowest: ${slowest(mongo)}`
              : `did NOT finish within the ${MONGO_BOUND_MS / 1000} s bound: ${mongoDone} of ${mongoOf} projections done; the figure is their share of the events over the bound`
          }. ${FERRETDB_LIMIT}`,
        },
      ];
      if (ctx.profile) {
        for (const [i, row] of rows.entries()) {
          if (!row.goal || row.measured === null || row.measured >= row.goal.value) continue;
          // A FerretDB replay that ran into its bound would run into it again under the profiler.
          if (i && (!mongo || mongo.seconds > 60)) continue;
          const dir = path.join(ctx.resultsDir, 'profiles', `rebuild-${i ? 'mongo' : 'memory'}`);
          rmSync(dir, { recursive: true, force: true });
          ctx.progress(0.98, `profiled re-run (${i ? 'FerretDB' : 'memory'}, first 10,000 events)`);
          let fromUptime = 0;
          const small = mkdtempSync(path.join(tmpdir(), 'ringback-bench-prof-'));
          try {
            await host({ type: 'prefix', from: dataDir, to: small, count: 10_000 });
            const profiled = await host<RebuildReport>(
              i
                ? {
                    type: 'rebuild',
                    dataDir: small,
                    readModels: 'mongo',
                    mongoUrl: infra.mongoUrl,
                    dbName: `bench_prof_${Date.now()}`,
                  }
                : { type: 'rebuild', dataDir: small, readModels: 'memory' },
              undefined,
              dir,
            );
            fromUptime = profiled.fromUptime;
          } finally {
            rmSync(small, { recursive: true, force: true });
          }
          const profile = summarizeProfileDir(dir, ctx.root, fromUptime);
          if (profile) row.profile = profile;
        }
      }
      return rows;
    } finally {
      await rb.kill();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(prefixDir, { recursive: true, force: true });
    }
  },
};
