import { HANDOFF_ROLES, type AttemptOutcome, type TaskResolution } from '@ringback/triage-domain';
import { z } from 'zod';
import { taskViewSchema } from './tasks.views';

export const ATTEMPT_OUTCOMES = [
  'reached_booked',
  'reached_resolved',
  'reached_escalated',
  'no_answer',
  'voicemail_left',
  'voicemail_full',
  'wrong_number',
  'busy',
] as const satisfies readonly AttemptOutcome[];
export const TASK_RESOLUTIONS = [
  'booked',
  'resolved',
  'handled_clinically',
  'duplicate',
  'handled_elsewhere',
] as const satisfies readonly TaskResolution[];

const text = z.string().trim().min(1).max(2000);
/** Bodyless actions accept no body, `{}`, or nothing but the documented fields. */
const orEmpty = <S extends z.ZodType>(schema: S) => z.preprocess((v) => v ?? {}, schema);

export const claimBodySchema = orEmpty(z.strictObject({}));
export const recordAttemptBodySchema = z.strictObject({
  outcome: z.enum(ATTEMPT_OUTCOMES),
  notes: text.optional(),
  followUp: z
    .enum(['sms', 'letter'])
    .optional()
    .describe('Follow-up recorded when this failure exhausts the retry policy (default sms)'),
});
export const acceptOfferBodySchema = z.strictObject({ offerId: z.string().min(1).max(200) });
export const declineOfferBodySchema = z.strictObject({
  offerId: z.string().min(1).max(200),
  reason: text.optional(),
});
export const escalateBodySchema = z.strictObject({
  role: z.enum(HANDOFF_ROLES),
  reason: text,
});
export const acceptHandoffBodySchema = orEmpty(
  z.strictObject({
    role: z.enum(HANDOFF_ROLES).optional().describe('When given, must be the role the task was escalated to'),
  }),
);
export const resolveBodySchema = z.strictObject({
  resolution: z.enum(TASK_RESOLUTIONS),
  note: text.optional(),
});
export const unreachableBodySchema = z.strictObject({
  followUp: z.enum(['sms', 'letter']),
  note: text.optional(),
});
export const reopenBodySchema = z.strictObject({ reason: text });

export const attemptResultSchema = taskViewSchema.extend({
  attemptNumber: z.number().int().positive().describe('Number of the attempt just recorded'),
  nextAttemptAt: z
    .string()
    .nullable()
    .describe('When to call again (retry policy); null for a successful or non-retryable outcome'),
  retriesExhausted: z
    .boolean()
    .describe('True after the 3rd failed attempt (or a wrong number): mark the task unreachable'),
});
