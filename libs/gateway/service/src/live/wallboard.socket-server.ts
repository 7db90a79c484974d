import {
  Inject,
  Injectable,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TOKEN_VERIFIER, type AuthUser, type TokenVerifier } from '@ringback/auth';
import type { TaskViewMessage } from '@ringback/contracts';
import {
  byDueAt,
  inQueue,
  inScopeOf,
  maySubscribe,
  mayView,
  podsOf,
  scopeStats,
  type QueueScope,
} from '@ringback/gateway-domain';
import { CLOCK, type Clock } from '@ringback/kernel';
import type { RingbackConfig } from '@ringback/config';
import {
  LOGGER,
  METRICS_REGISTRY,
  READINESS,
  RINGBACK_CONFIG,
  type ReadinessRegistry,
} from '@ringback/nest-platform';
import { createCounter, createGauge, createHistogram } from '@ringback/observability';
import { z } from 'zod';
import { LiveQueueState, type TaskChange } from './live-queue.state';

export interface WallboardOptions {
  /** Changes of one subscription within this window go out as one delta (default 50 ms). */
  coalesceMs: number;
  /** Most changes one subscription may have waiting; past it the client gets a fresh snapshot. */
  maxPending: number;
}
export const WALLBOARD_OPTIONS = Symbol.for('ringback.WallboardOptions');

const subscribeSchema = z.strictObject({
  scope: z.enum(['location', 'region', 'pod']),
  id: z.string().min(1).max(128),
});

interface Subscription {
  scope: QueueScope;
  seq: number;
  /** Tasks the client holds for this scope. */
  shown: Set<string>;
  pending: Map<string, TaskViewMessage | null>;
  /** Earliest source-event time among the pending changes (epoch ms). */
  pendingSince: number | null;
  /** The scope's coordinators changed: the next delta carries new stats even without task changes. */
  statsDirty: boolean;
  timer: NodeJS.Timeout | undefined;
}

interface SocketState {
  user: AuthUser;
  subscriptions: Map<string, Subscription>;
  /** Set while the socket is disconnected: when its subscriptions are dropped. */
  forget: NodeJS.Timeout | undefined;
}

interface WallboardLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

const key = (s: QueueScope): string => `${s.scope}:${s.id}`;
/** How long the subscriptions of a dropped socket are kept for it to recover. */
const RECOVERY_MS = 2 * 60_000;

/**
 * The socket.io edge, namespace `/wallboard` (contract "Live queues"): the handshake carries the
 * user's JWT (`auth.token`); `subscribe {scope, id}` is acknowledged `{ok: true}` or
 * `{ok: false, error: 'forbidden'}`, then the client gets `queue.snapshot {scope, id, seq, tasks,
 * stats}` and after it `queue.delta {scope, id, seq, upserts, removals}` with `seq` rising by 1.
 * Changes of a subscription are coalesced for `coalesceMs`; a subscription with more than
 * `maxPending` changes waiting (a slow client) is dropped to a fresh snapshot instead. Fed by the
 * projection-update stream ({@link LiveQueueState}), never by polling a database.
 */
@Injectable()
export class WallboardSocketServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private io: Server | undefined;
  private namespace: Namespace | undefined;
  private readonly sockets = new Map<string, SocketState & { socket: Socket }>();
  private unsubscribe: (() => void) | undefined;
  private readonly options: WallboardOptions;
  private readonly connected: Gauge | undefined;
  private readonly subscriptionsGauge: Gauge<'scope'> | undefined;
  private readonly resnapshots: Counter | undefined;
  private readonly latency: Histogram | undefined;

  constructor(
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
    @Inject(LiveQueueState) private readonly state: LiveQueueState,
    @Inject(TOKEN_VERIFIER) private readonly tokens: TokenVerifier,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(WALLBOARD_OPTIONS) options?: Partial<WallboardOptions>,
    @Optional() @Inject(METRICS_REGISTRY) metrics?: Registry,
    @Optional() @Inject(LOGGER) private readonly logger?: WallboardLogger,
    @Optional() @Inject(RINGBACK_CONFIG) config?: RingbackConfig,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
  ) {
    this.options = {
      coalesceMs: options?.coalesceMs ?? config?.gateway.coalesceMs ?? 50,
      maxPending: options?.maxPending ?? config?.gateway.maxPendingChanges ?? 1_000,
    };
    if (metrics) {
      this.connected = createGauge(metrics, {
        name: 'gateway_connected_sockets',
        help: 'Sockets connected to the /wallboard namespace',
      });
      this.subscriptionsGauge = createGauge(metrics, {
        name: 'gateway_subscriptions',
        help: 'Live-queue subscriptions by scope type',
        labelNames: ['scope'],
      });
      this.resnapshots = createCounter(metrics, {
        name: 'gateway_resnapshots',
        help: 'Subscriptions of slow clients dropped to a fresh snapshot',
      });
      this.latency = createHistogram(metrics, {
        name: 'gateway_delta_latency_seconds',
        help: 'From the recording of the task event to the emit of the queue.delta that carries it',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      });
    }
  }

  onApplicationBootstrap(): void {
    const server = this.http.httpAdapter?.getHttpServer() as HttpServer | undefined;
    if (!server) return;
    this.io = new Server(server, {
      serveClient: true,
      cors: { origin: false },
      // A short drop (a wall TV's Wi-Fi) resumes where it left off: the missed deltas are replayed
      // and the subscriptions kept; the handshake token is checked again.
      connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_MS, skipMiddlewares: false },
    });
    this.namespace = this.io.of('/wallboard');
    this.namespace.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || token === '') return next(new Error('unauthorized: no token'));
      this.tokens.verify(token).then(
        (user) => {
          socket.data = { user };
          next();
        },
        () => next(new Error('unauthorized: invalid or expired token')),
      );
    });
    this.namespace.on('connection', (socket) => this.connect(socket));
    const offTasks = this.state.onChange((change) => this.dispatch(change));
    const offPresence = this.state.onPresence((c) => this.presenceChanged(c.podIds));
    this.unsubscribe = () => {
      offTasks();
      offPresence();
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Clients keep their sockets (and their deltas) while the load balancer drains this replica;
    // only then are they dropped, to reconnect to another one.
    await this.readiness?.drain();
    this.unsubscribe?.();
    for (const s of this.sockets.values())
      for (const sub of s.subscriptions.values()) clearTimeout(sub.timer);
    this.sockets.clear();
    const io = this.io;
    this.io = undefined;
    // The HTTP server belongs to Nest (io.close() would close it too): drop the clients only.
    if (io) {
      io.disconnectSockets(true);
      io.of('/wallboard').disconnectSockets(true);
      io.engine.close();
    }
  }

  private connect(socket: Socket): void {
    const user = (socket.data as { user: AuthUser }).user;
    const kept = socket.recovered ? this.sockets.get(socket.id) : undefined;
    if (kept) clearTimeout(kept.forget);
    const entry = kept
      ? Object.assign(kept, { socket, user, forget: undefined })
      : {
          socket,
          user,
          subscriptions: new Map<string, Subscription>(),
          forget: undefined as NodeJS.Timeout | undefined,
        };
    this.sockets.set(socket.id, entry);
    this.connected?.inc();
    socket.on('subscribe', (payload: unknown, ack?: (answer: unknown) => void) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = subscribeSchema.safeParse(payload);
      if (!parsed.success) return reply({ ok: false, error: 'invalid_subscription' });
      const scope = parsed.data;
      if (!maySubscribe(user, scope, this.state.locations())) return reply({ ok: false, error: 'forbidden' });
      const existing = entry.subscriptions.get(key(scope));
      if (existing) clearTimeout(existing.timer);
      else this.subscriptionsGauge?.inc({ scope: scope.scope });
      const sub: Subscription = {
        scope,
        seq: existing ? existing.seq + 1 : 0,
        shown: new Set(),
        pending: new Map(),
        pendingSince: null,
        statsDirty: false,
        timer: undefined,
      };
      entry.subscriptions.set(key(scope), sub);
      reply({ ok: true });
      this.snapshot(socket, user, sub);
    });
    socket.on('unsubscribe', (payload: unknown, ack?: (answer: unknown) => void) => {
      const parsed = subscribeSchema.safeParse(payload);
      const sub = parsed.success ? entry.subscriptions.get(key(parsed.data)) : undefined;
      if (sub) {
        clearTimeout(sub.timer);
        entry.subscriptions.delete(key(sub.scope));
        this.subscriptionsGauge?.dec({ scope: sub.scope.scope });
      }
      if (typeof ack === 'function') ack({ ok: true });
    });
    socket.on('disconnect', () => {
      this.connected?.dec();
      // Deltas keep going to the socket's room (and are kept for a recovery) until it is forgotten.
      entry.forget = setTimeout(() => {
        for (const sub of entry.subscriptions.values()) {
          clearTimeout(sub.timer);
          this.subscriptionsGauge?.dec({ scope: sub.scope.scope });
        }
        if (this.sockets.get(socket.id) === entry) this.sockets.delete(socket.id);
      }, RECOVERY_MS);
      entry.forget.unref();
    });
  }

  private visible(user: AuthUser, scope: QueueScope, task: TaskViewMessage): boolean {
    return inQueue(scope, task) && mayView(user, task);
  }

  private snapshot(socket: Socket, user: AuthUser, sub: Subscription): void {
    const tasks = this.state
      .tasks()
      .filter((t) => this.visible(user, sub.scope, t))
      .sort(byDueAt);
    sub.shown = new Set(tasks.map((t) => t.taskId));
    sub.pending.clear();
    sub.pendingSince = null;
    sub.statsDirty = false;
    this.emitTo(socket, 'queue.snapshot', {
      ...sub.scope,
      seq: sub.seq,
      tasks,
      stats: this.stats(user, sub.scope),
    });
  }

  /** Tile figures of a scope as `user` may see them (live queue, coordinators available, last 24 h). */
  private stats(user: AuthUser, scope: QueueScope) {
    const all = this.state.tasks().filter((t) => inScopeOf(scope, t) && mayView(user, t));
    return scopeStats({
      scope,
      live: all.filter((t) => inQueue(scope, t)),
      allTasks: all,
      coordinators: this.state.coordinators(),
      places: this.state.locations(),
      nowMs: this.clock.now(),
    });
  }

  private presenceChanged(podIds: readonly string[]): void {
    const places = this.state.locations();
    for (const entry of this.sockets.values())
      for (const sub of entry.subscriptions.values()) {
        const pods = podsOf(sub.scope, places);
        if (!podIds.some((p) => pods.has(p))) continue;
        sub.statsDirty = true;
        sub.timer ??= setTimeout(() => this.flush(entry.socket, sub), this.options.coalesceMs);
      }
  }

  private dispatch(change: TaskChange): void {
    for (const entry of this.sockets.values()) {
      for (const sub of entry.subscriptions.values()) {
        const now = this.visible(entry.user, sub.scope, change.after);
        if (now) sub.pending.set(change.after.taskId, change.after);
        else if (sub.shown.has(change.after.taskId) || sub.pending.has(change.after.taskId))
          sub.pending.set(change.after.taskId, null);
        else continue;
        sub.pendingSince = Math.min(sub.pendingSince ?? change.sourceRecordedAtMs, change.sourceRecordedAtMs);
        if (sub.pending.size > this.options.maxPending) {
          clearTimeout(sub.timer);
          sub.timer = undefined;
          sub.seq += 1;
          this.resnapshots?.inc();
          this.logger?.warn({ scope: sub.scope.scope, pending: sub.pending.size }, 'slow client: resnapshot');
          this.snapshot(entry.socket, entry.user, sub);
          continue;
        }
        sub.timer ??= setTimeout(() => this.flush(entry.socket, sub), this.options.coalesceMs);
      }
    }
  }

  /** Through the socket's own room, so packets missed during a short drop are replayed on recovery. */
  private emitTo(socket: Socket, event: string, payload: unknown): void {
    (this.namespace ?? socket.nsp).to(socket.id).emit(event, payload);
  }

  private flush(socket: Socket, sub: Subscription): void {
    sub.timer = undefined;
    const upserts: TaskViewMessage[] = [];
    const removals: string[] = [];
    for (const [taskId, view] of sub.pending) {
      if (view) {
        upserts.push(view);
        sub.shown.add(taskId);
      } else if (sub.shown.delete(taskId)) {
        removals.push(taskId);
      }
    }
    sub.pending.clear();
    const since = sub.pendingSince;
    sub.pendingSince = null;
    const statsDirty = sub.statsDirty;
    sub.statsDirty = false;
    if (upserts.length === 0 && removals.length === 0 && !statsDirty) return;
    sub.seq += 1;
    const entry = this.sockets.get(socket.id);
    const stats = entry ? this.stats(entry.user, sub.scope) : undefined;
    // `stats` is additive to the contract's delta: the tiles stay right between snapshots.
    this.emitTo(socket, 'queue.delta', { ...sub.scope, seq: sub.seq, upserts, removals, stats });
    if (since !== null) this.latency?.observe(Math.max(0, this.clock.now() - since) / 1000);
  }
}
