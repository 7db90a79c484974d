// Load and client processes: forked with tsx, spoken to over IPC. Keeps them out of the event loop
// of the system under test and of the harness.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface WorkerMessage {
  type: string;
  [key: string]: unknown;
}

/** A forked worker process and a mailbox of the messages it sent. */
export class WorkerProcess {
  private readonly inbox: WorkerMessage[] = [];
  private readonly waiters: {
    type: string;
    resolve: (m: WorkerMessage) => void;
    reject: (e: Error) => void;
  }[] = [];
  private exited = false;

  private static readonly running = new Map<string, Set<WorkerProcess>>();

  /** Stops every running worker of this file (a benchmark that gave up waiting on one). */
  static async stopAll(file: string): Promise<void> {
    await Promise.all([...(WorkerProcess.running.get(file) ?? [])].map((w) => w.stop()));
  }

  private constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const msg = raw as WorkerMessage;
      if (msg.type === 'error') {
        for (const w of this.waiters.splice(0)) w.reject(new Error(String(msg['error'])));
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === msg.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      else this.inbox.push(msg);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error(`worker exited (${code ?? signal})`));
    });
  }

  /** Forks `bench/workers/<file>` (or `bench/<dir>/<file>`) and waits for its `ready`. */
  static async start(
    file: string,
    env: Record<string, string> = {},
    execArgv: string[] = [],
  ): Promise<WorkerProcess> {
    const child = fork(path.resolve(__dirname, '..', file.includes('/') ? file : `workers/${file}`), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=2048', ...execArgv],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const worker = new WorkerProcess(child);
    const set = WorkerProcess.running.get(file) ?? new Set<WorkerProcess>();
    set.add(worker);
    WorkerProcess.running.set(file, set);
    child.once('exit', () => set.delete(worker));
    await worker.next('ready');
    return worker;
  }

  send(message: unknown): void {
    this.child.send(message as object);
  }

  /** The next message of this type (already received or still to come). */
  next(type: string, timeoutMs = 15 * 60_000): Promise<WorkerMessage> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    if (this.exited) return Promise.reject(new Error('worker already exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} from worker in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Sends one request and waits for its answer of type `answer`. */
  async ask(message: WorkerMessage, answer: string, timeoutMs?: number): Promise<WorkerMessage> {
    const reply = this.next(answer, timeoutMs);
    this.send(message);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await done;
  }
}

/** Runs one LoadSpec-style job in a fresh worker: sends the spec, waits for `done`, returns its report. */
export async function runJob<TReport>(file: string, spec: unknown, timeoutMs?: number): Promise<TReport> {
  const worker = await WorkerProcess.start(file);
  try {
    const msg = await worker.ask(spec as WorkerMessage, 'done', timeoutMs);
    return msg['report'] as TReport;
  } finally {
    await worker.stop();
  }
}
