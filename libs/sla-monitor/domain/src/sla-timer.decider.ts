import {
  slaStreamId,
  type SlaAtRiskReached,
  type SlaBreached,
  type SlaClockStarted,
  type SlaClockStopped,
  type SlaEvent,
  type SlaStopReason,
  type SlaThresholdBasis,
} from '@ringback/contracts';
import { NoOpenHoursError, thresholdInstants, type LocationSchedule } from '@ringback/calendar';
import { DomainError, deterministicUuidV7, toIso, type Decider } from '@ringback/kernel';

export type SlaTier = 1 | 2 | 3;
export type SlaMode = 'wall_clock' | 'business';

/** What a breach asks of the rest of the system, per tier. */
export interface SlaBreachPolicy {
  /** Priority levels routing raises a breached task by. */
  priorityBump: number;
  /** Whether routing may offer the breached task outside its pod. */
  overflow: boolean;
}

/**
 * Default breach actions: every breach alerts supervisors (contract); Tier 1 jumps two priority
 * levels, the others one; Tiers 1 and 2 may overflow to other pods, Tier 3 (admin requests) stays.
 */
export const DEFAULT_BREACH_POLICY: Readonly<Record<SlaTier, SlaBreachPolicy>> = {
  1: { priorityBump: 2, overflow: true },
  2: { priorityBump: 1, overflow: true },
  3: { priorityBump: 1, overflow: false },
};

/** The clock as the task recorded it (TaskOpened.sla, or CallJoinedTask.retriage.sla). */
export interface TaskSlaClock {
  mode: SlaMode;
  targetMinutes: number;
  /** ISO-8601 UTC. */
  startedAt: string;
  /** ISO-8601 UTC; sla-monitor trusts it as the breach instant. */
  dueAt: string;
  calendarVersion: number | null;
}

/** Envelope metadata handed in by the caller: the decider reads no clock. */
export interface SlaCommandStamp {
  /** ISO-8601 UTC: when sla-monitor records the events. */
  recordedAt: string;
  correlationId: string;
  /** The event this command reacts to (the task event), or null for timer firings. */
  causationId: string | null;
  traceparent: string | null;
}

/** Start (or, on retriage, restart) the timers of a task's clock. */
export interface StartClock {
  type: 'StartClock';
  taskId: string;
  /** Null falls back to the location of the running clock (a retriage whose envelope lacks it). */
  locationId: string | null;
  tier: SlaTier;
  clock: TaskSlaClock;
  /**
   * The location schedule in force when the clock started (calendar version `clock.calendarVersion`),
   * needed for business clocks; null when unknown (the at-risk instant is then interpolated).
   */
  schedule: LocationSchedule | null;
  /** Id of the task event that carries the clock: a redelivery of it decides nothing. */
  sourceEventId: string;
  /** Event time of that task event. */
  sourceOccurredAt: string;
  stamp: SlaCommandStamp;
}

/** Fire every threshold of the running clock that `now` has reached and that has not fired yet. */
export interface FireDue {
  type: 'FireDue';
  taskId: string;
  /** Epoch ms of the scheduler's clock. */
  now: number;
  /** Breach actions; default {@link DEFAULT_BREACH_POLICY} for the clock's tier. */
  breachPolicy?: SlaBreachPolicy;
  stamp: SlaCommandStamp;
}

/** Stop the running clock: no threshold fires afterwards. */
export interface Stop {
  type: 'Stop';
  taskId: string;
  /** ISO-8601 UTC. */
  at: string;
  met: boolean;
  reason: SlaStopReason;
  /** Id of the task event that stops the clock: a redelivery of it decides nothing. */
  sourceEventId: string;
  stamp: SlaCommandStamp;
}

export type SlaTimerCommand = StartClock | FireDue | Stop;

export interface SlaRunningClock {
  version: number;
  tier: SlaTier;
  mode: SlaMode;
  targetMinutes: number;
  startedAt: number;
  dueAt: number;
  atRiskAt: number;
  breachAt: number;
  calendarVersion: number | null;
}

export interface SlaTimerState {
  taskId: string | null;
  locationId: string | null;
  /** The current clock (the latest start), or null before the first. */
  clock: SlaRunningClock | null;
  /** Thresholds of the current clock already recorded. */
  atRiskFired: boolean;
  breached: boolean;
  /** Stop of the current clock, if any. */
  stopped: { at: number; met: boolean; reason: SlaStopReason } | null;
  /** Task event ids already acted on (causation ids of starts and stops). */
  handledSources: readonly string[];
}

export type SlaThreshold = 'at_risk' | 'breach';

/**
 * The id of a threshold event: derived from the task, the threshold and the clock version only, so
 * whoever fires it (a second scheduler, a replay after a crash) appends the same id and the store
 * recognises the append as already done.
 */
export const slaThresholdEventId = (
  taskId: string,
  threshold: SlaThreshold,
  clockVersion: number,
  thresholdMs: number,
): string => deterministicUuidV7(thresholdMs, 'sla', taskId, threshold, String(clockVersion));

/** The id of a start or stop event: derived from the task event that caused it. */
export const slaReactionEventId = (
  taskId: string,
  kind: 'started' | 'stopped',
  sourceEventId: string,
  atMs: number,
): string => deterministicUuidV7(atMs, 'sla', taskId, kind, sourceEventId);

function parseInstant(field: string, iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) {
    throw new DomainError('invalid_sla_clock', `${field} is not an ISO-8601 instant`, [
      { field, code: 'invalid_format', message: iso },
    ]);
  }
  return ms;
}

/**
 * At-risk and breach instants of a task clock. The breach instant is the task's `dueAt` (the task
 * computed it with the calendar in force at the start; sla-monitor does not second-guess it). The
 * at-risk instant is 75% of the target from `startedAt`, counted like the clock: in real time for
 * wall-clock clocks, in the location's business minutes for business clocks. Without a schedule (or
 * one that never opens) it is interpolated as 75% of the real time from start to due. It never lies
 * after the breach instant.
 */
export function slaThresholds(
  clock: TaskSlaClock,
  schedule: LocationSchedule | null,
): { atRiskAt: number; breachAt: number; basis: SlaThresholdBasis } {
  const startedAt = parseInstant('startedAt', clock.startedAt);
  const dueAt = parseInstant('dueAt', clock.dueAt);
  if (dueAt < startedAt) {
    throw new DomainError('invalid_sla_clock', 'dueAt lies before startedAt', [
      { field: 'dueAt', code: 'before_start', message: `${clock.dueAt} < ${clock.startedAt}` },
    ]);
  }
  if (!Number.isInteger(clock.targetMinutes) || clock.targetMinutes <= 0) {
    throw new DomainError('invalid_sla_clock', 'targetMinutes must be a positive integer', [
      { field: 'targetMinutes', code: 'invalid', message: String(clock.targetMinutes) },
    ]);
  }
  const interpolated = startedAt + Math.ceil((dueAt - startedAt) * 0.75);
  let atRiskAt: number;
  let basis: SlaThresholdBasis;
  if (clock.mode === 'wall_clock') {
    atRiskAt = thresholdInstants({
      mode: 'wall_clock',
      startedAt,
      targetMinutes: clock.targetMinutes,
    }).atRiskAt;
    basis = 'wall_clock';
  } else if (schedule) {
    try {
      atRiskAt = thresholdInstants({
        mode: 'business',
        schedule,
        startedAt,
        targetMinutes: clock.targetMinutes,
      }).atRiskAt;
      basis = 'location_calendar';
    } catch (error) {
      if (!(error instanceof NoOpenHoursError)) throw error;
      atRiskAt = interpolated;
      basis = 'interpolated';
    }
  } else {
    atRiskAt = interpolated;
    basis = 'interpolated';
  }
  // A clock whose business start waits for the next opening has atRiskAt well after startedAt; a
  // task dueAt computed under other rules than the schedule given could still precede it.
  return { atRiskAt: Math.min(atRiskAt, dueAt), breachAt: dueAt, basis };
}

const sameClock = (running: SlaRunningClock, tier: SlaTier, clock: TaskSlaClock): boolean =>
  running.tier === tier &&
  running.mode === clock.mode &&
  running.targetMinutes === clock.targetMinutes &&
  running.startedAt === Date.parse(clock.startedAt) &&
  running.dueAt === Date.parse(clock.dueAt);

function envelope<T extends SlaEvent>(
  type: T['type'],
  taskId: string,
  eventId: string,
  occurredAt: number | string,
  locationId: string | null,
  stamp: SlaCommandStamp,
  data: T['data'],
): T {
  return {
    eventId,
    type,
    schemaVersion: 1,
    streamId: slaStreamId(taskId),
    occurredAt: typeof occurredAt === 'number' ? toIso(occurredAt) : toIso(Date.parse(occurredAt)),
    recordedAt: stamp.recordedAt,
    correlationId: stamp.correlationId,
    causationId: stamp.causationId,
    locationId,
    traceparent: stamp.traceparent,
    data,
  } as T;
}

function decideStart(command: StartClock, state: SlaTimerState): SlaEvent[] {
  if (state.handledSources.includes(command.sourceEventId)) return [];
  if (state.clock && sameClock(state.clock, command.tier, command.clock)) return [];
  const locationId = command.locationId ?? state.locationId;
  if (!locationId) {
    throw new DomainError('invalid_sla_clock', 'the clock has no location', [
      { field: 'locationId', code: 'required', message: 'no location for the task' },
    ]);
  }
  const { atRiskAt, breachAt, basis } = slaThresholds(command.clock, command.schedule);
  const startedAt = Date.parse(command.clock.startedAt);
  const version = (state.clock?.version ?? 0) + 1;
  return [
    envelope<SlaClockStarted>(
      'SlaClockStarted',
      command.taskId,
      slaReactionEventId(command.taskId, 'started', command.sourceEventId, startedAt),
      command.sourceOccurredAt,
      locationId,
      { ...command.stamp, causationId: command.sourceEventId },
      {
        taskId: command.taskId,
        locationId,
        tier: command.tier,
        mode: command.clock.mode,
        targetMinutes: command.clock.targetMinutes,
        startedAt: toIso(startedAt),
        dueAt: toIso(breachAt),
        atRiskAt: toIso(atRiskAt),
        breachAt: toIso(breachAt),
        restart: state.clock !== null,
        clockVersion: version,
        calendarVersion: command.clock.calendarVersion,
        thresholdBasis: basis,
      },
    ),
  ];
}

function decideFire(command: FireDue, state: SlaTimerState): SlaEvent[] {
  const { clock, taskId, locationId } = state;
  if (!clock || !taskId || !locationId || state.stopped) return [];
  const events: SlaEvent[] = [];
  // Breach implies at-risk: after downtime both fire in one decision, at-risk first.
  if (command.now >= clock.atRiskAt && !state.atRiskFired) {
    events.push(
      envelope<SlaAtRiskReached>(
        'SlaAtRiskReached',
        taskId,
        slaThresholdEventId(taskId, 'at_risk', clock.version, clock.atRiskAt),
        clock.atRiskAt,
        locationId,
        command.stamp,
        {
          taskId,
          locationId,
          tier: clock.tier,
          atRiskAt: toIso(clock.atRiskAt),
          dueAt: toIso(clock.dueAt),
          clockVersion: clock.version,
        },
      ),
    );
  }
  if (command.now >= clock.breachAt && !state.breached) {
    const policy = command.breachPolicy ?? DEFAULT_BREACH_POLICY[clock.tier];
    events.push(
      envelope<SlaBreached>(
        'SlaBreached',
        taskId,
        slaThresholdEventId(taskId, 'breach', clock.version, clock.breachAt),
        clock.breachAt,
        locationId,
        command.stamp,
        {
          taskId,
          locationId,
          tier: clock.tier,
          dueAt: toIso(clock.dueAt),
          breachedAt: toIso(clock.breachAt),
          supervisorAlert: true,
          priorityBump: policy.priorityBump,
          overflow: policy.overflow,
          clockVersion: clock.version,
        },
      ),
    );
  }
  return events;
}

function decideStop(command: Stop, state: SlaTimerState): SlaEvent[] {
  if (state.handledSources.includes(command.sourceEventId)) return [];
  if (!state.clock || state.stopped) return [];
  const at = parseInstant('at', command.at);
  return [
    envelope<SlaClockStopped>(
      'SlaClockStopped',
      command.taskId,
      slaReactionEventId(command.taskId, 'stopped', command.sourceEventId, at),
      at,
      state.locationId,
      { ...command.stamp, causationId: command.sourceEventId },
      {
        taskId: command.taskId,
        met: command.met,
        stoppedAt: toIso(at),
        reason: command.reason,
        clockVersion: state.clock.version,
      },
    ),
  ];
}

const withSource = (sources: readonly string[], source: string | null): readonly string[] =>
  source === null || sources.includes(source) ? sources : [...sources, source];

/**
 * The SLA timers of one task (stream `sla-<taskId>`).
 *
 * - `StartClock` records the task's clock with its at-risk and breach instants. The same clock again
 *   (or the same task event again) decides nothing; a different clock (retriage) restarts the timers
 *   as the next clock version, whose thresholds fire afresh.
 * - `FireDue { now }` records every threshold of the current clock that `now` has reached and that
 *   is not recorded yet, at-risk before breach; nothing once the clock is stopped. Its events carry
 *   deterministic ids (task, threshold, clock version), so concurrent or repeated firings converge
 *   on one stored event: the decider refuses on state, the store on the id.
 * - `Stop` records the stop once; afterwards nothing fires until a retriage restarts the clock.
 */
export const slaTimerDecider: Decider<SlaTimerState, SlaTimerCommand, SlaEvent> = {
  initialState: () => ({
    taskId: null,
    locationId: null,
    clock: null,
    atRiskFired: false,
    breached: false,
    stopped: null,
    handledSources: [],
  }),

  evolve: (state, event) => {
    switch (event.type) {
      case 'SlaClockStarted': {
        const d = event.data;
        return {
          taskId: d.taskId,
          locationId: d.locationId,
          clock: {
            version: d.clockVersion,
            tier: d.tier,
            mode: d.mode,
            targetMinutes: d.targetMinutes,
            startedAt: Date.parse(d.startedAt),
            dueAt: Date.parse(d.dueAt),
            atRiskAt: Date.parse(d.atRiskAt),
            breachAt: Date.parse(d.breachAt),
            calendarVersion: d.calendarVersion,
          },
          atRiskFired: false,
          breached: false,
          stopped: null,
          handledSources: withSource(state.handledSources, event.causationId),
        };
      }
      case 'SlaAtRiskReached':
        return event.data.clockVersion === state.clock?.version ? { ...state, atRiskFired: true } : state;
      case 'SlaBreached':
        return event.data.clockVersion === state.clock?.version
          ? { ...state, atRiskFired: true, breached: true }
          : state;
      case 'SlaClockStopped':
        return {
          ...state,
          stopped:
            event.data.clockVersion === state.clock?.version
              ? { at: Date.parse(event.data.stoppedAt), met: event.data.met, reason: event.data.reason }
              : state.stopped,
          handledSources: withSource(state.handledSources, event.causationId),
        };
      default:
        return state;
    }
  },

  decide: (command, state) => {
    switch (command.type) {
      case 'StartClock':
        return decideStart(command, state);
      case 'FireDue':
        return decideFire(command, state);
      case 'Stop':
        return decideStop(command, state);
    }
  },
};
