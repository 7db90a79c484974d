import { BusinessCalendar } from '@ringback/calendar';
import type {
  CallJoinedTaskV1,
  CallbackAttemptRecordedV1,
  ClinicalHandoffAcceptedV1,
  HistoricalCall,
  HistoricalCallsImportedV1,
  LocationConfiguredData,
  SlaBreachedV1,
  TaskEscalatedV1,
  TaskOfferedV1,
  TaskOpenedV1,
  TaskResolvedV1,
  TriagePolicyChangedV1,
  coordinatorPresenceChangedV1,
  coordinatorProfileSetV1,
  coordinatorTaskFinishedV1,
  coordinatorTaskStartedV1,
} from '@ringback/contracts';
import { triagePolicySchema, type TriagePolicy } from '@ringback/triage-policy';
import type { z } from 'zod';
import { evolveTaskFact, type TaskFact, type TaskFactEvent, type Tier } from '../facts/facts';
import { factsOfHistoricalCall } from '../imports/call-log';

/**
 * What the what-if simulator replays: a period's demand, the staffing that met it and how the work
 * went, folded from recorded facts (the event store's task, coordinator, location, policy and SLA
 * events) and from imported call logs. Pure: events come in one by one, in store order.
 *
 * A task's work is kept as a trace of sessions (a coordinator starting on it until they finish),
 * each with its offer response time (first offer since the task was queued, to the start), its
 * handle time, and the attempt it recorded; a replay under other staffing reuses the trace, so only
 * the waiting changes. Tasks without a trace (imported history, or attempts beyond the trace) draw
 * from the samples of all recorded sessions.
 */

export interface SimLocation {
  locationId: string;
  regionId: string;
  podId: string;
  timezone: string;
  serviceLines: string[];
  /** The latest configuration's calendar; null when its hours cannot make one. */
  calendar: BusinessCalendar | null;
}

export interface SimWorkSession {
  /** From the task's first offer since it was last queued to the coordinator's start. */
  offerResponseMs: number;
  /** From the start to the coordinator finishing with the task. */
  handleMs: number;
  /** From the start to the attempt the session recorded; null when it recorded none. */
  attemptAfterMs: number | null;
  successful: boolean | null;
  /** The session escalated the task to a clinician. */
  escalated: boolean;
}

export interface SimTask {
  taskId: string;
  locationId: string;
  regionId: string;
  podId: string;
  channel: TaskOpenedV1['channel'];
  intent: string | null;
  language: string | null;
  occurredAtMs: number;
  /** The SLA clock start (a preferred window can start it after the call). */
  clockStartMs: number;
  preferredWindow: { start: string; end: string } | null;
  triage: { tier: Tier; rule: string; policyVersion: number | null };
  /** The recorded clock; for imported history, null (the simulator computes one). */
  sla: { targetMinutes: number; mode: 'wall_clock' | 'business'; dueAtMs: number } | null;
  imported: boolean;
  sessions: SimWorkSession[];
  /** Tier 1: from the escalation to the clinician's acceptance, as recorded. */
  handoffDelayMs: number | null;
  /** What actually happened, as the reporting facts have it. */
  actual: TaskFact;
  /** Imported history: when the caller was reached (the stop rule of the actual figures). */
  historicalReachedAtMs: number | null;
  /** Closed without a coordinator's work (the caller got through, or booked elsewhere): when. */
  closedExternallyAtMs: number | null;
  /** A repeat call raised the tier and restarted the clock (CallJoinedTask.retriage), as recorded. */
  retriages: { atMs: number; tier: Tier; dueAtMs: number }[];
}

export interface SimCoordinator {
  coordinatorId: string;
  podIds: string[];
  languages: string[];
  serviceLines: string[];
  /** Signed-in intervals `[start, end)` in epoch ms, sorted; `end` Infinity while still signed in. */
  signedIn: [number, number][];
}

export interface WorkSamples {
  offerResponseMs: number[];
  handleMs: number[];
  handoffDelayMs: number[];
  /** Per attempt number (index 0 = first attempt): [successful, attempts]. */
  reachByAttempt: [number, number][];
  wrapUpMs: number[];
}

export interface SimulationRecord {
  locations: Map<string, SimLocation>;
  tasks: SimTask[];
  coordinators: SimCoordinator[];
  /** Triage policies by version, as recorded. */
  policies: Map<number, TriagePolicy>;
  /** Breach actions per tier as the SLA monitor recorded them. */
  breachPolicy: Partial<Record<Tier, { priorityBump: number; overflow: boolean }>>;
  samples: WorkSamples;
}

/** An event as the store holds it (type, payload, stream). */
export interface RecordedFact {
  type: string;
  streamId: string;
  data: unknown;
}

type PresenceData = z.infer<typeof coordinatorPresenceChangedV1>;
type ProfileData = z.infer<typeof coordinatorProfileSetV1>;
type StartedData = z.infer<typeof coordinatorTaskStartedV1>;
type FinishedData = z.infer<typeof coordinatorTaskFinishedV1>;

const SIGNED_OUT = new Set(['away', 'offline']);
const TASK_FACT_EVENTS = new Set<string>([
  'CallJoinedTask',
  'CallbackAttemptRecorded',
  'TaskEscalated',
  'ClinicalHandoffAccepted',
  'TaskResolved',
  'TaskMarkedUnreachable',
  'TaskReopened',
  'SlaStopped',
  'SlaBreached',
  'SlotBooked',
]);

interface OpenSession {
  coordinatorId: string;
  startedAtMs: number;
  offerResponseMs: number;
  attemptAtMs: number | null;
  successful: boolean | null;
  escalated: boolean;
}

interface TaskBuild {
  task: SimTask;
  /** First offer since the task was last (re)queued. */
  offeredSinceMs: number | null;
  open: OpenSession | null;
  escalatedAtMs: number | null;
}

interface CoordinatorBuild {
  profile: Omit<SimCoordinator, 'signedIn'>;
  signedIn: [number, number][];
  since: number | null;
}

const ms = (iso: string): number => Date.parse(iso);

function calendarOf(d: LocationConfiguredData): BusinessCalendar | null {
  try {
    return new BusinessCalendar({ timezone: d.timezone, hours: d.hours, holidays: d.holidays });
  } catch {
    return null;
  }
}

export class SimulationRecordBuilder {
  private readonly locations = new Map<string, SimLocation>();
  private readonly tasks = new Map<string, TaskBuild>();
  private readonly coordinators = new Map<string, CoordinatorBuild>();
  private readonly policies = new Map<number, TriagePolicy>();
  private readonly breachPolicy: SimulationRecord['breachPolicy'] = {};
  private readonly imported: HistoricalCall[] = [];
  private readonly samples: WorkSamples = {
    offerResponseMs: [],
    handleMs: [],
    handoffDelayMs: [],
    reachByAttempt: [],
    wrapUpMs: [],
  };

  add(fact: RecordedFact): void {
    const d = fact.data as Record<string, unknown>;
    switch (fact.type) {
      case 'LocationConfigured': {
        const loc = d as unknown as LocationConfiguredData;
        this.locations.set(loc.locationId, {
          locationId: loc.locationId,
          regionId: loc.regionId,
          podId: loc.podId,
          timezone: loc.timezone,
          serviceLines: [...loc.serviceLines],
          calendar: calendarOf(loc),
        });
        return;
      }
      case 'TriagePolicyChanged': {
        const parsed = triagePolicySchema.safeParse((d as unknown as TriagePolicyChangedV1).policy);
        if (parsed.success) this.policies.set(parsed.data.version, parsed.data);
        return;
      }
      case 'SlaBreached': {
        const b = d as unknown as SlaBreachedV1;
        this.breachPolicy[b.tier] = { priorityBump: b.priorityBump, overflow: b.overflow };
        this.evolveFact(b.taskId, fact);
        return;
      }
      case 'HistoricalCallsImported':
        this.imported.push(...(d as unknown as HistoricalCallsImportedV1).calls);
        return;
      case 'TaskOpened':
        return this.opened(d as unknown as TaskOpenedV1);
      case 'TaskOffered': {
        const t = this.tasks.get((d as unknown as TaskOfferedV1).taskId);
        if (t && t.offeredSinceMs === null) t.offeredSinceMs = ms((d as unknown as TaskOfferedV1).offeredAt);
        return;
      }
      case 'TaskRequeued': {
        const t = this.tasks.get((d as { taskId: string }).taskId);
        if (t) t.offeredSinceMs = null;
        return;
      }
      case 'CoordinatorTaskStarted': {
        const s = d as unknown as StartedData;
        const t = this.tasks.get(s.taskId);
        if (!t) return;
        const at = ms(s.startedAt);
        t.open = {
          coordinatorId: s.coordinatorId,
          startedAtMs: at,
          offerResponseMs: s.via === 'offer' && t.offeredSinceMs !== null ? at - t.offeredSinceMs : 0,
          attemptAtMs: null,
          successful: null,
          escalated: false,
        };
        return;
      }
      case 'CoordinatorTaskFinished':
        return this.finished(d as unknown as FinishedData);
      case 'CoordinatorProfileSet':
        return this.profile(d as unknown as ProfileData);
      case 'CoordinatorPresenceChanged':
        return this.presence(d as unknown as PresenceData);
      default:
        break;
    }
    if (!TASK_FACT_EVENTS.has(fact.type)) return;
    const taskId = (d as { taskId?: string }).taskId;
    if (!taskId) return;
    const t = this.tasks.get(taskId);
    if (!t) return;
    if (fact.type === 'CallbackAttemptRecorded') {
      const a = d as unknown as CallbackAttemptRecordedV1;
      if (t.open && t.open.attemptAtMs === null) {
        t.open.attemptAtMs = ms(a.attemptedAt);
        t.open.successful = a.successful;
      }
      const n = a.attemptNumber - 1;
      while (this.samples.reachByAttempt.length <= n) this.samples.reachByAttempt.push([0, 0]);
      const slot = this.samples.reachByAttempt[n]!;
      slot[1] += 1;
      if (a.successful) slot[0] += 1;
    } else if (fact.type === 'TaskEscalated') {
      const e = d as unknown as TaskEscalatedV1;
      if (t.open) t.open.escalated = true;
      t.escalatedAtMs ??= ms(e.escalatedAt);
    } else if (fact.type === 'ClinicalHandoffAccepted') {
      const h = d as unknown as ClinicalHandoffAcceptedV1;
      if (t.escalatedAtMs !== null && t.task.handoffDelayMs === null) {
        t.task.handoffDelayMs = Math.max(0, ms(h.acceptedAt) - t.escalatedAtMs);
        this.samples.handoffDelayMs.push(t.task.handoffDelayMs);
      }
    } else if (fact.type === 'TaskResolved') {
      const at = ms((d as unknown as TaskResolvedV1).resolvedAt);
      if (t.open === null) t.task.closedExternallyAtMs ??= at;
    } else if (fact.type === 'CallJoinedTask') {
      const j = d as unknown as CallJoinedTaskV1;
      if (j.retriage)
        t.task.retriages.push({
          atMs: ms(j.joinedAt),
          tier: j.retriage.triage.tier,
          dueAtMs: ms(j.retriage.sla.dueAt),
        });
    } else if (fact.type === 'TaskReopened') {
      t.offeredSinceMs = null;
    }
    this.evolveFact(taskId, fact);
  }

  build(): SimulationRecord {
    const tasks = [...this.tasks.values()].map((t) => t.task);
    for (const call of this.imported) {
      const loc = this.locations.get(call.locationId);
      if (!loc) continue;
      const { task } = factsOfHistoricalCall(call, { regionId: loc.regionId, podId: loc.podId });
      if (!task) continue;
      const occurredAtMs = ms(call.occurredAt);
      tasks.push({
        taskId: task.taskId,
        locationId: task.locationId,
        regionId: task.regionId,
        podId: task.podId,
        channel: task.channel,
        intent: task.intent,
        language: null,
        occurredAtMs,
        clockStartMs: occurredAtMs,
        preferredWindow: null,
        triage: {
          tier: task.tier,
          rule: task.intent ? `intent:${task.intent}` : 'default',
          policyVersion: null,
        },
        sla: null,
        imported: true,
        sessions: [],
        handoffDelayMs: null,
        actual: task,
        historicalReachedAtMs: call.reachedAt ? ms(call.reachedAt) : null,
        closedExternallyAtMs: null,
        retriages: [],
      });
    }
    tasks.sort((a, b) => a.occurredAtMs - b.occurredAtMs || (a.taskId < b.taskId ? -1 : 1));
    const coordinators = [...this.coordinators.values()]
      .map((c) => ({
        ...c.profile,
        signedIn: c.since === null ? c.signedIn : [...c.signedIn, [c.since, Infinity] as [number, number]],
      }))
      .sort((a, b) => (a.coordinatorId < b.coordinatorId ? -1 : 1));
    return {
      locations: this.locations,
      tasks,
      coordinators,
      policies: this.policies,
      breachPolicy: this.breachPolicy,
      samples: this.samples,
    };
  }

  private opened(d: TaskOpenedV1): void {
    if (this.tasks.has(d.taskId)) return;
    const actual = evolveTaskFact(null, { type: 'TaskOpened', data: d } as TaskFactEvent)!;
    this.tasks.set(d.taskId, {
      task: {
        taskId: d.taskId,
        locationId: d.locationId,
        regionId: d.regionId,
        podId: d.podId,
        channel: d.channel,
        intent: d.intent,
        language: d.language,
        occurredAtMs: ms(d.occurredAt),
        clockStartMs: ms(d.sla.startedAt),
        preferredWindow: d.preferredWindow,
        triage: { tier: d.triage.tier, rule: d.triage.rule, policyVersion: d.triage.policyVersion },
        sla: { targetMinutes: d.sla.targetMinutes, mode: d.sla.mode, dueAtMs: ms(d.sla.dueAt) },
        imported: false,
        sessions: [],
        handoffDelayMs: null,
        actual,
        historicalReachedAtMs: null,
        closedExternallyAtMs: null,
        retriages: [],
      },
      offeredSinceMs: null,
      open: null,
      escalatedAtMs: null,
    });
  }

  private evolveFact(taskId: string, fact: RecordedFact): void {
    const t = this.tasks.get(taskId);
    if (!t) return;
    const next = evolveTaskFact(t.task.actual, { type: fact.type, data: fact.data } as TaskFactEvent);
    if (next) t.task.actual = next;
  }

  private finished(f: FinishedData): void {
    const t = this.tasks.get(f.taskId);
    if (!t?.open || t.open.coordinatorId !== f.coordinatorId) return;
    const o = t.open;
    const session: SimWorkSession = {
      offerResponseMs: Math.max(0, o.offerResponseMs),
      handleMs: Math.max(0, ms(f.finishedAt) - o.startedAtMs),
      attemptAfterMs: o.attemptAtMs === null ? null : Math.max(0, o.attemptAtMs - o.startedAtMs),
      successful: o.successful,
      escalated: o.escalated,
    };
    t.task.sessions.push(session);
    this.samples.offerResponseMs.push(session.offerResponseMs);
    this.samples.handleMs.push(session.handleMs);
    t.open = null;
    t.offeredSinceMs = null;
  }

  private profile(p: ProfileData): void {
    const c = this.coordinator(p.coordinatorId);
    c.profile = {
      coordinatorId: p.coordinatorId,
      podIds: [...p.podIds],
      languages: [...p.languages],
      serviceLines: [...p.serviceLines],
    };
  }

  private presence(p: PresenceData): void {
    const c = this.coordinator(p.coordinatorId);
    const at = ms(p.changedAt);
    const inNow = !SIGNED_OUT.has(p.presence);
    if (inNow && c.since === null) c.since = at;
    if (!inNow && c.since !== null) {
      if (at > c.since) c.signedIn.push([c.since, at]);
      c.since = null;
    }
    if (p.presence === 'wrap_up' && p.wrapUpUntil) this.samples.wrapUpMs.push(ms(p.wrapUpUntil) - at);
  }

  private coordinator(id: string): CoordinatorBuild {
    let c = this.coordinators.get(id);
    if (!c) {
      c = {
        profile: { coordinatorId: id, podIds: [], languages: [], serviceLines: [] },
        signedIn: [],
        since: null,
      };
      this.coordinators.set(id, c);
    }
    return c;
  }
}

/** Folds recorded facts, in store order, into a {@link SimulationRecord}. */
export function simulationRecordOf(facts: Iterable<RecordedFact>): SimulationRecord {
  const builder = new SimulationRecordBuilder();
  for (const f of facts) builder.add(f);
  return builder.build();
}
