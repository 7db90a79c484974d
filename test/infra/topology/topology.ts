// The distributed topology without containers: every service of services/*/src/main.ts as its own
// Node process (MODE=distributed) on the real Kafka broker and MongoDB/FerretDB, two gateway replicas,
// and one HTTP origin in front (topology-proxy.ts) routing by deploy/routes.json. KurrentDB cannot run
// on this machine: EVENT_STORE=sqlite stands in for it, one SQLite file under DATA_DIR that every
// process opens (WAL, appends under the file's write lock, subscriptions polling for other processes'
// appends). Topics are provisioned explicitly first (services/all-in-one/src/provision-topics.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadRoutes } from './routes';
import { startTopologyProxy, type RunningProxy } from './topology-proxy';

const ROOT = path.resolve(__dirname, '../../..');

/** Every service with its own entrypoint (services/<name>/src/main.ts), the embedded composition aside. */
export function topologyServices(): string[] {
  return readdirSync(path.join(ROOT, 'services'))
    .filter(
      (name) => name !== 'all-in-one' && existsSync(path.join(ROOT, 'services', name, 'src', 'main.ts')),
    )
    .sort();
}

export interface TopologyOptions {
  kafkaBrokers: string;
  /** MongoDB/FerretDB server URL; the topology uses its own database `ringback-<namespace>` on it. */
  mongoUrl: string;
  /** Shared state directory: the SQLite event store, the reminders outbox, one log file per process. */
  dataDir: string;
  /** KAFKA_NAMESPACE of every process (topics, consumer groups) and the database name. */
  namespace: string;
  authJwtSecret: string;
  webhookSecret: string;
  /** Default 2. */
  gatewayReplicas?: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Port of the proxy (default: a free one). */
  proxyPort?: number;
  /** How long every process gets to answer 200 on /readyz (default 180 s: eight tsx starts on a busy machine). */
  readyTimeoutMs?: number;
}

export interface TopologyProcess {
  service: string;
  replica: number;
  url: string;
  logFile: string;
  child: ChildProcess;
  /** Times it was started again after exiting before it was ready (as a pod's restart policy would). */
  restarts: number;
  restart?: () => void;
}

/** Starts again a process that exits before it is ready (a slow broker or database at boot), at most this often. */
const MAX_RESTARTS = 3;

export interface RunningTopology {
  /** The one origin clients use (the proxy). */
  url: string;
  processes: TopologyProcess[];
  mongoUrl: string;
  proxy: RunningProxy;
  /** SIGTERM to every process; resolves with each exit code (null: had to be SIGKILLed). */
  stop(): Promise<{ service: string; replica: number; code: number | null }[]>;
  /** SIGKILL one process (no drain, no shutdown hooks) and wait until it is gone. */
  kill(proc: TopologyProcess): Promise<void>;
  /**
   * Start a stopped process again on its port and log, as its supervisor would; resolves when it is
   * ready (`until: 'live'`: when it answers /healthz, before it has caught up).
   */
  start(proc: TopologyProcess, options?: { until?: 'ready' | 'live'; timeoutMs?: number }): Promise<void>;
}

/**
 * Ports handed out in this process. A port is free when asked for but taken only once its service has
 * booted and bound it, seconds later: meanwhile the kernel may offer it again, and two services given
 * one port made one process answer for both (a scheduling route answered by a gateway).
 */
const issuedPorts = new Set<number>();

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: bound } = server.address() as net.AddressInfo;
        server.close(() => resolve(bound));
      });
    });
    if (issuedPorts.has(port)) continue;
    issuedPorts.add(port);
    return port;
  }
}

/** The database of this topology on the given server. */
export function topologyMongoUrl(serverUrl: string, namespace: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/ringback-${namespace}`;
  return url.toString();
}

const tail = (file: string, lines = 30): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

async function waitReady(proc: TopologyProcess, deadline: number, probe = '/readyz'): Promise<void> {
  let last = '';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      if (proc.restarts >= MAX_RESTARTS || !proc.restart)
        throw new Error(
          `${proc.service}#${proc.replica} exited with ${proc.child.exitCode} before it was ready, ${proc.restarts} restarts:\n${tail(proc.logFile)}`,
        );
      proc.restart();
      continue;
    }
    try {
      const res = await fetch(`${proc.url}${probe}`);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${proc.service}#${proc.replica} not ready in time (${last}):\n${tail(proc.logFile)}`);
}

function stopProcess(child: ChildProcess, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** Provisions the topics, starts every service and the proxy, and waits until each process is ready. */
export async function startTopology(options: TopologyOptions): Promise<RunningTopology> {
  const logs = path.join(options.dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const mongoUrl = topologyMongoUrl(options.mongoUrl, options.namespace);
  const shared: Record<string, string> = {
    // Only what Node and tsx need from the caller: a stray config variable must not leak in.
    ...Object.fromEntries(
      ['PATH', 'HOME', 'TMPDIR'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])),
    ),
    NODE_ENV: 'test',
    MODE: 'distributed',
    EVENT_STORE: 'sqlite',
    DATA_DIR: options.dataDir,
    KAFKA_BROKERS: options.kafkaBrokers,
    KAFKA_NAMESPACE: options.namespace,
    MONGO_URL: mongoUrl,
    HOST: '127.0.0.1',
    AUTH_JWT_SECRET: options.authJwtSecret,
    INGEST_WEBHOOK_SECRET: options.webhookSecret,
    LOG_LEVEL: 'info',
    ...options.env,
  };

  const provision = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'services/all-in-one/src/provision-topics.ts')],
    { cwd: ROOT, env: shared, encoding: 'utf8' },
  );
  if (provision.status !== 0)
    throw new Error(`topic provisioning failed: ${provision.stderr || provision.stdout}`);

  const proxyPort = options.proxyPort ?? (await freePort());
  const publicUrl = `http://127.0.0.1:${proxyPort}`;
  const processes: TopologyProcess[] = [];
  const spawnService = (
    proc: Pick<TopologyProcess, 'service' | 'replica' | 'logFile'>,
    port: number,
  ): ChildProcess => {
    const fd = openSync(proc.logFile, 'a');
    try {
      return spawn(
        process.execPath,
        [
          '--no-memory-reducer',
          '--import',
          'tsx',
          path.join(ROOT, 'services', proc.service, 'src', 'main.ts'),
        ],
        {
          cwd: ROOT,
          env: {
            ...shared,
            SERVICE_NAME: proc.service,
            KAFKA_CLIENT_ID: `${proc.service}-${proc.replica}`,
            PORT: String(port),
            PUBLIC_BASE_URL: publicUrl,
          },
          stdio: ['ignore', fd, fd],
        },
      );
    } finally {
      closeSync(fd);
    }
  };
  for (const service of topologyServices()) {
    const replicas = service === 'gateway' ? (options.gatewayReplicas ?? 2) : 1;
    for (let replica = 0; replica < replicas; replica++) {
      const port = await freePort();
      const base = {
        service,
        replica,
        url: `http://127.0.0.1:${port}`,
        logFile: path.join(logs, `${service}-${replica}.log`),
      };
      const proc: TopologyProcess = { ...base, child: spawnService(base, port), restarts: 0 };
      proc.restart = () => {
        proc.restarts += 1;
        proc.child = spawnService(base, port);
      };
      processes.push(proc);
    }
  }

  let proxy: RunningProxy | undefined;
  const stop = async () => {
    await proxy?.close();
    return Promise.all(
      processes.map(async (p) => ({
        service: p.service,
        replica: p.replica,
        code: await stopProcess(p.child, 30_000),
      })),
    );
  };
  try {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
    await Promise.all(processes.map((p) => waitReady(p, deadline)));
    const upstreams: Record<string, string[]> = {};
    for (const p of processes) (upstreams[p.service] ??= []).push(p.url);
    proxy = await startTopologyProxy(loadRoutes(), upstreams, { port: proxyPort });
  } catch (error) {
    await stop();
    throw error;
  }
  const kill = async (proc: TopologyProcess) => {
    const child = proc.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  };
  const start = async (
    proc: TopologyProcess,
    { until = 'ready', timeoutMs = 180_000 }: { until?: 'ready' | 'live'; timeoutMs?: number } = {},
  ) => {
    if (proc.child.exitCode === null && proc.child.signalCode === null)
      throw new Error(`${proc.service}#${proc.replica} is still running`);
    proc.child = spawnService(proc, Number(new URL(proc.url).port));
    await waitReady(proc, Date.now() + timeoutMs, until === 'ready' ? '/readyz' : '/healthz');
  };
  return { url: proxy.url, processes, mongoUrl, proxy, stop, kill, start };
}
