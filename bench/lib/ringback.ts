// Starting the system under test (bench/sut/ringback-host.ts) in a child process, and what every
// benchmark needs of it: tokens, clinics, readiness, memory, a graceful stop or a SIGKILL.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';

export const BENCH_JWT_SECRET = 'ringback-bench-jwt-secret-long-enough-for-hs256-0001';
export const BENCH_WEBHOOK_SECRET = 'ringback-bench-webhook-secret-long-enough-for-hmac-01';
const HOST_ENTRY = path.resolve(__dirname, '../sut/ringback-host.ts');

export type Topology = 'embedded' | 'kafka-mongo';

export interface RingbackOptions {
  topology: Topology;
  /** State directory (default: a fresh temp dir). Reuse it to restart on the same state. */
  dataDir?: string;
  kafkaBrokers?: string;
  mongoUrl?: string;
  /** Topic/group/database prefix (kafka-mongo). */
  namespace?: string;
  /** Directory for a `--cpu-prof` profile written when the process stops gracefully. */
  cpuProfDir?: string;
  /** Extra environment (Ringback configuration variables). */
  env?: Record<string, string>;
  /** Fixed port (a restarted process keeps its address); default: a free one. */
  port?: number;
}

/** A running Ringback child process. */
export class RingbackProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly options: RingbackOptions & { dataDir: string },
  ) {}

  static async start(options: RingbackOptions): Promise<RingbackProcess> {
    const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'ringback-bench-'));
    mkdirSync(dataDir, { recursive: true });
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? tmpdir(),
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(options.port ?? 0),
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: BENCH_JWT_SECRET,
      INGEST_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      // The benchmarks measure the system, not its abuse protection: the limiter is off (0 = unlimited).
      RATE_LIMIT_WEBHOOK_PER_MINUTE: '0',
      RATE_LIMIT_USER_PER_MINUTE: '0',
      LOG_LEVEL: process.env['BENCH_SUT_LOG_LEVEL'] ?? 'warn',
      BENCH_TOPOLOGY: options.topology,
      ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers } : {}),
      ...(options.mongoUrl ? { MONGO_URL: options.mongoUrl } : {}),
      ...(options.namespace ? { BENCH_NAMESPACE: options.namespace } : {}),
      ...options.env,
    };
    // The V8 flags of `npm start` (see "Runtime" in the README), so the bench measures what runs.
    const execArgv = ['--no-memory-reducer', '--import', 'tsx', '--expose-gc'];
    if (options.cpuProfDir) {
      mkdirSync(options.cpuProfDir, { recursive: true });
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
    }
    // BENCH_SUT_LOG=<file>: the system's own log (stdout) appended there, for a run that needs explaining.
    const logFile = process.env['BENCH_SUT_LOG'];
    const child = fork(HOST_ENTRY, [], {
      execArgv,
      env,
      stdio: ['ignore', logFile ? openSync(logFile, 'a') : 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`ringback did not start in 120 s: ${stderr}`)),
        120_000,
      );
      child.on('message', (raw) => {
        const msg = raw as { type?: string; url?: string };
        if (msg.type === 'ready' && msg.url) {
          clearTimeout(timer);
          resolve(msg.url);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`ringback exited (${code ?? signal}) before it was ready: ${stderr}`));
      });
    });
    return new RingbackProcess(child, url, { ...options, dataDir });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resident and heap memory of the process (after a GC). */
  memory(): Promise<NodeJS.MemoryUsage> {
    return new Promise((resolve) => {
      const onMessage = (raw: unknown) => {
        const msg = raw as { type?: string } & NodeJS.MemoryUsage;
        if (msg.type !== 'memory') return;
        this.child.off('message', onMessage);
        resolve(msg);
      };
      this.child.on('message', onMessage);
      this.child.send({ type: 'memory' });
    });
  }

  /** Seconds since the process started: where a measured window begins in its `--cpu-prof` profile. */
  uptime(): Promise<number> {
    return new Promise((resolve) => {
      const onMessage = (raw: unknown) => {
        const msg = raw as { type?: string; seconds?: number };
        if (msg.type !== 'uptime') return;
        this.child.off('message', onMessage);
        resolve(msg.seconds ?? 0);
      };
      this.child.on('message', onMessage);
      this.child.send({ type: 'uptime' });
    });
  }

  /** Graceful stop (writes the CPU profile when started with one). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

export const token = (claims: DevTokenClaims): Promise<string> => signDevToken(claims, BENCH_JWT_SECRET);

export const REGIONS = ['west', 'east', 'central'] as const;
const ZONES: Record<(typeof REGIONS)[number], string> = {
  west: 'America/Los_Angeles',
  east: 'America/New_York',
  central: 'America/Chicago',
};
const ALL_DAY = [['00:00', '23:59']] as const;

/** `perRegion` clinics in each region, open every day around the clock (so every SLA clock runs). */
export function benchLocations(perRegion = 4): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const region of REGIONS) {
    for (let i = 1; i <= perRegion; i++) {
      out[`${region}-clinic-${i}`] = {
        name: `Bench ${region} clinic ${i}`,
        regionId: region,
        podId: `pod-${region}`,
        timezone: ZONES[region],
        hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ALL_DAY])),
        serviceLines: ['primary_care'],
      };
    }
  }
  return out;
}

export async function configureLocations(url: string, locations = benchLocations()): Promise<string[]> {
  const admin = await token({ role: 'admin' });
  for (const [id, body] of Object.entries(locations)) {
    const res = await fetch(`${url}/api/v1/admin/locations/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`PUT location ${id}: ${res.status} ${await res.text()}`);
  }
  return Object.keys(locations);
}

/** Polls `GET /readyz` until 200; returns the milliseconds waited. */
export async function waitReady(url: string, timeoutMs = 60_000, pollMs = 50): Promise<number> {
  const started = Date.now();
  let last = 'not listening';
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      last = `${res.status} ${(await res.text()).replace(/\{"component":"[^"]*","ok":true\},?/g, '')}`;
      if (res.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`${url}/readyz not 200 within ${timeoutMs} ms (last: ${last.slice(0, 500)})`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Waits until every given task is in the tasks read model with its SLA clock (`GET /api/v1/tasks/{id}`
 * answers 200 with `sla.dueAt`); returns when the last one showed.
 */
export async function waitTasksVisible(
  url: string,
  taskIds: readonly string[],
  timeoutMs: number,
): Promise<{ visibleAt: number; missing: number; sampled: number }> {
  const admin = await token({ role: 'admin' });
  let pending = [...new Set(taskIds)];
  const sampled = pending.length;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const still: string[] = [];
    for (let i = 0; i < pending.length; i += 32) {
      const batch = pending.slice(i, i + 32);
      const present = await Promise.all(
        batch.map(async (id) => {
          const res = await fetch(`${url}/api/v1/tasks/${id}`, {
            headers: { authorization: `Bearer ${admin}` },
          });
          const body = (await res.json().catch(() => null)) as { sla?: { dueAt?: string } } | null;
          return res.status === 200 && Boolean(body?.sla?.dueAt);
        }),
      );
      batch.forEach((id, j) => {
        if (!present[j]) still.push(id);
      });
    }
    pending = still;
    if (pending.length === 0) return { visibleAt: Date.now(), missing: 0, sampled };
    if (Date.now() > deadline) return { visibleAt: Date.now(), missing: pending.length, sampled };
    await new Promise((r) => setTimeout(r, 100));
  }
}
