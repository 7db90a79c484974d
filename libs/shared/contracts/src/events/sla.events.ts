import { z } from 'zod';
import type { EventEnvelope } from '../envelope';
import type { EventDefinition } from '../registry';
import { slaModeSchema, taskTierSchema } from './task.events';

/**
 * SLA timer events (stream `sla-<taskId>`, category `sla`, produced by the sla-monitor service).
 * sla-monitor follows each task's SLA clock as the task events define it (TaskOpened, a retriage on
 * CallJoinedTask, SlaStopped) and records when the at-risk (75%) and breach (100%) thresholds were
 * reached. Every clock start gets a `clockVersion` (1, then +1 per restart on retriage); threshold
 * events name the version they belong to, so a restarted clock never inherits the old one's alerts.
 * Times are UTC ISO-8601 with `Z`.
 */

const isoUtc = z.iso.datetime({ offset: false });
const id = z.string().min(1).max(200);
const clockVersion = z.number().int().positive();

export const SLA_CATEGORY = 'sla';
export const slaStreamId = (taskId: string): string => `${SLA_CATEGORY}-${taskId}`;

/** How the at-risk instant was computed. */
export const slaThresholdBasisSchema = z.enum([
  /** Tier 1: real time, 24/7. */
  'wall_clock',
  /** Business minutes of the location calendar version the task's clock started under. */
  'location_calendar',
  /** The calendar was not available: 75% of the real time between start and due (approximation). */
  'interpolated',
]);

export const slaStopReasonSchema = z.enum([
  /** Tier 1 stop rule (task SlaStopped). */
  'clinical_handoff_accepted',
  /** Tier 2/3 stop rule (task SlaStopped). */
  'first_contact',
  /** The task was resolved before its stop rule was met: no further alerts. */
  'task_resolved',
  /** The task was marked unreachable before its stop rule was met: no further alerts. */
  'task_unreachable',
]);

export const slaClockStartedV1 = z.object({
  taskId: id,
  locationId: id,
  tier: taskTierSchema,
  mode: slaModeSchema,
  targetMinutes: z.number().int().positive(),
  startedAt: isoUtc,
  /** The task's due time, as the task recorded it. */
  dueAt: isoUtc,
  /** First instant at which 75% of the target has elapsed. */
  atRiskAt: isoUtc,
  /** 100% of the target: equals `dueAt`. */
  breachAt: isoUtc,
  /** True when this replaces an earlier clock of the task (retriage). */
  restart: z.boolean(),
  clockVersion,
  /** Location configuration version the task's clock was computed with (null: not recorded). */
  calendarVersion: z.number().int().positive().nullable(),
  thresholdBasis: slaThresholdBasisSchema,
});

export const slaAtRiskReachedV1 = z.object({
  taskId: id,
  locationId: id,
  tier: taskTierSchema,
  atRiskAt: isoUtc,
  dueAt: isoUtc,
  clockVersion,
});

export const slaBreachedV1 = z.object({
  taskId: id,
  locationId: id,
  tier: taskTierSchema,
  dueAt: isoUtc,
  /** The instant the breach happened (= dueAt), not when it was detected. */
  breachedAt: isoUtc,
  /** A breach always alerts the location's supervisors. */
  supervisorAlert: z.literal(true),
  /** How many priority levels routing should raise the task by. */
  priorityBump: z.number().int().positive(),
  /** Whether routing may offer the task outside its pod (overflow). */
  overflow: z.boolean(),
  clockVersion,
});

export const slaClockStoppedV1 = z.object({
  taskId: id,
  /** The stop rule was met on time (task SlaStopped.met); false for any other stop. */
  met: z.boolean(),
  stoppedAt: isoUtc,
  reason: slaStopReasonSchema,
  clockVersion,
});

export type SlaThresholdBasis = z.infer<typeof slaThresholdBasisSchema>;
export type SlaStopReason = z.infer<typeof slaStopReasonSchema>;
export type SlaClockStartedV1 = z.infer<typeof slaClockStartedV1>;
export type SlaAtRiskReachedV1 = z.infer<typeof slaAtRiskReachedV1>;
export type SlaBreachedV1 = z.infer<typeof slaBreachedV1>;
export type SlaClockStoppedV1 = z.infer<typeof slaClockStoppedV1>;

/** Latest payload schema per SLA event type. */
export const slaEventSchemas = {
  SlaClockStarted: slaClockStartedV1,
  SlaAtRiskReached: slaAtRiskReachedV1,
  SlaBreached: slaBreachedV1,
  SlaClockStopped: slaClockStoppedV1,
} as const;

export type SlaEventType = keyof typeof slaEventSchemas;

/** SLA events as full envelopes (what the sla-monitor decider emits and its stream holds). */
export type SlaClockStarted = EventEnvelope<'SlaClockStarted', SlaClockStartedV1>;
export type SlaAtRiskReached = EventEnvelope<'SlaAtRiskReached', SlaAtRiskReachedV1>;
export type SlaBreached = EventEnvelope<'SlaBreached', SlaBreachedV1>;
export type SlaClockStopped = EventEnvelope<'SlaClockStopped', SlaClockStoppedV1>;
export type SlaEvent = SlaClockStarted | SlaAtRiskReached | SlaBreached | SlaClockStopped;

const summaries: Record<SlaEventType, string> = {
  SlaClockStarted:
    'sla-monitor started (or, on retriage, restarted) the timers of a task SLA clock: at-risk and breach instants',
  SlaAtRiskReached: '75% of the SLA target elapsed without the stop rule being met',
  SlaBreached:
    'The SLA target elapsed without the stop rule being met: supervisor alert, priority bump, optional overflow',
  SlaClockStopped: 'The SLA clock stopped (stop rule met or task closed); no further timers fire',
};

export const slaEventDefinitions: EventDefinition[] = (Object.keys(slaEventSchemas) as SlaEventType[]).map(
  (type) => ({
    type,
    category: SLA_CATEGORY,
    summary: summaries[type],
    producer: 'sla-monitor',
    versions: [{ version: 1, schema: slaEventSchemas[type] }],
  }),
);
