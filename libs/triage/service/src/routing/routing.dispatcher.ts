import { Inject, Injectable, Optional } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import { coordinatorStreamId, ringbackEventRegistry } from '@ringback/contracts';
import {
  CLOCK,
  DomainError,
  ID_GENERATOR,
  deterministicUuidV7,
  toIso,
  type Clock,
  type IdGenerator,
} from '@ringback/kernel';
import { LOGGER, METRICS_REGISTRY, RINGBACK_CONFIG } from '@ringback/nest-platform';
import { createCounter } from '@ringback/observability';
import type { Counter, Registry } from 'prom-client';
import { EVENT_STORE, READ_MODEL_STORE, type EventStore, type ReadModelStore } from '@ringback/platform-core';
import {
  planOffers,
  type OfferOutcome,
  type PlannedOffer,
  type RoutableCoordinator,
  type RoutableTask,
} from '@ringback/triage-domain';
import { taskStreamId } from '../open-task.consumer';
import { TASKS_COLLECTION, type TaskDoc } from '../tasks.projection';
import { runCoordinatorCommand, type CommandStamp } from './coordinator-command';
import { COORDINATORS_COLLECTION, type CoordinatorDoc } from './coordinators.projection';
import { runTaskCommand } from './task-command';

/** The logging the dispatcher needs; the platform's pino logger (LOGGER) fits. */
export interface RoutingLogger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
const fallbackLogger: RoutingLogger = {
  info: () => undefined,
  error: (fields, message) => console.error(message, fields),
};

export interface RoutingOptions {
  offerTimeoutSeconds: number;
  wrapUpSeconds: number;
  /** Real-time period of the loop started by `start()`; 0: no loop (tests call `tick()`). */
  intervalMs: number;
}
export const ROUTING_OPTIONS = Symbol.for('ringback.RoutingOptions');

/** What one tick did. */
export interface RoutingTickResult {
  offered: PlannedOffer[];
  expired: number;
  wrapUpsEnded: number;
}

/**
 * The routing dispatcher: a process manager over the coordinator and task aggregates, driven by a
 * tick (every `intervalMs`, and on demand). Each tick, as of `clock.now()`:
 * 1. lapses offers whose time is up (task `OfferExpired`; a coordinator lock whose offer never reached
 *    its task lapses too);
 * 2. ends wrap-ups that are over;
 * 3. plans offers of waiting tasks to free coordinators ({@link planOffers}) and applies each by
 *    reserving the coordinator (the lock: one offer at a time) and then offering the task; when the
 *    task refuses (claimed meanwhile), the reservation is cancelled.
 * Nothing lives in process memory: the inputs are the `tasks` and `coordinators` read models and the
 * decisions are re-checked by the aggregates with optimistic concurrency, so a crash at any point,
 * or two dispatchers at once, never yields two offers for one coordinator or one task. The events a
 * tick derives from a due time (expiry, wrap-up end) get deterministic ids.
 */
@Injectable()
export class RoutingDispatcher {
  private readonly registry = ringbackEventRegistry();
  private readonly logger: RoutingLogger;
  private readonly options: RoutingOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RoutingTickResult | null> = Promise.resolve(null);
  private readonly offersMade: Counter<'overflow'> | undefined;
  private readonly offersLapsed: Counter | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() @Inject(LOGGER) logger?: RoutingLogger,
    @Optional() @Inject(ROUTING_OPTIONS) options?: Partial<RoutingOptions>,
    @Optional() @Inject(RINGBACK_CONFIG) config?: RingbackConfig,
    @Optional() @Inject(METRICS_REGISTRY) metrics?: Registry,
  ) {
    this.logger = logger ?? fallbackLogger;
    this.offersMade = metrics
      ? createCounter(metrics, {
          name: 'routing_offers',
          help: 'Task offers made to coordinators; overflow="true" when the coordinator is from another pod',
          labelNames: ['overflow'],
        })
      : undefined;
    this.offersLapsed = metrics
      ? createCounter(metrics, { name: 'routing_offers_lapsed', help: 'Task offers that expired unanswered' })
      : undefined;
    this.options = {
      offerTimeoutSeconds: options?.offerTimeoutSeconds ?? config?.routing.offerTimeoutSeconds ?? 60,
      wrapUpSeconds: options?.wrapUpSeconds ?? config?.routing.wrapUpSeconds ?? 60,
      intervalMs: options?.intervalMs ?? config?.routing.intervalMs ?? 1_000,
    };
  }

  get wrapUpSeconds(): number {
    return this.options.wrapUpSeconds;
  }

  /** One routing pass as of `clock.now()`. Ticks of one dispatcher run one after another. */
  tick(): Promise<RoutingTickResult> {
    const run = this.running.then(
      () => this.pass(),
      () => this.pass(),
    );
    this.running = run.catch(() => null);
    return run;
  }

  start(): void {
    if (this.timer || this.options.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) =>
        this.logger.error({ err: error }, 'routing tick failed; retrying on the next tick'),
      );
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => null);
  }

  private async pass(): Promise<RoutingTickResult> {
    const now = this.clock.now();
    const coordinators = await this.readModels.find<CoordinatorDoc>(COORDINATORS_COLLECTION, {});
    // Every offer is made to a coordinator: with none there is nothing to expire, release or offer,
    // and a backlog of open tasks is not read each second for nothing.
    if (coordinators.length === 0) return { offered: [], expired: 0, wrapUpsEnded: 0 };
    const openTasks = await this.readModels.find<TaskDoc>(TASKS_COLLECTION, { status: 'open' });
    const expired = await this.expireOffers(now, openTasks, coordinators);
    const wrapUpsEnded = await this.endWrapUps(now, coordinators);
    const offered = await this.offer(now, openTasks, coordinators);
    return { offered, expired, wrapUpsEnded };
  }

  private async expireOffers(now: number, tasks: TaskDoc[], coordinators: CoordinatorDoc[]): Promise<number> {
    let expired = 0;
    const coordinatorsById = new Map(coordinators.map((c) => [c.coordinatorId, c]));
    for (const doc of tasks) {
      const offer = doc.state.status === 'open' ? doc.state.offer : null;
      if (!offer) continue;
      if (Date.parse(offer.expiresAt) > now) {
        if (coordinatorsById.get(offer.coordinatorId)?.state.offer?.offerId !== offer.offerId)
          await this.withdrawIfReleased(now, doc, offer);
        continue;
      }
      const ok = await this.attempt(() =>
        runTaskCommand(
          this.store,
          this.registry,
          { type: 'ExpireOffer', data: { taskId: doc.taskId, at: toIso(now), offerId: offer.offerId } },
          this.dueStamp(Date.parse(offer.expiresAt), offer.offerId, 'expire', doc.locationId, now),
        ),
      );
      if (ok) {
        expired += 1;
        this.offersLapsed?.inc();
      }
    }
    const tasksById = new Map(tasks.map((d) => [d.taskId, d]));
    for (const c of coordinators) {
      const held = c.state.offer;
      if (!held) continue;
      if (Date.parse(held.expiresAt) > now) {
        const doc = tasksById.get(held.taskId);
        const shown = doc?.state.status === 'open' && doc.state.offer?.offerId === held.offerId;
        if (!shown) await this.completeOrCancel(now, c.coordinatorId, held);
        continue;
      }
      // A coordinator lock whose offer lapsed.
      await this.attempt(() =>
        runCoordinatorCommand(
          this.store,
          this.registry,
          {
            type: 'ReleaseOffer',
            data: {
              coordinatorId: c.coordinatorId,
              at: toIso(now),
              offerId: held.offerId,
              outcome: 'expired',
            },
          },
          this.dueStamp(Date.parse(held.expiresAt), held.offerId, 'release', null, now),
        ),
      );
    }
    return expired;
  }

  private async endWrapUps(now: number, coordinators: CoordinatorDoc[]): Promise<number> {
    let ended = 0;
    for (const c of coordinators) {
      if (c.presence !== 'wrap_up' || c.wrapUpUntilMs === null || c.wrapUpUntilMs > now) continue;
      const ok = await this.attempt(() =>
        runCoordinatorCommand(
          this.store,
          this.registry,
          { type: 'EndWrapUp', data: { coordinatorId: c.coordinatorId, at: toIso(now) } },
          this.dueStamp(c.wrapUpUntilMs!, c.coordinatorId, `wrap-up:${c.state.presenceSince}`, null, now),
        ),
      );
      if (ok) ended += 1;
    }
    return ended;
  }

  private async offer(
    now: number,
    tasks: TaskDoc[],
    coordinators: CoordinatorDoc[],
  ): Promise<PlannedOffer[]> {
    const routable: RoutableTask[] = tasks
      .filter((d) => d.state.status === 'open' && d.state.offer === null)
      .map((d) => ({
        taskId: d.taskId,
        podId: d.podId,
        tier: d.tier,
        dueAtMs: d.dueAtMs,
        occurredAtMs: Date.parse(d.state.task.occurredAt),
        language: d.state.task.language,
        serviceLines: d.routing.serviceLines,
        breach: d.routing.breach,
        availableAtMs: d.state.task.nextAttemptAt ? Date.parse(d.state.task.nextAttemptAt) : null,
        passedBy: d.routing.passedBy,
      }));
    const byId = new Map(tasks.map((d) => [d.taskId, d]));
    const free: RoutableCoordinator[] = coordinators.map((c) => ({
      coordinatorId: c.coordinatorId,
      podIds: c.state.profile.podIds,
      languages: c.state.profile.languages,
      serviceLines: c.state.profile.serviceLines,
      presence: c.presence,
      // A lapsed lock counts as held until its release is projected: the next tick uses the coordinator.
      holdsOffer: c.state.offer !== null,
      presenceSinceMs: Date.parse(c.state.presenceSince),
    }));
    const made: PlannedOffer[] = [];
    for (const planned of planOffers({ nowMs: now, tasks: routable, coordinators: free })) {
      const doc = byId.get(planned.taskId)!;
      if (await this.applyOffer(now, planned, doc)) made.push(planned);
    }
    return made;
  }

  private async applyOffer(now: number, planned: PlannedOffer, doc: TaskDoc): Promise<boolean> {
    const at = toIso(now);
    const offerId = this.ids.next(now);
    const expiresAt = toIso(now + this.options.offerTimeoutSeconds * 1000);
    const stamp = this.freshStamp(now, doc.locationId);
    const reserved = await this.attempt(() =>
      runCoordinatorCommand(
        this.store,
        this.registry,
        {
          type: 'ReserveOffer',
          data: { coordinatorId: planned.coordinatorId, at, offerId, taskId: planned.taskId, expiresAt },
        },
        stamp,
      ),
    );
    if (!reserved) return false;
    // Offered when the task holds this offer afterwards (also when another dispatcher rolled it forward).
    const offered = await this.attempt(async () => {
      const r = await runTaskCommand(
        this.store,
        this.registry,
        {
          type: 'Offer',
          data: { taskId: planned.taskId, at, offerId, coordinatorId: planned.coordinatorId, expiresAt },
        },
        stamp,
      );
      const holds = r.state.status === 'open' && r.state.offer?.offerId === offerId;
      return { events: holds ? [true] : [] };
    });
    if (offered) {
      this.offersMade?.inc({ overflow: String(planned.overflow) });
      this.logger.info(
        { taskId: planned.taskId, coordinatorId: planned.coordinatorId, offerId, overflow: planned.overflow },
        'task offered',
      );
      return true;
    }
    await this.attempt(() =>
      runCoordinatorCommand(
        this.store,
        this.registry,
        {
          type: 'ReleaseOffer',
          data: { coordinatorId: planned.coordinatorId, at, offerId, outcome: 'cancelled' },
        },
        stamp,
      ),
    );
    return false;
  }

  /**
   * A live task offer whose coordinator no longer holds it (they went away or offline, which releases
   * the reservation): withdrawn, so the task is offered to someone else now rather than at expiry.
   * Decided from the coordinator's stream, not the (possibly lagging) read model.
   */
  private async withdrawIfReleased(
    now: number,
    doc: TaskDoc,
    offer: { offerId: string; coordinatorId: string; expiresAt: string },
  ): Promise<void> {
    const released = (await this.store.readStream(coordinatorStreamId(offer.coordinatorId))).some(
      (r) =>
        r.envelope.type === 'CoordinatorOfferReleased' &&
        (r.envelope.data as { offerId?: string }).offerId === offer.offerId,
    );
    if (!released) return;
    await this.attempt(() =>
      runTaskCommand(
        this.store,
        this.registry,
        { type: 'WithdrawOffer', data: { taskId: doc.taskId, at: toIso(now), offerId: offer.offerId } },
        this.dueStamp(Date.parse(offer.expiresAt), offer.offerId, 'withdraw', doc.locationId, now),
      ),
    );
  }

  /**
   * A reservation whose task does not show the offer pending: the dispatcher that made it died
   * between the two appends, or the read model lags. Settled from the task's stream: an offer the
   * task already answered releases the coordinator the same way (accepted: busy on the task); an
   * offer the task never got is rolled forward while the task still waits, else cancelled.
   */
  private async completeOrCancel(
    now: number,
    coordinatorId: string,
    held: { offerId: string; taskId: string; expiresAt: string },
  ): Promise<void> {
    const at = toIso(now);
    const stamp = this.dueStamp(Date.parse(held.expiresAt), held.offerId, 'complete', null, now);
    const release = (outcome: OfferOutcome) =>
      this.attempt(() =>
        runCoordinatorCommand(
          this.store,
          this.registry,
          { type: 'ReleaseOffer', data: { coordinatorId, at, offerId: held.offerId, outcome } },
          stamp,
        ),
      );
    let offered = false;
    for (const r of await this.store.readStream(taskStreamId(held.taskId))) {
      const d = r.envelope.data as { offerId?: string };
      if (d.offerId !== held.offerId) continue;
      if (r.envelope.type === 'TaskOffered') offered = true;
      if (r.envelope.type === 'OfferAccepted') return void (await release('accepted'));
      if (r.envelope.type === 'OfferDeclined') return void (await release('declined'));
      if (r.envelope.type === 'OfferExpired') return void (await release('expired'));
    }
    if (offered) return; // pending on the task; the read model has not caught up yet
    const rolledForward = await this.attempt(() =>
      runTaskCommand(
        this.store,
        this.registry,
        {
          type: 'Offer',
          data: { taskId: held.taskId, at, offerId: held.offerId, coordinatorId, expiresAt: held.expiresAt },
        },
        stamp,
      ),
    );
    if (!rolledForward) await release('cancelled');
  }

  /** Runs one command; a DomainError (the aggregate said no: state moved on) is a skip, not a failure. */
  private async attempt(run: () => Promise<{ events: unknown[] }>): Promise<boolean> {
    try {
      return (await run()).events.length > 0;
    } catch (error) {
      if (error instanceof DomainError) return false;
      this.logger.error({ err: error }, 'routing command failed; the next tick tries again');
      return false;
    }
  }

  private freshStamp(now: number, locationId: string | null): CommandStamp {
    const correlationId = this.ids.next(now);
    return {
      eventId: () => this.ids.next(now),
      recordedAt: toIso(now),
      correlationId,
      causationId: null,
      traceparent: null,
      locationId,
    };
  }

  /** Events that follow from a due time: the same ids whoever records them, however often. */
  private dueStamp(
    dueMs: number,
    key: string,
    kind: string,
    locationId: string | null,
    now: number,
  ): CommandStamp {
    return {
      eventId: (i, type) => deterministicUuidV7(dueMs, 'routing', kind, key, type, String(i)),
      recordedAt: toIso(now),
      correlationId: `routing:${kind}:${key}`,
      causationId: null,
      traceparent: null,
      locationId,
    };
  }
}
