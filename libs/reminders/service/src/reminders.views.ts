import { MESSAGE_KINDS, e164Schema } from '@ringback/contracts';
import { z } from 'zod';
import { MESSAGE_STATES, type FollowUpDoc, type MessageDoc } from './reminders.projection';

const locationId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/);
const anId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._-]+$/);

export const inboundSmsBodySchema = z.strictObject({
  providerMessageId: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._:-]+$/),
  from: e164Schema,
  body: z.string().max(1600),
  receivedAt: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v).toISOString())
    .optional(),
});
export const inboundResultSchema = z.object({ inboundId: z.string(), intent: z.string() });
export const twilioStatusQuerySchema = z.strictObject({ messageId: anId });

export const outboxQuerySchema = z.strictObject({
  locationId: locationId.optional(),
  state: z.enum(MESSAGE_STATES).optional(),
  kind: z.enum(MESSAGE_KINDS).optional(),
  subjectId: anId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const outboxItemSchema = z.object({
  messageId: z.string(),
  state: z.enum(MESSAGE_STATES),
  kind: z.enum(MESSAGE_KINDS),
  subjectId: z.string().describe('The appointment, waitlist offer or inbound message it is about'),
  locationId: z.string(),
  channel: z.enum(['sms', 'voice', 'email']),
  to: z.string(),
  language: z.string(),
  body: z.string(),
  sendAt: z.string(),
  sentAt: z.string().nullable(),
  provider: z.string().nullable(),
  delivery: z.string().nullable(),
  suppressedReason: z.string().nullable(),
  failure: z.object({ kind: z.string(), error: z.string() }).nullable(),
});
export const outboxListSchema = z.object({ items: z.array(outboxItemSchema) });

export const outboxItem = (m: MessageDoc): z.output<typeof outboxItemSchema> => ({
  messageId: m.messageId,
  state: m.state,
  kind: m.kind,
  subjectId: m.subjectId,
  locationId: m.locationId,
  channel: m.channel,
  to: m.to,
  language: m.language,
  body: m.body,
  sendAt: m.sendAt,
  sentAt: m.sentAt,
  provider: m.provider,
  delivery: m.delivery,
  suppressedReason: m.suppressedReason,
  failure: m.failure,
});

export const followUpQuerySchema = z.strictObject({
  state: z.enum(['open', 'done']).optional(),
  locationId: locationId.optional(),
});
export const followUpParamsSchema = z.object({ followUpId: anId });
export const completeFollowUpBodySchema = z.preprocess(
  (v) => v ?? {},
  z.strictObject({ note: z.string().trim().min(1).max(500).optional() }),
);
export const followUpViewSchema = z.object({
  followUpId: z.string(),
  appointmentId: z.string(),
  locationId: z.string(),
  reason: z.enum(['no_reply', 'high_risk_outreach', 'reschedule_requested']),
  state: z.enum(['open', 'done']),
  dueAt: z.string(),
  requestedAt: z.string(),
  completedBy: z.string().nullable(),
  completedAt: z.string().nullable(),
  note: z.string().nullable(),
});
export const followUpListSchema = z.object({ items: z.array(followUpViewSchema) });
export const followUpView = (f: FollowUpDoc): z.output<typeof followUpViewSchema> => ({
  followUpId: f.followUpId,
  appointmentId: f.appointmentId,
  locationId: f.locationId,
  reason: f.reason,
  state: f.state,
  dueAt: f.dueAt,
  requestedAt: f.requestedAt,
  completedBy: f.completedBy,
  completedAt: f.completedAt,
  note: f.note,
});
