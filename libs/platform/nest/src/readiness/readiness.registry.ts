/** What one readiness check reports. `detail` is shown to operators: keep it free of PHI. */
export interface ReadinessResult {
  ok: boolean;
  detail?: string;
}

export type ReadinessCheck = () => Promise<ReadinessResult> | ReadinessResult;

export interface ComponentReadiness {
  component: string;
  ok: boolean;
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  components: ComponentReadiness[];
}

export interface ReadinessRegistryOptions {
  /** A check that has not answered within this many milliseconds counts as not ready. Default 2000. */
  timeoutMs?: number;
}

/**
 * Named readiness checks behind `GET /readyz`. Components (event store, bus consumers, read models)
 * register a check when they start; the process is ready when every check passes. A check that
 * throws or times out is not ready. Once shutdown begins the process reports not ready, so a load
 * balancer drains it before the server closes.
 */
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly timeoutMs: number;
  private shuttingDown = false;

  constructor(options: ReadinessRegistryOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  /** Adds a check; returns a function that removes it. Names are unique within the process. */
  registerCheck(name: string, check: ReadinessCheck): () => void {
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" is already registered`);
    this.checks.set(name, check);
    return () => {
      if (this.checks.get(name) === check) this.checks.delete(name);
    };
  }

  /**
   * Ready while `lag()` is at most `maxLag`: the check of a bus consumer (or anything that falls
   * behind); not ready says how far behind, in `what` ("task events").
   */
  registerLagCheck(name: string, lag: () => Promise<number>, maxLag: number, what: string): () => void {
    return this.registerCheck(name, async () => {
      const behind = await lag();
      return behind <= maxLag ? { ok: true } : { ok: false, detail: `${behind} ${what} behind` };
    });
  }

  unregisterCheck(name: string): boolean {
    return this.checks.delete(name);
  }

  checkNames(): string[] {
    return [...this.checks.keys()];
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  private drainMs = 0;
  private drained: Promise<void> | undefined;

  /** How long {@link drain} waits (SHUTDOWN_DRAIN_MS); set once by the platform module. */
  setDrainMs(ms: number): void {
    this.drainMs = ms;
  }

  /**
   * Marks the process not ready and resolves when the drain time has passed since the first call.
   * Every shutdown hook that must outlast the drain (the HTTP server, open sockets) awaits it; they all
   * wait on the same timer, whatever order the hooks run in.
   */
  drain(): Promise<void> {
    this.markShuttingDown();
    this.drained ??=
      this.drainMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.drainMs)) : Promise.resolve();
    return this.drained;
  }

  /** Runs every check concurrently. */
  async evaluate(): Promise<ReadinessReport> {
    const components = await Promise.all([...this.checks].map(([name, check]) => this.run(name, check)));
    if (this.shuttingDown) components.unshift({ component: 'process', ok: false, detail: 'shutting down' });
    return { ready: components.every((c) => c.ok), components };
  }

  private async run(component: string, check: ReadinessCheck): Promise<ComponentReadiness> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ReadinessResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, detail: `check timed out after ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
    });
    try {
      const result = await Promise.race([Promise.resolve().then(check), timeout]);
      return {
        component,
        ok: result.ok === true,
        ...(result.detail === undefined ? {} : { detail: result.detail }),
      };
    } catch (error) {
      return {
        component,
        ok: false,
        detail: `check failed: ${error instanceof Error ? error.name : 'error'}`,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
