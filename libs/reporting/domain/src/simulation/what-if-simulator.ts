import { computeDueAt } from '@ringback/calendar';
import { DEFAULT_BREACH_POLICY } from '@ringback/sla-monitor-domain';
import {
  defaultTriagePolicy,
  nextAttempt,
  planOffers,
  triage,
  type Intent,
  type RoutableCoordinator,
  type RoutableTask,
  type TriagePolicy,
} from '@ringback/triage-policy';
import type { TaskFact, Tier } from '../facts/facts';
import { median } from '../kpis/kpis';
import type {
  SimCoordinator,
  SimLocation,
  SimTask,
  SimWorkSession,
  SimulationRecord,
} from './simulation-record';
import { coordinatorsOfPlan, type StaffingPlan } from './staffing';

/**
 * The what-if simulator: replays a period's demand in virtual time through the rules production
 * runs (triage policy, SLA calendar, routing planner, retry policy) under the recorded staffing or a
 * staffing plan, and returns the facts that would have resulted, shaped as the reporting facts so the
 * same KPI code reads both the projection and what actually happened.
 *
 * The model, event by event: a call opens a task (tier and clock as recorded, or from the chosen
 * policy version); whenever something changes, routing plans offers among signed-in free
 * coordinators; an offered coordinator starts after the offer response time, works the handle time,
 * then wraps up; a Tier 2/3 session records an attempt (a success stops the clock, a failure
 * schedules the retry, the third marks the task unreachable); a Tier 1 session escalates and the
 * clock stops when the clinician accepts. A clock not stopped by its due time breaches, which
 * raises the task's priority and may let other pods take it, as the SLA monitor's breach does.
 * Declined and lapsed offers are not modelled separately: they lengthen the recorded response time.
 */

export interface SimulationOptions {
  /** The period reported on: tasks whose call falls in `[fromMs, toMs)`. */
  fromMs: number;
  toMs: number;
  /** Demand replayed before `fromMs` so the period starts with the queue it had (default 24 h). */
  warmUpMs?: number;
  /** Nothing happens after this (default `toMs` + 7 days). */
  horizonMs?: number;
  /** `recorded`: who was signed in when, as recorded; or a plan. */
  staffing: { kind: 'recorded' } | { kind: 'plan'; plan: StaffingPlan };
  /** Re-triage every call with this recorded policy version; default: tiers and clocks as recorded. */
  policyVersion?: number | null;
  /** Seed of the draws for work without a recorded trace (imported history). */
  seed?: number;
  /** Wrap-up after each session; default: the recorded median, else 0. */
  wrapUpMs?: number;
  /** Only these locations' demand (and the pods serving them); default all. */
  locationIds?: readonly string[] | null;
}

export interface WorkModel {
  medianHandleMinutes: number | null;
  medianOfferResponseSeconds: number | null;
  /** Share of attempts that reached the caller, per attempt number (1st, 2nd, 3rd...). */
  reachProbability: number[];
  medianHandoffMinutes: number | null;
  wrapUpSeconds: number;
  /** Sessions replayed from recorded traces, and drawn from the samples. */
  sessions: { replayed: number; drawn: number };
}

export interface SimulationResult {
  /** The facts of the replay, for every task replayed (warm-up included). */
  simulated: TaskFact[];
  /** What actually happened to the same tasks (imported history judged by the same clocks). */
  actual: TaskFact[];
  coordinators: SimCoordinator[];
  work: WorkModel;
  /** Triage policy version of the replay's clocks; null when as recorded. */
  policyVersion: number | null;
}

const MINUTE = 60_000;
const DEFAULTS = { handleMs: 6 * MINUTE, offerResponseMs: 30_000, handoffMs: 5 * MINUTE, reach: 0.6 };

/** mulberry32: small, fast and good enough for drawing work times. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A binary min-heap of timed events; equal times keep insertion order. */
class Agenda<T> {
  private readonly heap: { at: number; seq: number; item: T }[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  peekAt(): number {
    return this.heap[0]?.at ?? Infinity;
  }
  push(at: number, item: T): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  pop(): { at: number; item: T } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (!top || !last) return top;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

interface TaskSim {
  src: SimTask;
  loc: SimLocation | undefined;
  route: RoutableTask & { passedBy: string[] };
  tier: Tier;
  dueAtMs: number;
  clockVersion: number;
  state: 'pending' | 'waiting' | 'working' | 'done';
  failed: number;
  session: number;
  stopAtMs: number | null;
  breached: boolean;
  firstAttemptAtMs: number | null;
  lastAttemptAtMs: number | null;
  firstReachedAtMs: number | null;
  escalatedAtMs: number | null;
  handoffAtMs: number | null;
  resolvedAtMs: number | null;
  unreachableAtMs: number | null;
  /** Tier 1: resolved once both the session and the handoff are over. */
  pendingHandoff: boolean;
  sessionOver: boolean;
}

interface CoordinatorSim {
  src: SimCoordinator;
  route: RoutableCoordinator;
  /** Index of the first signed-in interval that has not ended. */
  shift: number;
  freeAtMs: number;
  reserved: boolean;
}

type Happening =
  | { kind: 'arrive'; t: TaskSim }
  | { kind: 'shift' }
  | { kind: 'start'; t: TaskSim; c: CoordinatorSim; work: SimWorkSession }
  | { kind: 'attempt'; t: TaskSim; successful: boolean }
  | { kind: 'end'; t: TaskSim; c: CoordinatorSim; work: SimWorkSession; wrapUpMs: number }
  | { kind: 'free'; c: CoordinatorSim }
  | { kind: 'handoff'; t: TaskSim }
  | { kind: 'due'; t: TaskSim; version: number }
  | { kind: 'retry'; t: TaskSim }
  | { kind: 'close'; t: TaskSim }
  | { kind: 'retriage'; t: TaskSim; tier: Tier; dueAtMs: number };

const pick = (xs: readonly number[], r: () => number): number | undefined =>
  xs.length === 0 ? undefined : xs[Math.floor(r() * xs.length)];
const iso = (msOrNull: number | null): string | null =>
  msOrNull === null ? null : new Date(msOrNull).toISOString();

/** The clock a task gets under `policy` (for imported history, and for a policy what-if). */
function clockUnder(
  task: SimTask,
  loc: SimLocation | undefined,
  policy: TriagePolicy,
): { tier: Tier; dueAtMs: number } {
  // Phrase rules read the transcript, which the simulator never sees: such a task keeps Tier 1.
  const phrase = task.triage.rule.startsWith('phrase:');
  const result = triage(
    {
      intent: (task.intent as Intent | null) ?? null,
      transcript: null,
      locationId: task.locationId,
      serviceLine: loc?.serviceLines[0] ?? null,
    },
    policy,
  );
  const tier = phrase ? 1 : result.tier;
  const target = tier === 1 ? policy.sla.tier1 : tier === 2 ? policy.sla.tier2 : policy.sla.tier3;
  const sla = phrase ? target : result.sla;
  if (sla.mode === 'business' && loc?.calendar) {
    try {
      const due = computeDueAt({
        mode: 'business',
        schedule: loc.calendar,
        startedAt: task.clockStartMs,
        targetMinutes: sla.targetMinutes,
      });
      return { tier, dueAtMs: due };
    } catch {
      // A calendar that never opens: fall back to wall-clock minutes below.
    }
  }
  return { tier, dueAtMs: task.clockStartMs + sla.targetMinutes * MINUTE };
}

/** The policy a what-if names, or for imported history the latest recorded (else the default). */
function policyFor(record: SimulationRecord, version: number | null | undefined): TriagePolicy {
  if (version !== null && version !== undefined) {
    const p = record.policies.get(version);
    if (!p) throw new RangeError(`no triage policy version ${version} was recorded`);
    return p;
  }
  const versions = [...record.policies.keys()].sort((a, b) => b - a);
  return versions.length > 0 ? record.policies.get(versions[0]!)! : defaultTriagePolicy;
}

/** What actually happened to an imported call, judged by the clock Ringback would have run. */
function actualOfImported(task: SimTask, dueAtMs: number, tier: Tier): TaskFact {
  const reached = task.historicalReachedAtMs;
  const met = reached !== null && reached <= dueAtMs;
  return {
    ...task.actual,
    tier,
    slaDueAt: new Date(dueAtMs).toISOString(),
    slaMet: met ? true : reached !== null ? false : null,
    slaBreached: !met && (reached === null || reached > dueAtMs),
  };
}

export class WhatIfSimulation {
  private readonly agenda = new Agenda<Happening>();
  private readonly tasks: TaskSim[] = [];
  private readonly coordinators: CoordinatorSim[] = [];
  private readonly waiting = new Set<TaskSim>();
  private readonly draw: () => number;
  private readonly wrapUpMs: number;
  private readonly horizonMs: number;
  private readonly breach: Record<Tier, { priorityBump: number; overflow: boolean }>;
  private readonly reach: number[];
  private readonly counts = { replayed: 0, drawn: 0 };
  private readonly policy: TriagePolicy | null;
  private now = -Infinity;

  constructor(
    private readonly record: SimulationRecord,
    private readonly options: SimulationOptions,
  ) {
    this.draw = rng(options.seed ?? 1);
    const s = record.samples;
    this.wrapUpMs = Math.max(0, options.wrapUpMs ?? median([...s.wrapUpMs].sort((a, b) => a - b)) ?? 0);
    this.horizonMs = options.horizonMs ?? options.toMs + 7 * 24 * 60 * MINUTE;
    this.breach = { ...DEFAULT_BREACH_POLICY, ...record.breachPolicy };
    this.reach = this.reachModel();
    this.policy =
      options.policyVersion !== null && options.policyVersion !== undefined
        ? policyFor(record, options.policyVersion)
        : null;

    const inScope = options.locationIds ? new Set(options.locationIds) : null;
    const start = options.fromMs - (options.warmUpMs ?? 24 * 60 * MINUTE);
    const fallbackPolicy = policyFor(record, null);
    for (const src of record.tasks) {
      if (src.occurredAtMs < start || src.occurredAtMs >= options.toMs) continue;
      if (inScope && !inScope.has(src.locationId)) continue;
      const loc = record.locations.get(src.locationId);
      const clock =
        this.policy !== null
          ? clockUnder(src, loc, this.policy)
          : src.sla
            ? { tier: src.triage.tier, dueAtMs: src.sla.dueAtMs }
            : clockUnder(src, loc, fallbackPolicy);
      const t: TaskSim = {
        src,
        loc,
        tier: clock.tier,
        dueAtMs: clock.dueAtMs,
        clockVersion: 1,
        route: {
          taskId: src.taskId,
          podId: src.podId,
          tier: clock.tier,
          dueAtMs: clock.dueAtMs,
          occurredAtMs: src.occurredAtMs,
          language: src.language,
          serviceLines: loc?.serviceLines ?? [],
          breach: null,
          availableAtMs: src.clockStartMs > src.occurredAtMs ? src.clockStartMs : null,
          passedBy: [],
        },
        state: 'pending',
        failed: 0,
        session: 0,
        stopAtMs: null,
        breached: false,
        firstAttemptAtMs: null,
        lastAttemptAtMs: null,
        firstReachedAtMs: null,
        escalatedAtMs: null,
        handoffAtMs: null,
        resolvedAtMs: null,
        unreachableAtMs: null,
        pendingHandoff: false,
        sessionOver: false,
      };
      this.tasks.push(t);
      this.agenda.push(src.occurredAtMs, { kind: 'arrive', t });
      this.agenda.push(t.dueAtMs, { kind: 'due', t, version: 1 });
      if (src.closedExternallyAtMs !== null) this.agenda.push(src.closedExternallyAtMs, { kind: 'close', t });
      if (this.policy === null)
        for (const r of src.retriages)
          this.agenda.push(r.atMs, { kind: 'retriage', t, tier: r.tier, dueAtMs: r.dueAtMs });
    }

    const pods = new Set(this.tasks.map((t) => t.src.podId));
    const staff =
      options.staffing.kind === 'recorded'
        ? record.coordinators
        : coordinatorsOfPlan(options.staffing.plan, record, start, this.horizonMs);
    for (const src of staff) {
      if (inScope && !src.podIds.some((p) => pods.has(p))) continue;
      const c: CoordinatorSim = {
        src,
        route: {
          coordinatorId: src.coordinatorId,
          podIds: src.podIds,
          languages: src.languages,
          serviceLines: src.serviceLines,
          presence: 'offline',
          holdsOffer: false,
          presenceSinceMs: 0,
        },
        shift: 0,
        freeAtMs: -Infinity,
        reserved: false,
      };
      this.coordinators.push(c);
      for (const [s, e] of src.signedIn) {
        if (e < start) continue;
        this.agenda.push(Math.max(s, start), { kind: 'shift' });
        if (Number.isFinite(e)) this.agenda.push(e, { kind: 'shift' });
      }
    }
  }

  /** Advances until the agenda is empty or past the horizon, at most `maxSteps` instants; true when done. */
  run(maxSteps = Infinity): boolean {
    let steps = 0;
    while (this.agenda.size > 0 && steps < maxSteps) {
      const at = this.agenda.peekAt();
      if (at > this.horizonMs) return true;
      this.now = at;
      while (this.agenda.peekAt() === at) this.handle(this.agenda.pop()!.item);
      this.dispatch();
      steps += 1;
    }
    return this.agenda.size === 0 || this.agenda.peekAt() > this.horizonMs;
  }

  result(): SimulationResult {
    const s = this.record.samples;
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const m = (xs: number[], unit: number) => {
      const v = median(sorted(xs));
      return v === null ? null : Math.round((v / unit) * 10) / 10;
    };
    return {
      simulated: this.tasks.map((t) => this.factOf(t)),
      actual: this.tasks.map((t) =>
        t.src.imported ? actualOfImported(t.src, t.dueAtMs, t.tier) : t.src.actual,
      ),
      coordinators: this.coordinators.map((c) => c.src),
      policyVersion: this.policy?.version ?? null,
      work: {
        medianHandleMinutes: m(s.handleMs, MINUTE),
        medianOfferResponseSeconds: m(s.offerResponseMs, 1000),
        reachProbability: this.reach.map((p) => Math.round(p * 1000) / 1000),
        medianHandoffMinutes: m(s.handoffDelayMs, MINUTE),
        wrapUpSeconds: Math.round(this.wrapUpMs / 1000),
        sessions: { ...this.counts },
      },
    };
  }

  private reachModel(): number[] {
    const byAttempt = this.record.samples.reachByAttempt;
    const total = byAttempt.reduce((a, [s, n]) => [a[0]! + s, a[1]! + n], [0, 0]);
    const overall = total[1]! > 0 ? total[0]! / total[1]! : (this.historicalReach() ?? DEFAULTS.reach);
    // Attempt numbers with too few observations fall back to the overall share.
    return [0, 1, 2].map((i) => {
      const [s, n] = byAttempt[i] ?? [0, 0];
      return n >= 10 ? s / n : overall;
    });
  }

  /** Imported history: the share of called-back calls reached at the first callback. */
  private historicalReach(): number | null {
    const called = this.record.tasks.filter((t) => t.imported && t.actual.firstAttemptAt !== null);
    if (called.length === 0) return null;
    return called.filter((t) => t.actual.firstReachedAt === t.actual.firstAttemptAt).length / called.length;
  }

  private signedIn(c: CoordinatorSim): boolean {
    const shifts = c.src.signedIn;
    while (c.shift < shifts.length && shifts[c.shift]![1] <= this.now) c.shift += 1;
    const s = shifts[c.shift];
    return s !== undefined && s[0] <= this.now;
  }

  private handle(h: Happening): void {
    switch (h.kind) {
      case 'arrive':
        if (h.t.state === 'pending') {
          h.t.state = 'waiting';
          this.waiting.add(h.t);
        }
        return;
      case 'shift':
      case 'free':
      case 'retry':
        if (h.kind === 'free') h.c.reserved = false;
        return;
      case 'start':
        return this.start(h.t, h.c, h.work);
      case 'attempt':
        return this.attempt(h.t, h.successful);
      case 'end':
        return this.end(h.t, h.c, h.wrapUpMs);
      case 'handoff':
        h.t.handoffAtMs = this.now;
        h.t.pendingHandoff = false;
        if (h.t.stopAtMs === null) h.t.stopAtMs = this.now;
        if (h.t.sessionOver) this.finish(h.t, 'resolved');
        return;
      case 'due':
        if (h.version !== h.t.clockVersion || h.t.stopAtMs !== null || h.t.state === 'done') return;
        if (h.t.state === 'pending' && h.t.src.occurredAtMs > this.now) return;
        h.t.breached = true;
        h.t.route.breach = this.breach[h.t.tier];
        return;
      case 'close':
        if (h.t.state === 'waiting' || h.t.state === 'pending') {
          this.waiting.delete(h.t);
          h.t.state = 'done';
          h.t.resolvedAtMs = this.now;
        }
        return;
      case 'retriage':
        if (h.t.stopAtMs !== null || h.t.state === 'done') return;
        h.t.tier = h.tier;
        h.t.route.tier = h.tier;
        h.t.dueAtMs = h.dueAtMs;
        h.t.route.dueAtMs = h.dueAtMs;
        h.t.breached = false;
        h.t.route.breach = null;
        h.t.clockVersion += 1;
        this.agenda.push(Math.max(this.now, h.dueAtMs), { kind: 'due', t: h.t, version: h.t.clockVersion });
        return;
    }
  }

  private dispatch(): void {
    if (this.waiting.size === 0) return;
    const present: RoutableCoordinator[] = [];
    const byId = new Map<string, CoordinatorSim>();
    let anyFree = false;
    for (const c of this.coordinators) {
      if (!this.signedIn(c)) {
        c.route.presence = 'offline';
        continue;
      }
      const free = !c.reserved && c.freeAtMs <= this.now;
      if (free && c.route.presence !== 'available') {
        c.route.presence = 'available';
        c.route.presenceSinceMs = Math.max(c.freeAtMs, c.src.signedIn[c.shift]![0]);
      } else if (!free) c.route.presence = 'busy';
      anyFree ||= free;
      present.push(c.route);
      byId.set(c.src.coordinatorId, c);
    }
    if (!anyFree) return;
    const plan = planOffers({
      nowMs: this.now,
      tasks: [...this.waiting].map((t) => t.route),
      coordinators: present,
    });
    if (plan.length === 0) return;
    const byTask = new Map([...this.waiting].map((t) => [t.src.taskId, t]));
    for (const offer of plan) {
      const t = byTask.get(offer.taskId)!;
      const c = byId.get(offer.coordinatorId)!;
      this.waiting.delete(t);
      t.state = 'working';
      c.reserved = true;
      c.route.presence = 'busy';
      const work = this.workOf(t);
      this.agenda.push(this.now + work.offerResponseMs, { kind: 'start', t, c, work });
    }
  }

  /** The task's next recorded session, else one drawn from all recorded sessions. */
  private workOf(t: TaskSim): SimWorkSession {
    const traced = t.src.sessions[t.session];
    t.session += 1;
    if (traced) {
      this.counts.replayed += 1;
      return traced;
    }
    this.counts.drawn += 1;
    const s = this.record.samples;
    const handleMs = pick(s.handleMs, this.draw) ?? DEFAULTS.handleMs;
    const reach = this.reach[Math.min(t.failed, this.reach.length - 1)] ?? DEFAULTS.reach;
    return {
      offerResponseMs: pick(s.offerResponseMs, this.draw) ?? DEFAULTS.offerResponseMs,
      handleMs,
      attemptAfterMs: handleMs,
      successful: this.draw() < reach,
      escalated: t.tier === 1,
    };
  }

  private start(t: TaskSim, c: CoordinatorSim, work: SimWorkSession): void {
    t.sessionOver = false;
    if (t.tier === 1) {
      if (t.escalatedAtMs === null) {
        t.escalatedAtMs = this.now;
        t.pendingHandoff = true;
        const delay =
          t.src.handoffDelayMs ?? pick(this.record.samples.handoffDelayMs, this.draw) ?? DEFAULTS.handoffMs;
        this.agenda.push(this.now + delay, { kind: 'handoff', t });
      }
    } else {
      const successful =
        work.successful ?? this.draw() < (this.reach[Math.min(t.failed, 2)] ?? DEFAULTS.reach);
      this.agenda.push(this.now + (work.attemptAfterMs ?? work.handleMs), { kind: 'attempt', t, successful });
    }
    this.agenda.push(this.now + work.handleMs, { kind: 'end', t, c, work, wrapUpMs: this.wrapUpMs });
  }

  private attempt(t: TaskSim, successful: boolean): void {
    t.firstAttemptAtMs ??= this.now;
    t.lastAttemptAtMs = this.now;
    if (successful) {
      t.firstReachedAtMs ??= this.now;
      if (t.stopAtMs === null) t.stopAtMs = this.now;
    } else t.failed += 1;
  }

  private end(t: TaskSim, c: CoordinatorSim, wrapUpMs: number): void {
    c.freeAtMs = this.now + wrapUpMs;
    this.agenda.push(c.freeAtMs, { kind: 'free', c });
    t.sessionOver = true;
    if (t.state === 'done') return;
    if (t.tier === 1) {
      if (!t.pendingHandoff) this.finish(t, 'resolved');
      return;
    }
    if (t.firstReachedAtMs !== null) return this.finish(t, 'resolved');
    const next = nextAttempt({
      failedAttemptNumber: t.failed,
      attemptedAt: t.lastAttemptAtMs ?? this.now,
      timezone: t.loc?.timezone ?? 'UTC',
      calendar: t.loc?.calendar ?? null,
      preferredWindow: t.src.preferredWindow,
    });
    if (next.retriesExhausted) return this.finish(t, 'unreachable');
    t.state = 'waiting';
    t.route.availableAtMs = Date.parse(next.nextAttemptAt);
    this.waiting.add(t);
    this.agenda.push(t.route.availableAtMs, { kind: 'retry', t });
  }

  private finish(t: TaskSim, how: 'resolved' | 'unreachable'): void {
    t.state = 'done';
    if (how === 'resolved') t.resolvedAtMs = this.now;
    else t.unreachableAtMs = this.now;
  }

  private factOf(t: TaskSim): TaskFact {
    const stop = t.stopAtMs;
    const met = stop !== null && stop <= t.dueAtMs;
    return {
      ...t.src.actual,
      tier: t.tier,
      firstAttemptAt: iso(t.firstAttemptAtMs),
      firstReachedAt: iso(t.firstReachedAtMs),
      resolvedAt: iso(t.resolvedAtMs),
      resolution: t.resolvedAtMs === null ? null : (t.src.actual.resolution ?? 'resolved'),
      unreachableAt: iso(t.unreachableAtMs),
      reopenCount: 0,
      slaDueAt: new Date(t.dueAtMs).toISOString(),
      slaMet: met ? true : stop !== null ? false : null,
      slaBreached: t.breached && !met,
      escalatedAt: iso(t.escalatedAtMs),
      handoffAcceptedAt: iso(t.handoffAtMs),
      bookedAt: t.firstReachedAtMs !== null ? t.src.actual.bookedAt : null,
      imported: false,
    };
  }
}

/** Runs a whole simulation at once (the service runs it in slices instead). */
export function simulate(record: SimulationRecord, options: SimulationOptions): SimulationResult {
  const sim = new WhatIfSimulation(record, options);
  sim.run();
  return sim.result();
}
