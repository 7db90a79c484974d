import { z } from 'zod';
import type { PhiSpec } from '../phi';
import type { EventDefinition } from '../registry';

/**
 * CallbackTask events (stream `task-<taskId>`, category `task`, produced by the triage service).
 * A task is the unit of callback work opened for a missed call, voicemail or callback request.
 * Times are UTC ISO-8601 with `Z`. Status follows the contract: open, assigned, in_progress,
 * escalated, resolved, unreachable.
 */

const isoUtc = z.iso.datetime({ offset: false });
const id = z.string().min(1).max(200);
const note = z.string().max(2000).nullable();

export const TASK_INTENTS = [
  'new_patient',
  'returning_patient',
  'referral',
  'procedure_consult',
  'urgent_symptom',
  'reschedule',
  'records',
  'billing',
  'prescription',
  'results',
  'other',
] as const;
export const taskIntentSchema = z.enum(TASK_INTENTS);
export const taskTierSchema = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export const handoffRoleSchema = z.enum(['RN', 'MA', 'provider_line', 'crisis_line']);
export const slaModeSchema = z.enum(['wall_clock', 'business']);
export const taskChannelSchema = z.enum(['missed_call', 'voicemail', 'callback_request']);
export const e164Schema = z.string().regex(/^\+[1-9]\d{1,14}$/, 'E.164 phone number');

export const ATTEMPT_OUTCOMES = [
  'reached_booked',
  'reached_resolved',
  'reached_escalated',
  'no_answer',
  'voicemail_left',
  'voicemail_full',
  'wrong_number',
  'busy',
] as const;
export const attemptOutcomeSchema = z.enum(ATTEMPT_OUTCOMES);

export const TASK_RESOLUTIONS = [
  'booked',
  'resolved',
  'handled_clinically',
  'duplicate',
  'handled_elsewhere',
] as const;
export const taskResolutionSchema = z.enum(TASK_RESOLUTIONS);
export const followUpChannelSchema = z.enum(['sms', 'letter']);

/** The triage decision as recorded on the task: explainable, no advice text. */
export const taskTriageSchema = z.object({
  tier: taskTierSchema,
  rule: z.string().min(1),
  reasons: z.array(z.string()),
  policyVersion: z.number().int().positive(),
  handoff: z.object({ role: handoffRoleSchema }).nullable(),
  crisis: z.boolean(),
  requiredDocumentation: z.array(z.string()),
});

/** The SLA clock as started; `dueAt` was computed with the location calendar in force at the start. */
export const taskSlaClockSchema = z.object({
  targetMinutes: z.number().int().positive(),
  mode: slaModeSchema,
  startedAt: isoUtc,
  dueAt: isoUtc,
  /** Version of the location configuration (hours, holidays) the clock was computed with. */
  calendarVersion: z.number().int().positive().nullable(),
});

export const taskOpenedV1 = z.object({
  taskId: id,
  locationId: id,
  regionId: id,
  podId: id,
  channel: taskChannelSchema,
  providerCallId: id,
  callerPhone: e164Schema,
  callerName: z.string().max(200).nullable(),
  intent: taskIntentSchema.nullable(),
  transcript: z.string().max(20000).nullable(),
  language: z.string().max(35).nullable(),
  occurredAt: isoUtc,
  preferredWindow: z.object({ start: isoUtc, end: isoUtc }).nullable(),
  triage: taskTriageSchema,
  sla: taskSlaClockSchema,
  openedAt: isoUtc,
});

export const callJoinedTaskV1 = z.object({
  taskId: id,
  providerCallId: id,
  channel: taskChannelSchema,
  occurredAt: isoUtc,
  transcript: z.string().max(20000).nullable(),
  callCount: z.number().int().min(2),
  /** Present when the repeat call is more urgent than the task: tier and clock are replaced. */
  retriage: z.object({ triage: taskTriageSchema, sla: taskSlaClockSchema }).nullable(),
  joinedAt: isoUtc,
});

export const taskOfferedV1 = z.object({
  taskId: id,
  offerId: id,
  coordinatorId: id,
  offeredAt: isoUtc,
  expiresAt: isoUtc,
});

export const offerAcceptedV1 = z.object({ taskId: id, offerId: id, coordinatorId: id, acceptedAt: isoUtc });
export const offerDeclinedV1 = z.object({
  taskId: id,
  offerId: id,
  coordinatorId: id,
  reason: note,
  declinedAt: isoUtc,
});
export const offerExpiredV1 = z.object({ taskId: id, offerId: id, coordinatorId: id, expiredAt: isoUtc });
export const offerWithdrawnV1 = z.object({
  taskId: id,
  offerId: id,
  coordinatorId: id,
  /** The coordinator's reservation ended before an answer (they went away or offline). */
  reason: z.literal('coordinator_unavailable'),
  withdrawnAt: isoUtc,
});
export const taskClaimedV1 = z.object({ taskId: id, coordinatorId: id, claimedAt: isoUtc });

export const callbackAttemptRecordedV1 = z.object({
  taskId: id,
  attemptId: id,
  attemptNumber: z.number().int().positive(),
  coordinatorId: id,
  outcome: attemptOutcomeSchema,
  /** The caller was reached (outcome `reached_*`). */
  successful: z.boolean(),
  /** When the next attempt is due (failed, retryable outcomes only); computed by the caller. */
  nextAttemptAt: isoUtc.nullable(),
  note,
  attemptedAt: isoUtc,
});

export const taskRequeuedV1 = z.object({
  taskId: id,
  /** The coordinator whose failed attempt sent the task back to the queue. */
  previousAssigneeId: id,
  reason: z.literal('retry_scheduled'),
  /** Routing offers the task again from this time (the failed attempt's nextAttemptAt). */
  availableAt: isoUtc,
  requeuedAt: isoUtc,
});

export const repeatCallerFlaggedV1 = z.object({
  taskId: id,
  /** An open task of the same caller number at another location of the health system. */
  otherTaskId: id,
  otherLocationId: id,
  flaggedAt: isoUtc,
});

export const taskEscalatedV1 = z.object({
  taskId: id,
  role: handoffRoleSchema,
  escalatedBy: id,
  reason: note,
  escalatedAt: isoUtc,
});

export const clinicalHandoffAcceptedV1 = z.object({
  taskId: id,
  role: handoffRoleSchema,
  acceptedBy: id,
  acceptedAt: isoUtc,
});

export const taskResolvedV1 = z.object({
  taskId: id,
  resolvedBy: id,
  resolution: taskResolutionSchema,
  note,
  resolvedAt: isoUtc,
});

export const taskMarkedUnreachableV1 = z.object({
  taskId: id,
  markedBy: id,
  followUpChannel: followUpChannelSchema,
  attemptCount: z.number().int().positive(),
  note,
  markedAt: isoUtc,
});

export const taskReopenedV1 = z.object({
  taskId: id,
  reopenedBy: id,
  reason: z.string().min(1).max(2000),
  previousStatus: z.enum(['resolved', 'unreachable']),
  reopenCount: z.number().int().positive(),
  reopenedAt: isoUtc,
});

export const slaStoppedV1 = z.object({
  taskId: id,
  tier: taskTierSchema,
  /** Tier 1 stops at accepted clinical handoff; Tiers 2 and 3 at first successful contact. */
  reason: z.enum(['clinical_handoff_accepted', 'first_contact']),
  startedAt: isoUtc,
  dueAt: isoUtc,
  stoppedAt: isoUtc,
  /** stoppedAt <= dueAt. */
  met: z.boolean(),
});

export type TaskOpenedV1 = z.infer<typeof taskOpenedV1>;
export type CallJoinedTaskV1 = z.infer<typeof callJoinedTaskV1>;
export type TaskOfferedV1 = z.infer<typeof taskOfferedV1>;
export type OfferAcceptedV1 = z.infer<typeof offerAcceptedV1>;
export type OfferDeclinedV1 = z.infer<typeof offerDeclinedV1>;
export type OfferExpiredV1 = z.infer<typeof offerExpiredV1>;
export type OfferWithdrawnV1 = z.infer<typeof offerWithdrawnV1>;
export type TaskClaimedV1 = z.infer<typeof taskClaimedV1>;
export type CallbackAttemptRecordedV1 = z.infer<typeof callbackAttemptRecordedV1>;
export type TaskRequeuedV1 = z.infer<typeof taskRequeuedV1>;
export type RepeatCallerFlaggedV1 = z.infer<typeof repeatCallerFlaggedV1>;
export type TaskEscalatedV1 = z.infer<typeof taskEscalatedV1>;
export type ClinicalHandoffAcceptedV1 = z.infer<typeof clinicalHandoffAcceptedV1>;
export type TaskResolvedV1 = z.infer<typeof taskResolvedV1>;
export type TaskMarkedUnreachableV1 = z.infer<typeof taskMarkedUnreachableV1>;
export type TaskReopenedV1 = z.infer<typeof taskReopenedV1>;
export type SlaStoppedV1 = z.infer<typeof slaStoppedV1>;

/** Latest payload schema per task event type. */
export const taskEventSchemas = {
  TaskOpened: taskOpenedV1,
  CallJoinedTask: callJoinedTaskV1,
  TaskOffered: taskOfferedV1,
  OfferAccepted: offerAcceptedV1,
  OfferDeclined: offerDeclinedV1,
  OfferExpired: offerExpiredV1,
  OfferWithdrawn: offerWithdrawnV1,
  TaskClaimed: taskClaimedV1,
  CallbackAttemptRecorded: callbackAttemptRecordedV1,
  TaskRequeued: taskRequeuedV1,
  RepeatCallerFlagged: repeatCallerFlaggedV1,
  TaskEscalated: taskEscalatedV1,
  ClinicalHandoffAccepted: clinicalHandoffAcceptedV1,
  TaskResolved: taskResolvedV1,
  TaskMarkedUnreachable: taskMarkedUnreachableV1,
  TaskReopened: taskReopenedV1,
  SlaStopped: slaStoppedV1,
} as const;

export type TaskEventType = keyof typeof taskEventSchemas;
/** `{ type, data }` pairs as deciders emit them. */
export type TaskEventPayload = {
  [K in TaskEventType]: { type: K; data: z.infer<(typeof taskEventSchemas)[K]> };
}[TaskEventType];

const summaries: Record<TaskEventType, string> = {
  TaskOpened:
    'A callback task was opened for a missed call, voicemail or callback request, with its triage and SLA clock',
  CallJoinedTask: 'A repeat call from the same number joined the open task (callCount grows)',
  TaskOffered: 'The task was offered to a coordinator until expiresAt',
  OfferAccepted: 'The coordinator accepted the offer; the task is assigned to them',
  OfferDeclined: 'The coordinator declined the offer; the task is open again',
  OfferExpired: 'The offer lapsed unanswered; the task is open again',
  OfferWithdrawn: 'The offered coordinator became unavailable before answering; the task is open again',
  TaskClaimed: 'A coordinator took the task from the queue',
  CallbackAttemptRecorded: 'A callback attempt and its outcome',
  RepeatCallerFlagged:
    'The caller also has an open task at another location of the health system: linked, not merged',
  TaskRequeued:
    'A failed attempt with a retry sent the task back to the queue; routing offers it again from availableAt',
  TaskEscalated: 'The task was escalated to a clinical or crisis role',
  ClinicalHandoffAccepted: 'Licensed staff accepted the clinical handoff',
  TaskResolved: 'The task was completed',
  TaskMarkedUnreachable: 'The caller could not be reached; follow-up by SMS or letter',
  TaskReopened: 'A closed task was reopened for rework',
  SlaStopped:
    'The SLA stop rule was met (Tier 1: accepted clinical handoff; others: first successful contact)',
};

/** The caller's number, name and words, and coordinators' notes (which may repeat them). */
const phi: Partial<Record<TaskEventType, PhiSpec>> = {
  TaskOpened: {
    subject: ['callerPhone'],
    fields: { callerPhone: 'contact', callerName: 'contact', transcript: 'content' },
  },
  CallJoinedTask: { fields: { transcript: 'content' } },
  OfferDeclined: { fields: { reason: 'content' } },
  CallbackAttemptRecorded: { fields: { note: 'content' } },
  TaskEscalated: { fields: { reason: 'content' } },
  TaskResolved: { fields: { note: 'content' } },
  TaskMarkedUnreachable: { fields: { note: 'content' } },
  TaskReopened: { fields: { reason: 'content' } },
};

export const taskEventDefinitions: EventDefinition[] = (Object.keys(taskEventSchemas) as TaskEventType[]).map(
  (type) => ({
    type,
    category: 'task',
    summary: summaries[type],
    producer: 'triage',
    ...(phi[type] ? { phi: phi[type] } : {}),
    versions: [{ version: 1, schema: taskEventSchemas[type] }],
  }),
);
