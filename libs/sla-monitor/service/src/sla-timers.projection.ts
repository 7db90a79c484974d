import { SLA_CATEGORY, type SlaEvent, type SlaStopReason } from '@ringback/contracts';
import type { Projection, ReadModelOp } from '@ringback/platform-core';
import { slaAlertsProjection } from './alerts/sla-alerts.projection';

export const SLA_TIMERS_COLLECTION = 'sla_timers';

/** SLA status as tasks show it (contract: on_track, at_risk, breached, met). */
export type SlaTimerStatus = 'on_track' | 'at_risk' | 'breached' | 'met';

/**
 * One task's SLA timers (id = taskId): the current clock, what has fired, and the next threshold to
 * fire. `pending` is true while a threshold remains and the clock is not stopped; the scheduler reads
 * pending documents in `nextAtMs` order.
 */
export type SlaTimerDoc = {
  id: string;
  taskId: string;
  locationId: string;
  tier: 1 | 2 | 3;
  mode: 'wall_clock' | 'business';
  clockVersion: number;
  targetMinutes: number;
  startedAt: string;
  dueAt: string;
  atRiskAt: string;
  breachAt: string;
  status: SlaTimerStatus;
  stopped: boolean;
  stoppedAt: string | null;
  stopReason: SlaStopReason | null;
  pending: boolean;
  nextThreshold: 'at_risk' | 'breach' | null;
  /** ISO-8601 UTC of the next threshold, null when none is pending. */
  nextAt: string | null;
  /** Same instant in epoch ms (sortable), null when none is pending. */
  nextAtMs: number | null;
  /** Correlation id of the clock start, carried on to the threshold events. */
  correlationId: string;
  updatedAt: string;
};

const SLA_EVENT_TYPES: SlaEvent['type'][] = [
  'SlaClockStarted',
  'SlaAtRiskReached',
  'SlaBreached',
  'SlaClockStopped',
];

function next(doc: SlaTimerDoc, threshold: 'at_risk' | 'breach' | null): SlaTimerDoc {
  const nextAt = threshold === 'at_risk' ? doc.atRiskAt : threshold === 'breach' ? doc.breachAt : null;
  return {
    ...doc,
    pending: threshold !== null && !doc.stopped,
    nextThreshold: doc.stopped ? null : threshold,
    nextAt: doc.stopped ? null : nextAt,
    nextAtMs: doc.stopped || nextAt === null ? null : Date.parse(nextAt),
  };
}

/**
 * The `sla_timers` read model, from the `sla` stream category: pending thresholds per task, so the
 * scheduler can ask which are due without loading every stream. It only mirrors what the decider
 * recorded; the decider (reading the `sla-<taskId>` stream) stays the judge of what may still fire,
 * so a lagging or rebuilding read model can delay a firing but never duplicate one.
 */
export const slaTimersProjection: Projection = {
  id: 'sla-timers',
  version: 1,
  collections: [SLA_TIMERS_COLLECTION],
  categories: [SLA_CATEGORY],
  eventTypes: SLA_EVENT_TYPES,
  async handle(raw, position, ctx) {
    const event = raw as SlaEvent;
    const upsert = (doc: SlaTimerDoc): ReadModelOp[] => [
      { kind: 'upsert', collection: SLA_TIMERS_COLLECTION, doc: { ...doc }, position },
    ];
    if (event.type === 'SlaClockStarted') {
      const d = event.data;
      const doc: SlaTimerDoc = {
        id: d.taskId,
        taskId: d.taskId,
        locationId: d.locationId,
        tier: d.tier,
        mode: d.mode,
        clockVersion: d.clockVersion,
        targetMinutes: d.targetMinutes,
        startedAt: d.startedAt,
        dueAt: d.dueAt,
        atRiskAt: d.atRiskAt,
        breachAt: d.breachAt,
        status: 'on_track',
        stopped: false,
        stoppedAt: null,
        stopReason: null,
        pending: true,
        nextThreshold: null,
        nextAt: null,
        nextAtMs: null,
        correlationId: event.correlationId,
        updatedAt: event.recordedAt,
      };
      return upsert(next(doc, 'at_risk'));
    }
    const current = await ctx.get<SlaTimerDoc>(SLA_TIMERS_COLLECTION, event.data.taskId);
    // Events of an older clock (a retriage restarted it) no longer move the timers.
    if (!current || current.clockVersion !== event.data.clockVersion) return [];
    const base = { ...current, updatedAt: event.recordedAt };
    switch (event.type) {
      case 'SlaAtRiskReached':
        return upsert(
          next({ ...base, status: current.status === 'breached' ? 'breached' : 'at_risk' }, 'breach'),
        );
      case 'SlaBreached':
        return upsert(next({ ...base, status: 'breached' }, null));
      case 'SlaClockStopped':
        return upsert(
          next(
            {
              ...base,
              status: event.data.met ? 'met' : current.status,
              stopped: true,
              stoppedAt: event.data.stoppedAt,
              stopReason: event.data.reason,
            },
            null,
          ),
        );
    }
  },
};

/** Read models sla-monitor keeps; every process hosting SlaMonitorModule runs them (projection catalogue). */
export const slaMonitorProjections: readonly Projection[] = [slaTimersProjection, slaAlertsProjection];
