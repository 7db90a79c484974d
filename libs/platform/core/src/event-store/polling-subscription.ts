import { performance } from 'node:perf_hooks';
import type { RecordedEvent } from '@ringback/contracts';
import type { SubscriptionOptions } from '../ports/event-store.port';
import { CatchUpSubscription, type CatchUpRuntime } from './catch-up-subscription';

/** Synchronous reads of a store's global log, for a PollingSubscription. */
export interface SubscriptionSource {
  /** Events with position > fromPosition, in global order. */
  read(fromPosition: bigint, categories: string[] | undefined, maxCount: number): RecordedEvent[];
  /** Newest position among `categories` (all when absent), 0n when none. */
  head(categories: string[] | undefined): bigint;
}

export interface PollingSubscriptionRuntime extends CatchUpRuntime {
  /**
   * How often a caught-up subscription reads again, for appends by other processes; undefined when
   * the store's own notify() sees every append (a store in process memory).
   */
  pollIntervalMs?: number;
  batchSize: number;
  /**
   * Least time between two reads of a caught-up subscription (default 0). Woken sooner after its last
   * read, it waits out the rest, and the appends of that while come in one read instead of one read
   * each: against SQLite, a read per commit per subscription was a sixth of the loop's time in the
   * soak. A subscription catching up (its last batch was full) reads again at once.
   */
  minReadIntervalMs?: number;
}

/**
 * A reader loop per subscription over a store with synchronous reads: read a batch after the
 * cursor, hand events to the handler one at a time in global order, then sleep until the store
 * signals an append in this process (notify) or the poll interval passes. A failing read is retried
 * with the same backoff as a failing handler.
 */
export class PollingSubscription extends CatchUpSubscription {
  private dirty = true;
  private readonly categories: ReadonlySet<string> | undefined;

  constructor(
    private readonly source: SubscriptionSource,
    options: SubscriptionOptions,
    private readonly polling: PollingSubscriptionRuntime,
  ) {
    super(options, polling);
    this.categories = options.categories ? new Set(options.categories) : undefined;
    this.start();
  }

  /**
   * The store calls this after committing an append, with the category appended to when it knows it:
   * a subscription to other categories has nothing to read and stays asleep.
   */
  notify(category?: string): void {
    if (category !== undefined && this.categories && !this.categories.has(category)) return;
    this.dirty = true;
    this.wakeUp();
  }

  protected head(): bigint {
    return this.source.head(this.options.categories);
  }

  protected override onWaiting(): void {
    // the loop may be sleeping on the poll interval while another process appended
    if (this.polling.pollIntervalMs !== undefined) this.notify();
  }

  protected async run(): Promise<void> {
    let readFailures = 0;
    let lastReadAt = Number.NEGATIVE_INFINITY;
    let catchingUp = true;
    const minInterval = this.polling.minReadIntervalMs ?? 0;
    while (!this.stopped) {
      if (!catchingUp && minInterval > 0) {
        const wait = lastReadAt + minInterval - performance.now();
        if (wait > 0) {
          await this.sleep(wait, false);
          if (this.stopped) return;
        }
      }
      this.dirty = false;
      let batch: RecordedEvent[];
      try {
        lastReadAt = performance.now();
        batch = this.source.read(this.cursor, this.options.categories, this.polling.batchSize);
        catchingUp = batch.length >= this.polling.batchSize;
        readFailures = 0;
      } catch (error) {
        readFailures++;
        await this.sleep(this.reportFailure(error, readFailures), false);
        continue;
      }
      for (const event of batch) if (!(await this.deliver(event))) return;
      if (batch.length === 0 && !this.dirty) await this.sleep(this.polling.pollIntervalMs, true);
    }
  }
}
