import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { DayHooks } from './realistic-day.scenario';
import type { DayHost } from './day-host';

const FIXTURE = path.join(__dirname, 'day-node.fixture.ts');

interface Pending {
  resolve: (body: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

/**
 * A day host over a child process. `killOn` lists which calls of `at`/`settle` (numbered from 1, in
 * the order the scenario makes them) SIGKILL the child while it works on them: the request is sent,
 * the child is killed `killDelayMs` later, restarted on the same DATA_DIR at the same virtual time, and
 * the request is sent again. `kills` counts how often that happened.
 */
export class ChildDayHost implements DayHost, DayHooks {
  private child: ChildProcess | undefined;
  private baseUrl = '';
  private nextId = 1;
  private calls = 0;
  private now: string;
  private readonly pending = new Map<number, Pending>();
  kills = 0;

  constructor(
    private readonly dataDir: string,
    start: string,
    private readonly killOn: ReadonlySet<number> = new Set(),
    private readonly killDelayMs = 15,
  ) {
    this.now = start;
  }

  get url(): string {
    return this.baseUrl;
  }

  async start(): Promise<void> {
    const child = fork(FIXTURE, [this.dataDir, this.now], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    child.on('message', (raw) => {
      const msg = raw as { id?: number; ok?: boolean; error?: string } & Record<string, unknown>;
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg);
      else p.reject(new Error(msg.error ?? 'child request failed'));
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('child exited'));
      this.pending.clear();
    });
    this.baseUrl = await new Promise<string>((resolve, reject) => {
      const onMessage = (raw: unknown) => {
        const msg = raw as { type?: string; url?: string };
        if (msg.type === 'ready' && msg.url) {
          child.off('message', onMessage);
          resolve(msg.url);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`day node exited with ${code} before it was ready`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  at(iso: string): Promise<void> {
    this.now = iso;
    return this.run({ type: 'at', iso });
  }

  settle(): Promise<void> {
    return this.run({ type: 'settle' });
  }

  async readStream(streamId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
    const body = await this.request({ type: 'readStream', streamId });
    return body['events'] as { type: string; data: Record<string, unknown> }[];
  }

  private async run(req: { type: 'at'; iso: string } | { type: 'settle' }): Promise<void> {
    this.calls += 1;
    if (this.killOn.has(this.calls)) {
      const inFlight = this.request(req).catch(() => undefined);
      await new Promise((r) => setTimeout(r, this.killDelayMs));
      await this.kill();
      await inFlight;
      await this.start();
      // Whatever the killed process had done is on disk; the rest is done again, exactly once.
      await this.request(req.type === 'at' ? { type: 'at', iso: this.now } : req);
      return;
    }
    await this.request(req);
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.kills += 1;
  }

  private request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const child = this.child;
    if (!child) return Promise.reject(new Error('day node is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ id, ...body });
    });
  }
}
