import { locationIdSchema } from '@ringback/call-ingest-domain';
import { CALL_INTENTS } from '@ringback/contracts';
import { z } from 'zod';

/**
 * Request bodies of the signed call webhooks (contract "Calls (signed webhook)"). Only
 * `providerCallId`, `locationId`, `from` and `occurredAt` are required; optional fields may be
 * omitted or null. Times must carry an offset (`Z` or `±hh:mm`) and come out as UTC `Z`. Unknown
 * fields are ignored (providers add fields; a webhook should not fail on them).
 *
 * `from` is checked here only for its shape; whether it is a possible number is decided against the
 * location's country once the location is known (400 on field `from`).
 */

/** ISO-8601 with an offset, normalised to UTC `...Z`. */
export const offsetDateTime = z.iso
  .datetime({
    offset: true,
    message: 'expected an ISO-8601 date-time with an offset, e.g. 2026-11-23T11:50:00-07:00',
  })
  .transform((s) => new Date(s).toISOString());

const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

export const providerCallIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe("The telephony provider's id of the call (Twilio CallSid); the idempotency key");

export const callerNumberSchema = z
  .string()
  .trim()
  .min(1, { abort: true })
  .max(40, { abort: true })
  .refine((s) => /^\+?[\d\s().\-/]+$/.test(s) && s.replace(/\D/g, '').length >= 3, 'expected a phone number')
  .describe('Caller number as the provider gives it; normalised to E.164 in the country of the location');

export const preferredWindowSchema = z
  .object({ start: offsetDateTime, end: offsetDateTime })
  .refine((w) => Date.parse(w.end) > Date.parse(w.start), {
    message: 'end must be after start',
    path: ['end'],
  })
  .describe('When the caller prefers to be called back');

export const languageSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a BCP 47 language tag such as es or pt-BR')
  .max(35);

const callBase = {
  providerCallId: providerCallIdSchema,
  locationId: locationIdSchema,
  from: callerNumberSchema,
  occurredAt: offsetDateTime.describe('When the call happened (event time), with offset'),
};

const contactFields = {
  ...callBase,
  callerName: optional(z.string().trim().min(1).max(200)),
  intent: optional(z.enum(CALL_INTENTS)),
  transcript: optional(z.string().max(20_000)),
  preferredWindow: optional(preferredWindowSchema),
  language: optional(languageSchema),
  notes: optional(z.string().max(2_000)),
};

/** `POST /api/v1/calls/missed`. */
export const missedCallRequestSchema = z.object(contactFields);

/** `POST /api/v1/calls/voicemail`: like a missed call; `transcript` is expected (null when transcription failed). */
export const voicemailRequestSchema = z.object({
  ...contactFields,
  transcript: optional(z.string().max(20_000)).describe(
    'Transcript of the message; expected, null when the provider could not transcribe it',
  ),
});

/** `POST /api/v1/calls/callback-requests`: a caller asked to be called back (IVR option or web form). */
export const callbackRequestRequestSchema = z.object({
  ...contactFields,
  source: z
    .enum(['ivr', 'web'])
    .describe('Where the request came from: the IVR callback option or a web form'),
});

/** `POST /api/v1/calls/answered`: a call answered live, for the missed-call rate. */
export const answeredCallRequestSchema = z.object({
  ...callBase,
  durationSeconds: optional(z.number().int().nonnegative().max(86_400)),
});

export type MissedCallRequest = z.output<typeof missedCallRequestSchema>;
export type VoicemailRequest = z.output<typeof voicemailRequestSchema>;
export type CallbackRequestRequest = z.output<typeof callbackRequestRequestSchema>;
export type AnsweredCallRequest = z.output<typeof answeredCallRequestSchema>;

/** 202 answer of the contact webhooks. */
export const contactAcceptedSchema = z.object({
  taskId: z
    .string()
    .describe('The task this contact opened or joined; the same for a retried providerCallId'),
});
/** 202 answer of the answered-call webhook. */
export const answeredAcceptedSchema = z.object({ recorded: z.literal(true) });

/** Query of the Twilio status callback. */
export const twilioStatusQuerySchema = z.object({ locationId: locationIdSchema });
