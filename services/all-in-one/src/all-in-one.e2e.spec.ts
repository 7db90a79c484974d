import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { signDevToken } from '@ringback/auth';
import { DEV_AUTH_JWT_SECRET } from '@ringback/config';
import { eventually } from '@ringback/testing';

const main = path.join(__dirname, 'main.ts');

/** Starts the single-process composition as `npm start` does and resolves with its port. */
function startRingback(dataDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    },
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const port = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg?.endsWith('listening') && entry.port) resolve(entry.port);
      } catch {
        /* not a log line */
      }
    });
  });
  return { child, port };
}

describe('npm start (embedded single process)', () => {
  it(
    'serves /healthz, /readyz, /metrics, the wallboard and the demo health system; stops on SIGTERM; starts again on the same DATA_DIR',
    { timeout: 120_000 },
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-start-'));
      const children: ReturnType<typeof startRingback>['child'][] = [];
      try {
        for (let run = 0; run < 2; run++) {
          const rb = startRingback(dataDir);
          children.push(rb.child);
          const port = await rb.port;
          const base = `http://127.0.0.1:${port}`;
          assert.equal((await fetch(`${base}/healthz`)).status, 200);
          const ready = await fetch(`${base}/readyz`);
          assert.equal(ready.status, 200, await ready.clone().text());
          const body = (await ready.json()) as { components: { component: string; ok: boolean }[] };
          assert.deepEqual(body.components.map((c) => c.component).sort(), [
            'call-ingest.task-closures',
            'event-store',
            'gateway.live-queues',
            'projections',
            'read-models',
            'reminders.scheduling',
            'scheduling.workflow',
            'sla-monitor.task-events',
            'store-to-bus-relay',
            'triage.inbound-contacts',
            'triage.routing',
            'triage.task-bookings',
          ]);
          const metrics = await fetch(`${base}/metrics`);
          assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
          const text = await metrics.text();
          assert.match(text, /process_cpu_user_seconds_total\{service="ringback"\}/);
          if (process.env['RINGBACK_REQUIRE_INFRA'] === '1' || hasPromtool()) {
            execFileSync('promtool', ['check', 'metrics'], { input: text });
          }
          // The demo health system (DEMO_TRAFFIC defaults to on for npm start) is alive on first start.
          const admin = await signDevToken({ role: 'admin' }, DEV_AUTH_JWT_SECRET);
          const get = async (url: string) =>
            (await (
              await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${admin}` } })
            ).json()) as {
              items: unknown[];
            };
          await eventually(async () => (await get('/api/v1/locations')).items.length === 20, 30_000, 200);
          await eventually(async () => (await get('/api/v1/coordinators')).items.length === 8, 30_000, 200);
          await eventually(async () => (await get('/api/v1/tasks')).items.length > 0, 30_000, 200);
          const page = await fetch(`${base}/`);
          assert.match(await page.text(), /Ringback/);

          const notFound = await fetch(`${base}/api/v1/nope`);
          assert.equal(notFound.status, 404);
          assert.equal(((await notFound.json()) as { error: { code: string } }).error.code, 'not_found');

          rb.child.removeAllListeners('exit');
          const exit = new Promise<number | null>((r) => rb.child.once('exit', (code) => r(code)));
          rb.child.kill('SIGTERM');
          assert.equal(await exit, 0, 'graceful shutdown exits 0');
          assert.ok(existsSync(path.join(dataDir, 'events.sqlite')), 'state lives under DATA_DIR');
        }
      } finally {
        // A failed assertion must not leave the process running (and the suite hanging).
        for (const child of children)
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});

function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
