import { Inject, Injectable, Optional } from '@nestjs/common';
import { ringbackEventRegistry, slaStreamId } from '@ringback/contracts';
import { CLOCK, toIso, type Clock } from '@ringback/kernel';
import type { RingbackConfig } from '@ringback/config';
import { LOGGER, METRICS_REGISTRY, RINGBACK_CONFIG } from '@ringback/nest-platform';
import { createCounter } from '@ringback/observability';
import type { Counter, Registry } from 'prom-client';
import {
  EVENT_STORE,
  READ_MODEL_STORE,
  handleCommand,
  type EventStore,
  type ReadModelStore,
} from '@ringback/platform-core';
import { slaTimerDecider } from '@ringback/sla-monitor-domain';
import { fallbackSlaLogger, type SlaLogger } from './sla-logger';
import { SLA_TIMERS_COLLECTION, type SlaTimerDoc } from './sla-timers.projection';

export interface SlaTimerSchedulerOptions {
  /** Real-time period of the loop started by `start()` (default 250 ms). */
  intervalMs?: number;
  /** Most timers one tick looks at (default 250); the rest are picked up by the next ticks. */
  batchSize?: number;
}

export const SLA_TIMER_SCHEDULER_OPTIONS = Symbol.for('ringback.SlaTimerSchedulerOptions');

/**
 * Durable SLA timers. Nothing is kept in process memory: the pending thresholds are the `sla_timers`
 * read model (rebuilt from the event store after a restart), and whether a threshold may still fire
 * is decided by the task's `sla-<taskId>` stream. So after a crash or downtime the first tick that
 * sees the rebuilt timers fires every overdue threshold, each exactly once:
 * - the decider emits a threshold only if its stream does not hold it yet;
 * - two ticks (here or in another replica) racing on one task append with optimistic concurrency,
 *   and the loser reloads and decides nothing;
 * - the events carry deterministic ids, so even a retried append is recognised as done.
 * The read model only says which tasks to look at; a stale document costs a no-op FireDue.
 */
@Injectable()
export class SlaTimerScheduler {
  private readonly registry = ringbackEventRegistry();
  private readonly logger: SlaLogger;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> = Promise.resolve(0);
  private readonly thresholds: Counter<'threshold' | 'tier'> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(LOGGER) logger?: SlaLogger,
    @Optional() @Inject(SLA_TIMER_SCHEDULER_OPTIONS) options?: SlaTimerSchedulerOptions,
    @Optional() @Inject(RINGBACK_CONFIG) config?: RingbackConfig,
    @Optional() @Inject(METRICS_REGISTRY) metrics?: Registry,
  ) {
    this.logger = logger ?? fallbackSlaLogger;
    this.thresholds = metrics
      ? createCounter(metrics, {
          name: 'sla_thresholds',
          help: 'SLA thresholds fired by this process: threshold="at_risk" (75 %) or "breach" (100 %, a supervisor alert)',
          labelNames: ['threshold', 'tier'],
        })
      : undefined;
    // A quarter of a second, not one: thresholds fire within 250 ms of their time, and the work they
    // set off (appends, the relay, every consumer and projection, the wallboard) comes in four small
    // waves a second instead of one. In a CPU profile of the soak at 66 calls a second, the loop was
    // 86-92 % busy for the 150 ms after each one-second tick and 60-65 % otherwise; webhooks arriving
    // in the wave queue behind it. 250 per tick still catches up 1,000 overdue thresholds a second
    // after downtime, twice the former 500.
    this.intervalMs = options?.intervalMs ?? config?.sla.timerIntervalMs ?? 250;
    this.batchSize = options?.batchSize ?? 250;
  }

  /**
   * Fires every threshold due at `clock.now()` among the pending timers. Ticks of one scheduler run
   * one after another. Returns how many threshold events (at-risk and breach) this tick decided and
   * the store accepted. When another replica fires the same threshold at the same moment, both may
   * count it: the loser's append carries the same deterministic ids and the store answers it as the
   * one already done, so the stream still holds the event once.
   */
  tick(): Promise<number> {
    const run = this.running.then(
      () => this.fireDue(),
      () => this.fireDue(),
    );
    this.running = run.catch(() => 0);
    return run;
  }

  /** Starts ticking every `intervalMs` of real time (never, when it is 0); idempotent. */
  start(): void {
    if (this.timer || this.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) =>
        this.logger.error({ err: error }, 'sla timer tick failed; retrying on the next tick'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the loop and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => 0);
  }

  /** Pending timers whose next threshold is due at `now`, earliest first. */
  async dueTimers(now: number): Promise<SlaTimerDoc[]> {
    const pending = await this.readModels.find<SlaTimerDoc>(
      SLA_TIMERS_COLLECTION,
      { pending: true },
      { sort: { field: 'nextAtMs', direction: 1 }, limit: this.batchSize },
    );
    return pending.filter((t) => t.nextAtMs !== null && t.nextAtMs <= now);
  }

  private async fireDue(): Promise<number> {
    const now = this.clock.now();
    let fired = 0;
    for (const timer of await this.dueTimers(now)) {
      try {
        const { events } = await handleCommand({
          store: this.store,
          registry: this.registry,
          decider: slaTimerDecider,
          streamId: slaStreamId(timer.taskId),
          command: {
            type: 'FireDue',
            taskId: timer.taskId,
            now,
            stamp: {
              recordedAt: toIso(now),
              correlationId: timer.correlationId,
              causationId: null,
              traceparent: null,
            },
          },
        });
        fired += events.length;
        for (const e of events) {
          this.thresholds?.inc({
            threshold: e.type === 'SlaBreached' ? 'breach' : 'at_risk',
            tier: String((e.data as { tier?: number }).tier ?? ''),
          });
          this.logger.info(
            { taskId: timer.taskId, type: e.type, eventId: e.eventId, occurredAt: e.occurredAt },
            e.type === 'SlaBreached' ? 'sla breached' : 'sla at risk',
          );
        }
      } catch (error) {
        // One task's failure must not hold back the others; its timer stays pending for the next tick.
        this.logger.error({ taskId: timer.taskId, err: error }, 'sla timer failed to fire');
      }
    }
    return fired;
  }
}
