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
  audienceOf,
  byDueAt,
  inQueue,
  inScopeOf,
  maySubscribe,
  mayView,
  podsOf,
  scopeStats,
  type QueueScope,
  type QueueTask,
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
  /**
   * A live queue sends at most one delta per window (default 50 ms): a change after a quiet window
   * goes out at once, the changes that follow within it together at its end.
   */
  coalesceMs: number;
  /** Most changes one live queue may have waiting; past it its subscribers get a fresh snapshot. */
  maxPending: number;
}
export const WALLBOARD_OPTIONS = Symbol.for('ringback.WallboardOptions');

const subscribeSchema = z.strictObject({
  scope: z.enum(['location', 'region', 'pod']),
  id: z.string().min(1).max(128),
});

/**
 * The live queue of one scope as one audience sees it (`audienceOf`): computed, coalesced, serialized
 * and pushed once for all its subscribers, who share a socket.io room. `seq` is the feed's, so every
 * subscriber sees it rise by 1 from its snapshot on.
 */
interface Feed {
  key: string;
  room: string;
  scope: QueueScope;
  /** The scope rule of this audience, for a task of the scope. */
  sees: (task: QueueTask) => boolean;
  seq: number;
  /** Tasks the subscribers hold. */
  shown: Set<string>;
  pending: Map<string, TaskViewMessage | null>;
  /** Earliest source-event time among the pending changes (epoch ms). */
  pendingSince: number | null;
  /** The scope's coordinators changed: the next delta carries new stats even without task changes. */
  statsDirty: boolean;
  timer: NodeJS.Timeout | undefined;
  /** When it last sent to its room (performance.now()). */
  lastSentAt: number;
  /** Subscriptions on it, of connected sockets and of dropped ones that may still recover. */
  holders: number;
  /** The last few packets emitted, by seq. */
  recent: { seq: number; event: string; payload: unknown }[];
}

interface Subscription {
  scope: QueueScope;
  feed: Feed;
}

interface SocketState {
  user: AuthUser;
  subscriptions: Map<string, Subscription>;
  /** Set while the socket is disconnected: when its subscriptions are dropped. */
  forget: NodeJS.Timeout | undefined;
}

type SocketEntry = SocketState & { socket: Socket };

interface WallboardLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

const key = (s: QueueScope): string => `${s.scope}:${s.id}`;
/** How long the subscriptions of a dropped socket are kept for it to recover. */
const RECOVERY_MS = 2 * 60_000;
/** Packets a feed keeps for a recovering socket to catch up with. */
const RECENT = 16;
/** Disconnect reasons after which socket.io keeps no session to recover. */
const CLOSED_FOR_GOOD = new Set(['client namespace disconnect', 'server namespace disconnect']);
/** Feed rooms start so (socket ids are base64url: never a `#`). */
const FEED_ROOM = 'feed#';

/**
 * The socket.io edge, namespace `/wallboard` (contract "Live queues"): the handshake carries the
 * user's JWT (`auth.token`); `subscribe {scope, id}` is acknowledged `{ok: true}` or
 * `{ok: false, error: 'forbidden'}`, then the client gets `queue.snapshot {scope, id, seq, tasks,
 * stats}` and after it `queue.delta {scope, id, seq, upserts, removals}` with `seq` rising by 1.
 * Authorization happens at subscribe time: subscribers of a scope whose token rules agree on every
 * task of it share one feed (a socket.io room), so each change is filtered, coalesced and encoded
 * once per feed, not per socket. A feed sends at most one delta per `coalesceMs`; a feed with more
 * than `maxPending` changes waiting (a burst) gets a fresh snapshot instead. Fed by the
 * projection-update stream ({@link LiveQueueState}), never by polling a database.
 */
@Injectable()
export class WallboardSocketServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private io: Server | undefined;
  private namespace: Namespace | undefined;
  private readonly sockets = new Map<string, SocketEntry>();
  private readonly feeds = new Map<string, Feed>();
  private feedCount = 0;
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
        help: 'Live queues sent a fresh snapshot after a burst (more changes waiting than the maximum)',
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
      // socket.io has just computed what a recovered socket missed; what its feeds emit from here
      // until the connection handler runs never reaches it (broadcasts skip a socket still joining).
      const replayed = socket.recovered ? this.feedSeqs(socket.id) : undefined;
      this.tokens.verify(token).then(
        (user) => {
          socket.data = { user, replayed };
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
    for (const feed of this.feeds.values()) clearTimeout(feed.timer);
    this.feeds.clear();
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
    const { user, replayed } = socket.data as { user: AuthUser; replayed?: Map<Feed, number> };
    socket.data = { user };
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
    if (socket.recovered) this.recheck(entry, replayed);
    socket.on('subscribe', (payload: unknown, ack?: (answer: unknown) => void) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = subscribeSchema.safeParse(payload);
      if (!parsed.success) return reply({ ok: false, error: 'invalid_subscription' });
      const scope = parsed.data;
      if (!maySubscribe(user, scope, this.state.locations())) return reply({ ok: false, error: 'forbidden' });
      reply({ ok: true });
      this.subscribe(entry, scope);
    });
    socket.on('unsubscribe', (payload: unknown, ack?: (answer: unknown) => void) => {
      const parsed = subscribeSchema.safeParse(payload);
      const sub = parsed.success ? entry.subscriptions.get(key(parsed.data)) : undefined;
      if (sub) this.drop(entry, sub);
      if (typeof ack === 'function') ack({ ok: true });
    });
    socket.on('disconnect', (reason: string) => {
      this.connected?.dec();
      const forget = () => {
        if (this.sockets.get(socket.id) !== entry) return;
        for (const sub of [...entry.subscriptions.values()]) this.drop(entry, sub);
        this.sockets.delete(socket.id);
      };
      // A socket closed on purpose never recovers; any other drop may, within RECOVERY_MS, and the
      // feeds' rooms keep its deltas meanwhile (socket.io replays them).
      if (CLOSED_FOR_GOOD.has(reason)) return forget();
      entry.forget = setTimeout(forget, RECOVERY_MS);
      entry.forget.unref();
    });
  }

  /** The feed of `scope` as `user` sees it: one per scope and audience, made on first use. */
  private feedFor(user: AuthUser, scope: QueueScope): Feed {
    const audience = audienceOf(user, scope);
    const feedKey = `${key(scope)}|${audience}`;
    const held = this.feeds.get(feedKey);
    if (held) return held;
    // One user stands for the audience: every viewer of it agrees with them on each task of the scope.
    const sees = audience === '*' ? () => true : (task: QueueTask) => mayView(user, task);
    const feed: Feed = {
      key: feedKey,
      room: `${FEED_ROOM}${++this.feedCount}`,
      scope: { scope: scope.scope, id: scope.id },
      sees,
      seq: 0,
      shown: new Set(),
      pending: new Map(),
      pendingSince: null,
      statsDirty: false,
      timer: undefined,
      lastSentAt: -Infinity,
      holders: 0,
      recent: [],
    };
    feed.shown = new Set(this.queueOf(feed).map((t) => t.taskId));
    this.feeds.set(feedKey, feed);
    return feed;
  }

  /** Joins (or rejoins) the socket to the scope's feed: a snapshot at the feed's seq, then its deltas. */
  private subscribe(entry: SocketEntry, scope: QueueScope): void {
    const feed = this.feedFor(entry.user, scope);
    const existing = entry.subscriptions.get(key(scope));
    if (existing && existing.feed !== feed) this.drop(entry, existing);
    if (!existing || existing.feed !== feed) {
      feed.holders += 1;
      entry.subscriptions.set(key(scope), { scope: feed.scope, feed });
      this.subscriptionsGauge?.inc({ scope: scope.scope });
    }
    // What is waiting goes out first, to the others: the snapshot then shows exactly the feed's state.
    this.flush(feed);
    this.emitTo(entry.socket, 'queue.snapshot', this.snapshotOf(feed));
    void entry.socket.join(feed.room);
  }

  private drop(entry: SocketEntry, sub: Subscription): void {
    if (entry.subscriptions.get(key(sub.scope)) !== sub) return;
    entry.subscriptions.delete(key(sub.scope));
    void entry.socket.leave(sub.feed.room);
    this.subscriptionsGauge?.dec({ scope: sub.scope.scope });
    const feed = sub.feed;
    feed.holders -= 1;
    if (feed.holders > 0) return;
    clearTimeout(feed.timer);
    if (this.feeds.get(feed.key) === feed) this.feeds.delete(feed.key);
  }

  /**
   * A recovered socket is back in the rooms it had, with a token checked again: it keeps only the
   * feeds it still may see, as the token now says (socket.io has replayed what it missed meanwhile).
   */
  private recheck(entry: SocketEntry, replayed: Map<Feed, number> | undefined): void {
    const places = this.state.locations();
    for (const sub of [...entry.subscriptions.values()]) {
      if (!maySubscribe(entry.user, sub.scope, places)) this.drop(entry, sub);
      else if (this.feedFor(entry.user, sub.scope) !== sub.feed) this.subscribe(entry, sub.scope);
      else this.catchUp(entry, sub, replayed?.get(sub.feed) ?? sub.feed.seq);
    }
    const rooms = new Set([...entry.subscriptions.values()].map((s) => s.feed.room));
    for (const room of entry.socket.rooms)
      if (room.startsWith(FEED_ROOM) && !rooms.has(room)) void entry.socket.leave(room);
  }

  /** The seq each feed of a socket's subscriptions is at. */
  private feedSeqs(socketId: string): Map<Feed, number> {
    const subs = this.sockets.get(socketId)?.subscriptions.values() ?? [];
    return new Map([...subs].map((s) => [s.feed, s.feed.seq]));
  }

  /** Sends a recovered socket what its feed emitted after `from` (while it was joining), else a snapshot. */
  private catchUp(entry: SocketEntry, sub: Subscription, from: number): void {
    const feed = sub.feed;
    if (from >= feed.seq) return;
    const missed = feed.recent.filter((r) => r.seq > from);
    if (missed.length !== feed.seq - from) return this.subscribe(entry, sub.scope);
    for (const r of missed) this.emitTo(entry.socket, r.event, r.payload);
  }

  /** Emits to the feed's room, kept a little for {@link catchUp}. */
  private emitFeed<P extends { seq: number }>(
    feed: Feed,
    event: 'queue.delta' | 'queue.snapshot',
    payload: P,
  ): void {
    feed.lastSentAt = performance.now();
    feed.recent.push({ seq: payload.seq, event, payload });
    if (feed.recent.length > RECENT) feed.recent.shift();
    // One emit to the room: socket.io encodes the packet once for all the feed's sockets.
    this.namespace?.to(feed.room).emit(event, payload);
  }

  /** The feed's live queue, in queue order. */
  private queueOf(feed: Feed): TaskViewMessage[] {
    return this.state
      .tasks()
      .filter((t) => inQueue(feed.scope, t) && feed.sees(t))
      .sort(byDueAt)
      .map((t) => t.view());
  }

  private snapshotOf(feed: Feed) {
    return { ...feed.scope, seq: feed.seq, tasks: this.queueOf(feed), stats: this.stats(feed) };
  }

  /** Tile figures of a feed (live queue, coordinators available, last 24 h), as its audience may see them. */
  private stats(feed: Feed) {
    const all = this.state.tasks().filter((t) => inScopeOf(feed.scope, t) && feed.sees(t));
    return scopeStats({
      scope: feed.scope,
      live: all.filter((t) => inQueue(feed.scope, t)),
      allTasks: all,
      coordinators: this.state.coordinators(),
      places: this.state.locations(),
      nowMs: this.clock.now(),
    });
  }

  private presenceChanged(podIds: readonly string[]): void {
    const places = this.state.locations();
    for (const feed of this.feeds.values()) {
      const pods = podsOf(feed.scope, places);
      if (!podIds.some((p) => pods.has(p))) continue;
      feed.statsDirty = true;
      this.schedule(feed);
    }
  }

  private dispatch(change: TaskChange): void {
    const task = change.after;
    for (const feed of this.feeds.values()) {
      if (inQueue(feed.scope, task) && feed.sees(task)) feed.pending.set(task.taskId, task);
      else if (feed.shown.has(task.taskId) || feed.pending.has(task.taskId))
        feed.pending.set(task.taskId, null);
      else continue;
      feed.pendingSince = Math.min(feed.pendingSince ?? change.sourceRecordedAtMs, change.sourceRecordedAtMs);
      if (feed.pending.size > this.options.maxPending) this.resnapshot(feed);
      else this.schedule(feed);
    }
  }

  /**
   * At most one delta per `coalesceMs` and feed: a change after a quiet window goes out on the next
   * turn of the event loop (with whatever else that turn brought), later ones at the window's end.
   */
  private schedule(feed: Feed): void {
    const wait = feed.lastSentAt + this.options.coalesceMs - performance.now();
    feed.timer ??= setTimeout(() => this.flush(feed), Math.max(0, wait));
  }

  /** Too much waiting at once: every subscriber of the feed starts over from a fresh snapshot. */
  private resnapshot(feed: Feed): void {
    clearTimeout(feed.timer);
    feed.timer = undefined;
    const pending = feed.pending.size;
    feed.seq += 1;
    const snapshot = this.snapshotOf(feed);
    feed.shown = new Set(snapshot.tasks.map((t) => t.taskId));
    feed.pending.clear();
    feed.pendingSince = null;
    feed.statsDirty = false;
    this.resnapshots?.inc();
    this.logger?.warn({ scope: feed.scope.scope, pending }, 'burst: resnapshot');
    this.emitFeed(feed, 'queue.snapshot', snapshot);
  }

  /** Through the socket's own room, so packets missed during a short drop are replayed on recovery. */
  private emitTo(socket: Socket, event: string, payload: unknown): void {
    (this.namespace ?? socket.nsp).to(socket.id).emit(event, payload);
  }

  private flush(feed: Feed): void {
    clearTimeout(feed.timer);
    feed.timer = undefined;
    if (feed.pending.size === 0 && !feed.statsDirty) return;
    const upserts: TaskViewMessage[] = [];
    const removals: string[] = [];
    for (const [taskId, view] of feed.pending) {
      if (view) {
        upserts.push(view);
        feed.shown.add(taskId);
      } else if (feed.shown.delete(taskId)) {
        removals.push(taskId);
      }
    }
    feed.pending.clear();
    const since = feed.pendingSince;
    feed.pendingSince = null;
    const statsDirty = feed.statsDirty;
    feed.statsDirty = false;
    if (upserts.length === 0 && removals.length === 0 && !statsDirty) return;
    feed.seq += 1;
    // `stats` is additive to the contract's delta: the tiles stay right between snapshots.
    this.emitFeed(feed, 'queue.delta', {
      ...feed.scope,
      seq: feed.seq,
      upserts,
      removals,
      stats: this.stats(feed),
    });
    if (since !== null) this.latency?.observe(Math.max(0, this.clock.now() - since) / 1000);
  }
}
