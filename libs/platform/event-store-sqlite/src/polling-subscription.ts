import type { RecordedEvent } from '@ringback/contracts';
import type { StoreSubscription, SubscriptionOptions } from '@ringback/platform-core';

export interface SubscriptionFailure {
  subscriberId: string;
  /** The event whose handler threw; absent when reading from the store failed. */
  event?: RecordedEvent;
  /** 1 for the first failure in a row, then 2, 3… */
  attempt: number;
  /** Delay before the next attempt. */
  retryInMs: number;
}

export interface SubscriptionSource {
  /** Events with position > fromPosition, in global order. */
  read(fromPosition: bigint, categories: string[] | undefined, maxCount: number): RecordedEvent[];
  /** Newest position among `categories` (all when absent), 0n when none. */
  head(categories: string[] | undefined): bigint;
}

export interface PollingSubscriptionRuntime {
  pollIntervalMs: number;
  batchSize: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  onSubscriptionError: (error: unknown, failure: SubscriptionFailure) => void;
  onStopped: () => void;
}

/**
 * A reader loop per subscription: read a batch after the cursor, hand events to the handler one at a
 * time in global order, then sleep until the store signals an append in this process or the poll
 * interval passes (appends by other processes are only seen by polling).
 *
 * A handler that throws is retried on the same event with capped exponential backoff
 * (initialBackoffMs, doubling, up to maxBackoffMs) until it succeeds or the subscription stops; the
 * event is never skipped, so a poison event halts this subscriber, visibly through
 * onSubscriptionError, rather than losing data.
 */
export class PollingSubscription implements StoreSubscription {
  lastPosition: bigint | undefined;
  private cursor: bigint;
  private stopped = false;
  private dirty = true;
  private wake: (() => void) | undefined;
  private readonly waiters: { target: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly done: Promise<void>;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly options: SubscriptionOptions,
    private readonly runtime: PollingSubscriptionRuntime,
  ) {
    this.cursor = options.fromPosition ?? 0n;
    this.done = this.run();
  }

  /** The store calls this after committing an append. */
  notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  whenCaughtUp(): Promise<void> {
    if (this.stopped)
      return Promise.reject(new Error(`subscription ${this.options.subscriberId} is stopped`));
    let target: bigint;
    try {
      target = this.source.head(this.options.categories);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.cursor >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      // the loop may be sleeping on the poll interval while another process appended
      this.notify();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.done;
    for (const w of this.waiters.splice(0))
      w.reject(new Error(`subscription ${this.options.subscriberId} stopped`));
    this.runtime.onStopped();
  }

  private async run(): Promise<void> {
    let readFailures = 0;
    while (!this.stopped) {
      this.dirty = false;
      let batch: RecordedEvent[];
      try {
        batch = this.source.read(this.cursor, this.options.categories, this.runtime.batchSize);
        readFailures = 0;
      } catch (error) {
        readFailures++;
        const retryInMs = this.backoff(readFailures);
        this.runtime.onSubscriptionError(error, {
          subscriberId: this.options.subscriberId,
          attempt: readFailures,
          retryInMs,
        });
        await this.sleep(retryInMs, false);
        continue;
      }
      for (const event of batch) {
        if (!(await this.deliver(event))) return;
        this.cursor = event.position;
        this.lastPosition = event.position;
        this.settleWaiters();
      }
      if (batch.length === 0 && !this.dirty) await this.sleep(this.runtime.pollIntervalMs, true);
    }
  }

  private async deliver(event: RecordedEvent): Promise<boolean> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.options.handler(event);
        return true;
      } catch (error) {
        const retryInMs = this.backoff(attempt);
        this.runtime.onSubscriptionError(error, {
          subscriberId: this.options.subscriberId,
          event,
          attempt,
          retryInMs,
        });
        await this.sleep(retryInMs, false);
      }
    }
    return false;
  }

  private backoff(attempt: number): number {
    return Math.min(
      this.runtime.maxBackoffMs,
      this.runtime.initialBackoffMs * 2 ** Math.min(attempt - 1, 30),
    );
  }

  /** Sleeps for `ms`; `stop()` always cuts it short, an append notification only when `wakeOnAppend`. */
  private sleep(ms: number, wakeOnAppend: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), ms);
      const finish = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = () => {
        if (wakeOnAppend || this.stopped) finish();
      };
    });
  }

  private settleWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.target <= this.cursor) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}
