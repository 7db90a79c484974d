import type { RecordedEvent } from '@ringback/contracts';
import { backoffDelayMs } from '../bus/backoff';
import type { StoreSubscription, SubscriptionOptions } from '../ports/event-store.port';

/** One failed attempt of a store subscription, reported before its retry. */
export interface SubscriptionFailure {
  subscriberId: string;
  /** The event whose handler threw; absent when reading from the store (or subscribing to it) failed. */
  event?: RecordedEvent;
  /** 1 for the first failure in a row, then 2, 3… */
  attempt: number;
  /** Delay before the next attempt. */
  retryInMs: number;
}

/** Receives every subscription failure before its retry. */
export type SubscriptionErrorHandler = (error: unknown, failure: SubscriptionFailure) => void;

/** The subscription settings every event store adapter takes in its options. */
export interface SubscriptionRetryOptions {
  /** Backoff between attempts when a subscription handler throws (defaults 50 ms doubling to 5 s). */
  retry?: { initialBackoffMs?: number; maxBackoffMs?: number };
  /** Called on every subscription failure before its retry; defaults to console.warn. */
  onSubscriptionError?: SubscriptionErrorHandler;
}

/** What a CatchUpSubscription needs from the store that runs it. */
export interface CatchUpRuntime {
  initialBackoffMs: number;
  maxBackoffMs: number;
  onSubscriptionError: SubscriptionErrorHandler;
  /** Called once the subscription has stopped, so the store can forget it. */
  onStopped: () => void;
}

/**
 * The store options' retry settings with their defaults. `sourceFailure` names, in the default
 * console warning, a failure that is not a handler's (e.g. 'read failed').
 */
export function subscriptionRetryDefaults(
  options: SubscriptionRetryOptions,
  sourceFailure: string,
): Omit<CatchUpRuntime, 'onStopped'> {
  return {
    initialBackoffMs: options.retry?.initialBackoffMs ?? 50,
    maxBackoffMs: options.retry?.maxBackoffMs ?? 5_000,
    onSubscriptionError:
      options.onSubscriptionError ??
      ((error, failure) => warnSubscriptionFailure(error, failure, sourceFailure)),
  };
}

function warnSubscriptionFailure(error: unknown, f: SubscriptionFailure, sourceFailure: string): void {
  const where = f.event
    ? `handler failed on event ${f.event.envelope.eventId} at position ${f.event.position}`
    : sourceFailure;
  console.warn(
    `subscriber ${f.subscriberId}: ${where} (attempt ${f.attempt}), retrying in ${f.retryInMs} ms: ` +
      (error instanceof Error ? error.message : String(error)),
  );
}

/**
 * The store-independent half of a catch-up subscription: the cursor, whenCaughtUp waiters, stop, and
 * delivery to the handler. A handler that throws is retried on the same event with capped
 * exponential backoff until it succeeds or the subscription stops; the event is never skipped, so a
 * poison event halts this subscriber, visibly through onSubscriptionError, rather than losing data.
 *
 * Subclasses supply the reader loop (`run`, started by calling `start()` at the end of their
 * constructor, once their own fields are set) and the head position that whenCaughtUp waits for.
 */
export abstract class CatchUpSubscription implements StoreSubscription {
  lastPosition: bigint | undefined;
  /** Position of the last event handled (or the start position): reading resumes after it. */
  protected cursor: bigint;
  protected stopped = false;
  private wake: (() => void) | undefined;
  private readonly waiters: { target: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  private done: Promise<void> = Promise.resolve();

  protected constructor(
    protected readonly options: SubscriptionOptions,
    private readonly runtime: CatchUpRuntime,
  ) {
    this.cursor = options.fromPosition ?? 0n;
  }

  whenCaughtUp(): Promise<void> {
    if (this.stopped)
      return Promise.reject(new Error(`subscription ${this.options.subscriberId} is stopped`));
    let target: bigint | Promise<bigint>;
    try {
      target = this.head();
    } catch (error) {
      return Promise.reject(error);
    }
    return target instanceof Promise ? target.then((t) => this.waitFor(t)) : this.waitFor(target);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp();
    await this.interrupt();
    await this.done;
    for (const w of this.waiters.splice(0))
      w.reject(new Error(`subscription ${this.options.subscriberId} stopped`));
    this.runtime.onStopped();
  }

  /** The reader loop; it returns once `stopped` is set. */
  protected abstract run(): Promise<void>;

  /** Newest position among the subscription's categories: what whenCaughtUp waits for. */
  protected abstract head(): bigint | Promise<bigint>;

  /** Called when whenCaughtUp starts waiting, for a loop that may be asleep while events are due. */
  protected onWaiting(): void {
    // nothing to wake by default
  }

  /** Called by stop() after setting `stopped`, to cut short whatever the loop is blocked on. */
  protected interrupt(): Promise<void> {
    return Promise.resolve();
  }

  protected start(): void {
    this.done = this.run();
  }

  /**
   * Hands `event` to the handler, retrying with backoff until it succeeds, then moves the cursor past
   * it. False when the subscription stopped first.
   */
  protected async deliver(event: RecordedEvent): Promise<boolean> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.options.handler(event);
      } catch (error) {
        await this.sleep(this.reportFailure(error, attempt, event), false);
        continue;
      }
      this.cursor = event.position;
      this.lastPosition = event.position;
      this.settleWaiters();
      return true;
    }
    return false;
  }

  /** Reports failure number `attempt` in a row (of `event`'s handler, or of the source) and returns the wait before the retry. */
  protected reportFailure(error: unknown, attempt: number, event?: RecordedEvent): number {
    const retryInMs = backoffDelayMs(this.runtime, attempt);
    this.runtime.onSubscriptionError(error, {
      subscriberId: this.options.subscriberId,
      ...(event ? { event } : {}),
      attempt,
      retryInMs,
    });
    return retryInMs;
  }

  /**
   * Sleeps for `ms` (until woken when undefined); `stop()` always cuts it short, `wakeUp()` only when
   * `wakeOnAppend`, so backoff sleeps ignore appends.
   */
  protected sleep(ms: number | undefined, wakeOnAppend: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => finish(), ms);
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

  /** Ends a sleep that may be cut short (see sleep). */
  protected wakeUp(): void {
    this.wake?.();
  }

  private waitFor(target: bigint): Promise<void> {
    if (this.cursor >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      this.onWaiting();
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

/** The subscriptions a store has running, so it can notify them of appends and stop them on close. */
export class LiveSubscriptions<T extends StoreSubscription> implements Iterable<T> {
  private readonly live = new Set<T>();

  /** Tracks the subscription `create` builds until it stops, which it reports through `onStopped`. */
  add(create: (onStopped: () => void) => T): T {
    const subscription = create(() => this.live.delete(subscription));
    this.live.add(subscription);
    return subscription;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.live.values();
  }

  /** Stops every subscription; resolves once each handler in flight has settled. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.stop()));
  }
}
