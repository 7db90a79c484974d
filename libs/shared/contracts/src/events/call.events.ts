import { z } from 'zod';
import type { EventDefinition } from '../registry';

const isoUtc = z.iso.datetime({ offset: false });
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164 number');

export const CALL_INTENTS = [
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
export type CallIntent = (typeof CALL_INTENTS)[number];

export const CONTACT_CHANNELS = ['missed_call', 'voicemail', 'callback_request'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

/** A patient's attempt to reach a clinic that nobody answered, with what we know about it. */
export const inboundContactRecordedV1 = z.object({
  providerCallId: z.string().min(1),
  channel: z.enum(CONTACT_CHANNELS),
  taskId: z.string().min(1),
  /** True when a task for this caller at this location was already open and the call joined it. */
  joinedOpenTask: z.boolean(),
  /** Calls in the task so far, this one included. */
  callCount: z.number().int().positive(),
  locationId: z.string().min(1),
  from: e164,
  callerName: z.string().min(1).nullable(),
  intent: z.enum(CALL_INTENTS).nullable(),
  transcript: z.string().nullable(),
  preferredWindow: z.object({ start: isoUtc, end: isoUtc }).nullable(),
  language: z.string().min(2).nullable(),
  notes: z.string().nullable(),
});

export const answeredCallRecordedV1 = z.object({
  providerCallId: z.string().min(1),
  locationId: z.string().min(1),
  from: e164,
  durationSeconds: z.number().int().nonnegative().nullable(),
});

export const callerLineTaskClosedV1 = z.object({
  taskId: z.string().min(1),
  reason: z.enum(['resolved', 'unreachable']),
});

export type InboundContactRecorded = z.infer<typeof inboundContactRecordedV1>;
export type AnsweredCallRecorded = z.infer<typeof answeredCallRecordedV1>;
export type CallerLineTaskClosed = z.infer<typeof callerLineTaskClosedV1>;

/** Events of `call-<locationId>.<number>` streams: one stream per caller line, so one caller's calls stay ordered. */
export const callEventDefinitions: EventDefinition[] = [
  {
    type: 'InboundContactRecorded',
    category: 'call',
    producer: 'call-ingest',
    summary: 'A missed call, voicemail or callback request was captured and bound to a task.',
    phi: {
      subject: ['from'],
      fields: { from: 'contact', callerName: 'contact', transcript: 'content', notes: 'content' },
    },
    versions: [{ version: 1, schema: inboundContactRecordedV1 }],
  },
  {
    type: 'AnsweredCallRecorded',
    category: 'call',
    producer: 'call-ingest',
    summary: 'A call was answered live (denominator of the missed-call rate).',
    phi: { subject: ['from'], fields: { from: 'contact' } },
    versions: [{ version: 1, schema: answeredCallRecordedV1 }],
  },
  {
    type: 'CallerLineTaskClosed',
    category: 'call',
    producer: 'call-ingest',
    summary: "The caller's open task closed; the next call from this number opens a new task.",
    versions: [{ version: 1, schema: callerLineTaskClosedV1 }],
  },
];
