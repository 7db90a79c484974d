// 5. Recovery: the embedded process is SIGKILLed under load (signed webhooks retried by the load process
// as a telephony provider retries them: same providerCallId until a 202) and started again at once on
// the same DATA_DIR and port, as a supervisor would. Measured: SIGKILL -> `/readyz` 200, and SIGKILL ->
// the wallboard fresh again (a call accepted after the restart arrives as a queue.delta on a socket.io
// client). Then, with the process stopped, the event store is read: every accepted call must have
// exactly one InboundContactRecorded (by providerCallId) and its task exactly one TaskOpened (by taskId),
// and every stored event id is unique. Baseline: a cold start of the same process on an empty DATA_DIR.
import { createServer } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { io } from 'socket.io-client';
import { signWebhook } from '@ringback/auth';
import {
  BENCH_WEBHOOK_SECRET,
  REGIONS,
  RingbackProcess,
  configureLocations,
  token,
  waitReady,
  waitTasksVisible,
} from '../lib/ringback';
import { WorkerProcess } from '../lib/workers';
import type { Benchmark, ResultRow } from '../lib/types';
import type { LoadReport, LoadSpec } from '../workers/webhook-load.worker';

const BEFORE_KILL_MS = 10_000;
const LOAD_MS = 30_000;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });

/** Resolves when a task accepted now (a webhook sent by this probe) arrives in a queue.delta. */
async function waitWallboardFresh(url: string, locations: string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const supervisor = await token({ role: 'supervisor', regions: [...REGIONS] });
  let attempt = 0;
  for (;;) {
    attempt += 1;
    const socket = io(`${url}/wallboard`, {
      auth: { token: supervisor },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    try {
      const seen = new Set<string>();
      const probe: { taskId?: string } = {};
      const fresh = new Promise<void>((resolve) => {
        socket.on('queue.delta', (d: { upserts: { taskId: string }[] }) => {
          for (const u of d.upserts) seen.add(u.taskId);
          if (probe.taskId && seen.has(probe.taskId)) resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect_error', reject);
        socket.once('connect', () => resolve());
      });
      for (const id of REGIONS) {
        const ack = (await socket.timeout(5_000).emitWithAck('subscribe', { scope: 'region', id })) as {
          ok: boolean;
        };
        if (!ack.ok) throw new Error('subscribe refused');
      }
      const body = JSON.stringify({
        providerCallId: `recovery-probe-${Date.now()}-${attempt}`,
        locationId: locations[0],
        from: `+1503555${String(1000 + attempt).slice(-4)}`,
        occurredAt: new Date().toISOString(),
        intent: 'new_patient',
      });
      const ts = Math.floor(Date.now() / 1000);
      const res = await fetch(`${url}/api/v1/calls/missed`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ringback-timestamp': String(ts),
          'x-ringback-signature': signWebhook(BENCH_WEBHOOK_SECRET, ts, body),
        },
        body,
      });
      if (res.status !== 202) throw new Error(`probe webhook ${res.status}`);
      probe.taskId = ((await res.json()) as { taskId: string }).taskId;
      if (seen.has(probe.taskId)) return Date.now();
      await Promise.race([
        fresh,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('no delta')), Math.max(100, deadline - Date.now())),
        ),
      ]);
      return Date.now();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      socket.disconnect();
    }
  }
}

interface Audit {
  accepted: number;
  lostCalls: number;
  duplicatedCalls: number;
  lostTasks: number;
  duplicatedTasks: number;
  duplicateEventIds: number;
}

function audit(dataDir: string, calls: Record<string, string>): Audit {
  const db = new DatabaseSync(path.join(dataDir, 'events.sqlite'), { readOnly: true });
  try {
    const contacts = new Map<string, number>();
    for (const r of db
      .prepare(
        "SELECT json_extract(payload, '$.providerCallId') AS id FROM events WHERE type = 'InboundContactRecorded'",
      )
      .all() as { id: string }[])
      contacts.set(r.id, (contacts.get(r.id) ?? 0) + 1);
    const opened = new Map<string, number>();
    for (const r of db
      .prepare("SELECT json_extract(payload, '$.taskId') AS id FROM events WHERE type = 'TaskOpened'")
      .all() as { id: string }[])
      opened.set(r.id, (opened.get(r.id) ?? 0) + 1);
    const dupIds = (
      db.prepare('SELECT count(*) - count(DISTINCT event_id) AS n FROM events').get() as { n: number }
    ).n;
    const out: Audit = {
      accepted: 0,
      lostCalls: 0,
      duplicatedCalls: 0,
      lostTasks: 0,
      duplicatedTasks: 0,
      duplicateEventIds: dupIds,
    };
    for (const [providerCallId, taskId] of Object.entries(calls)) {
      out.accepted += 1;
      const c = contacts.get(providerCallId) ?? 0;
      if (c === 0) out.lostCalls += 1;
      if (c > 1) out.duplicatedCalls += 1;
      const t = opened.get(taskId) ?? 0;
      if (t === 0) out.lostTasks += 1;
      if (t > 1) out.duplicatedTasks += 1;
    }
    return out;
  } finally {
    db.close();
  }
}

export const recoveryBenchmark: Benchmark = {
  name: 'recovery',
  title: 'Recovery: SIGKILL under load, back to ready and a fresh wallboard',
  method:
    'Webhooks at a quarter of the measured maximum, retried with the same providerCallId until accepted (as a telephony provider does); after 10 s the embedded process is SIGKILLed and started again at once on the same DATA_DIR and port. Measured from the SIGKILL: `/readyz` 200, and a call accepted after the restart arriving as a `queue.delta`. Then the event store is audited: one InboundContactRecorded per accepted providerCallId, one TaskOpened per task, unique event ids, every accepted task in the read model. Baseline: a cold start on an empty DATA_DIR.',
  budgetSeconds: 90,
  async run(ctx) {
    ctx.progress(0, 'baseline: cold start');
    const coldStarted = Date.now();
    const cold = await RingbackProcess.start({ topology: 'embedded' });
    await waitReady(cold.url);
    const coldMs = Date.now() - coldStarted;
    await cold.kill();
    rmSync(cold.options.dataDir, { recursive: true, force: true });

    const port = await freePort();
    let rb = await RingbackProcess.start({ topology: 'embedded', port });
    const dataDir = rb.options.dataDir;
    const load = await WorkerProcess.start('webhook-load.worker.ts');
    try {
      const locations = await configureLocations(rb.url);
      // A quarter of the measured maximum: load the restarted process must absorb, not a backlog it cannot.
      const rate = Math.max(
        3,
        Math.min(100, 0.25 * ((ctx.shared.get('ingest.maxRate.embedded') as number | undefined) ?? 20)),
      );
      ctx.progress(0.1, `load at ${rate.toFixed(0)} calls/s, SIGKILL in ${BEFORE_KILL_MS / 1000} s`);
      const done = load.ask(
        {
          type: 'spec',
          url: rb.url,
          secret: BENCH_WEBHOOK_SECRET,
          locations,
          mode: 'open',
          rate,
          durationMs: LOAD_MS,
          numberOffset: 0,
          retry: true,
          maxInFlight: 256,
        } satisfies LoadSpec & { type: string },
        'done',
        300_000,
      );
      await new Promise((r) => setTimeout(r, BEFORE_KILL_MS));
      ctx.progress(0.3, 'SIGKILL');
      const killedAt = Date.now();
      await rb.kill();
      rb = await RingbackProcess.start({ topology: 'embedded', port, dataDir });
      let readyMs: number | null = null;
      let freshMs: number | null = null;
      const failures: string[] = [];
      // Both clocks run from the SIGKILL, independently: readiness is not a precondition of a fresh wallboard.
      const restarted = rb;
      ctx.progress(0.5, 'waiting for /readyz and a fresh wallboard');
      await Promise.all([
        waitReady(restarted.url, 60_000, 20).then(
          () => (readyMs = Date.now() - killedAt),
          (error: unknown) => failures.push(error instanceof Error ? error.message : String(error)),
        ),
        waitWallboardFresh(restarted.url, locations, 60_000).then(
          (at) => (freshMs = at - killedAt),
          (error: unknown) => failures.push(error instanceof Error ? error.message : String(error)),
        ),
      ]);
      ctx.progress(0.6, 'load continues');
      const report = (await done)['report'] as LoadReport;
      const calls = report.calls ?? {};
      ctx.progress(0.8, 'checking every accepted task in the read model');
      const visible = await waitTasksVisible(rb.url, [...new Set(Object.values(calls))], 60_000);
      await rb.stop();
      const a = audit(dataDir, calls);
      ctx.detail('run', {
        rate,
        readyMs,
        freshMs,
        coldMs,
        audit: a,
        statuses: report.statuses,
        retries: report.retries,
        networkErrors: report.networkErrors,
        readModelMissing: visible.missing,
      });
      const integrity = `${a.accepted} calls accepted (${report.retries} retried through the kill), lost ${a.lostCalls} calls / ${a.lostTasks} tasks, duplicated ${a.duplicatedCalls} calls / ${a.duplicatedTasks} tasks, ${a.duplicateEventIds} duplicate event ids, ${visible.missing} accepted tasks missing from the read model after restart`;
      const rows: ResultRow[] = [
        {
          benchmark: 'recovery',
          metric: 'embedded: SIGKILL to /readyz 200',
          goal: { kind: 'max', value: 10, unit: 's' },
          // Past the 60 s bound the figure is the bound itself: not met, rather than not run.
          measured: (readyMs ?? 60_000) / 1000,
          unit: 's',
          baseline: { label: 'cold start, empty DATA_DIR', value: coldMs / 1000, unit: 's' },
          note: `restarted at once on the same DATA_DIR and port under ${rate.toFixed(0)} calls/s${readyMs === null ? `; not ready within 60 s: ${failures[0]}` : ''}`,
        },
        {
          benchmark: 'recovery',
          metric: 'embedded: SIGKILL to wallboard fresh (new call seen in a queue.delta)',
          goal: { kind: 'max', value: 10, unit: 's' },
          measured: (freshMs ?? 60_000) / 1000,
          unit: 's',
          baseline: { label: 'cold start, empty DATA_DIR', value: coldMs / 1000, unit: 's' },
          ...(freshMs === null ? { note: `not fresh within 60 s: ${failures[failures.length - 1]}` } : {}),
        },
        {
          benchmark: 'recovery',
          metric: 'lost + duplicated tasks (by event ids)',
          goal: { kind: 'max', value: 0, unit: 'tasks' },
          measured:
            a.lostCalls +
            a.lostTasks +
            a.duplicatedCalls +
            a.duplicatedTasks +
            a.duplicateEventIds +
            visible.missing,
          unit: 'tasks',
          baseline: null,
          note: integrity,
        },
      ];
      return rows;
    } finally {
      await load.stop();
      await rb.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
