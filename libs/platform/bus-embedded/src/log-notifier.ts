/**
 * Wakes waiters in this process when the log changes, so consumers react to a publish at once
 * instead of on their next poll. Writers in other processes are seen by the bus's file watcher
 * (`PRAGMA data_version`), which wakes everyone.
 */
export class LogNotifier {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }

  /** Resolves on the next `notify`, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      signal.addEventListener('abort', wake, { once: true });
      this.waiters.add(wake);
    });
  }
}

/**
 * One LogNotifier per key (a topic partition): an append wakes only the workers of the partition it
 * went to, not every worker of every group on every topic.
 */
export class KeyedLogNotifier {
  private readonly byKey = new Map<string, LogNotifier>();
  private readonly versions = new Map<string, number>();

  notify(key: string): void {
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    this.byKey.get(key)?.notify();
  }

  /** Wakes every waiter of every key (something changed that this process did not do itself). */
  notifyAll(): void {
    for (const key of this.byKey.keys()) this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    for (const notifier of this.byKey.values()) notifier.notify();
  }

  /** Changes on every `notify(key)`: a reader that saw the same version before and after has nothing new from this process. */
  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  wait(key: string, ms: number, signal: AbortSignal): Promise<void> {
    let notifier = this.byKey.get(key);
    if (!notifier) this.byKey.set(key, (notifier = new LogNotifier()));
    return notifier.wait(ms, signal);
  }
}

/** The key of a topic partition in a KeyedLogNotifier. */
export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export interface LogNotifiers {
  /** Per topic partition (`partitionKey`). */
  appended: KeyedLogNotifier;
  committed: LogNotifier;
}

// Buses over the same file in one process share notifiers; ':memory:' databases are private.
const shared = new Map<string, { notifiers: LogNotifiers; users: number }>();

export function acquireNotifiers(key: string | undefined): LogNotifiers {
  const fresh = (): LogNotifiers => ({ appended: new KeyedLogNotifier(), committed: new LogNotifier() });
  if (key === undefined) return fresh();
  let entry = shared.get(key);
  if (!entry) shared.set(key, (entry = { notifiers: fresh(), users: 0 }));
  entry.users++;
  return entry.notifiers;
}

export function releaseNotifiers(key: string | undefined): void {
  if (key === undefined) return;
  const entry = shared.get(key);
  if (entry && --entry.users <= 0) shared.delete(key);
}
