// A fleet of wallboard (or raw socket.io) clients spread over client processes.
import { WorkerProcess } from './workers';

export interface FleetReport {
  samples: number[];
  count: number;
  seenTasks: number;
  deltas: number;
  snapshots: number;
  gaps: number;
}

export class ClientFleet {
  private constructor(private readonly workers: WorkerProcess[]) {}

  /** `count` clients over ceil(count / perProcess) processes, connected and subscribed. */
  static async connect(
    spec: {
      url: string;
      count: number;
      tokens: string[];
      scopes: { scope: string; id: string }[];
      raw?: boolean;
    },
    perProcess = 2500,
    onProgress: (connected: number) => void = () => undefined,
  ): Promise<{ fleet: ClientFleet; ok: number; failed: number; errors: string[] }> {
    const n = Math.max(1, Math.ceil(spec.count / perProcess));
    const workers = await Promise.all(
      Array.from({ length: n }, () => WorkerProcess.start('wallboard-clients.worker.ts')),
    );
    const fleet = new ClientFleet(workers);
    const progress = new Array<number>(n).fill(0);
    workers.forEach((w, i) =>
      w.child.on('message', (raw) => {
        const m = raw as { type?: string; connected?: number };
        if (m.type === 'progress') {
          progress[i] = m.connected ?? 0;
          onProgress(progress.reduce((a, b) => a + b, 0));
        }
      }),
    );
    const answers = await Promise.all(
      workers.map((w, i) => {
        const count = Math.floor(spec.count / n) + (i < spec.count % n ? 1 : 0);
        // Each process starts its round-robin at its own offset, so scopes stay evenly spread.
        const rotate = <T>(xs: T[]) => xs.map((_, j) => xs[(j + i * count) % xs.length]!);
        return w.ask(
          { type: 'connect', ...spec, count, tokens: rotate(spec.tokens), scopes: rotate(spec.scopes) },
          'connected',
          600_000,
        );
      }),
    );
    return {
      fleet,
      ok: answers.reduce((s, a) => s + Number(a['ok']), 0),
      failed: answers.reduce((s, a) => s + Number(a['failed']), 0),
      errors: answers.flatMap((a) => a['errors'] as string[]),
    };
  }

  async reset(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ask({ type: 'reset' }, 'reset')));
  }

  /** Latencies of first sightings of each accepted task (or raw emit-to-receive), merged. */
  async report(acceptedAt: Record<string, number> = {}): Promise<FleetReport> {
    const answers = await Promise.all(
      this.workers.map((w) => w.ask({ type: 'report', acceptedAt }, 'report', 120_000)),
    );
    const sum = (k: string) => answers.reduce((s, a) => s + Number(a[k]), 0);
    return {
      samples: answers.flatMap((a) => a['samples'] as number[]),
      count: sum('count'),
      seenTasks: Math.max(...answers.map((a) => Number(a['seenTasks']))),
      deltas: sum('deltas'),
      snapshots: sum('snapshots'),
      gaps: sum('gaps'),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
