import { z } from 'zod';
import type { PhiSpec } from '../phi';
import type { EventDefinition } from '../registry';
import { e164Schema } from './task.events';
import { messageChannelSchema } from './scheduling.events';

/**
 * Reminders and patient messaging, produced by the reminders service:
 * - `reminder-<appointmentId>`: an appointment's message sequence (planned per booking, so a
 *   reschedule plans again), the patient's confirmation, follow-up and outreach tasks;
 * - `message-<messageId>`: one outbound message, the outbox record: queued, sent once through the
 *   channel (or suppressed), then its delivery status. Message ids derive from their purpose, so a
 *   message is queued once however often its cause is redelivered;
 * - `inbound_message-<inboundId>`: an SMS from a patient and what it meant (confirm, cancel,
 *   reschedule, yes or no to a waitlist offer, STOP, HELP);
 * - `contact_preference-<phoneKey>`: opt-out (STOP) and opt-in (START) of a number; `phoneKey` is a
 *   hash of the E.164 number, so the stream id carries no phone number.
 * Message bodies, numbers and addresses are PHI. Times are UTC ISO-8601 with `Z`.
 */

export const REMINDER_CATEGORY = 'reminder';
export const MESSAGE_CATEGORY = 'message';
export const INBOUND_MESSAGE_CATEGORY = 'inbound_message';
export const CONTACT_PREFERENCE_CATEGORY = 'contact_preference';
export const reminderStreamId = (appointmentId: string): string => `${REMINDER_CATEGORY}-${appointmentId}`;
export const messageStreamId = (messageId: string): string => `${MESSAGE_CATEGORY}-${messageId}`;
export const inboundMessageStreamId = (id: string): string => `${INBOUND_MESSAGE_CATEGORY}-${id}`;
export const contactPreferenceStreamId = (phoneKey: string): string =>
  `${CONTACT_PREFERENCE_CATEGORY}-${phoneKey}`;

const isoUtc = z.iso.datetime({ offset: false });
const id = z.string().min(1).max(200);

export const MESSAGE_KINDS = [
  'confirmation',
  'reminder_48h',
  'reminder_24h',
  'same_day',
  'cancellation',
  'waitlist_offer',
  'waitlist_filled',
  'help',
  'opt_out',
] as const;
export const messageKindSchema = z.enum(MESSAGE_KINDS);
export const REPLY_INTENTS = [
  'confirm',
  'cancel',
  'reschedule',
  'accept_offer',
  'decline_offer',
  'stop',
  'start',
  'help',
  'unknown',
] as const;
export const replyIntentSchema = z.enum(REPLY_INTENTS);

/** What a message is about. */
export const messagePurposeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('appointment'), appointmentId: id, bookingId: id }),
  z.object({ kind: z.literal('waitlist_offer'), offerId: id, entryId: id }),
  z.object({ kind: z.literal('reply'), inboundId: id }),
]);
export type MessagePurpose = z.infer<typeof messagePurposeSchema>;

export const reminderSequencePlannedV1 = z.object({
  appointmentId: id,
  bookingId: id,
  locationId: id,
  start: isoUtc,
  channel: messageChannelSchema,
  language: z.string().min(2).max(3),
  messages: z.array(z.object({ messageId: id, kind: messageKindSchema, sendAt: isoUtc })),
  /** High-risk patient (prior no-shows): a coordinator reaches out instead of the 48 h reminder. */
  outreachAt: isoUtc.nullable(),
  /** An unanswered 24 h reminder becomes a front-desk follow-up then. */
  followUpAt: isoUtc.nullable(),
  plannedAt: isoUtc,
});

export const reminderSequenceStoppedV1 = z.object({
  appointmentId: id,
  bookingId: id,
  reason: z.enum(['cancelled', 'rescheduled', 'attended', 'opted_out']),
  stoppedAt: isoUtc,
});

export const appointmentConfirmedByPatientV1 = z.object({
  appointmentId: id,
  bookingId: id,
  inboundId: id,
  confirmedAt: isoUtc,
});

export const followUpRequestedV1 = z.object({
  appointmentId: id,
  bookingId: id,
  followUpId: id,
  locationId: id,
  reason: z.enum(['no_reply', 'high_risk_outreach', 'reschedule_requested']),
  /** When the front desk (or a coordinator) should have acted. */
  dueAt: isoUtc,
  requestedAt: isoUtc,
});

export const followUpCompletedV1 = z.object({
  appointmentId: id,
  followUpId: id,
  completedBy: id,
  note: z.string().max(500).nullable(),
  completedAt: isoUtc,
});

export const messageQueuedV1 = z.object({
  messageId: id,
  purpose: messagePurposeSchema,
  kind: messageKindSchema,
  locationId: id,
  channel: messageChannelSchema,
  /** E.164 number (sms, voice) or email address. PHI. */
  to: z.string().min(3).max(254),
  language: z.string().min(2).max(3),
  templateId: id,
  /** The rendered text. PHI. */
  body: z.string().min(1).max(1600),
  sendAt: isoUtc,
  queuedAt: isoUtc,
});

export const messageDispatchStartedV1 = z.object({
  messageId: id,
  provider: z.enum(['outbox', 'twilio']),
  startedAt: isoUtc,
});

export const messageSentV1 = z.object({
  messageId: id,
  provider: z.enum(['outbox', 'twilio']),
  providerMessageId: id,
  sentAt: isoUtc,
});

export const messageSuppressedV1 = z.object({
  messageId: id,
  reason: z.enum(['opted_out', 'superseded', 'appointment_cancelled', 'too_late', 'no_contact']),
  suppressedAt: isoUtc,
});

export const messageSendFailedV1 = z.object({
  messageId: id,
  error: z.string().max(500),
  /**
   * `outcome_unknown`: the provider may have sent it (a dispatch that stopped half-way). It is never
   * sent again, so a patient never gets a reminder twice; its status callback may still report it.
   */
  kind: z.enum(['rejected', 'outcome_unknown']),
  failedAt: isoUtc,
});

export const messageDeliveryUpdatedV1 = z.object({
  messageId: id,
  status: z.enum(['queued', 'sent', 'delivered', 'undelivered', 'failed']),
  providerMessageId: id,
  updatedAt: isoUtc,
});

export const inboundMessageReceivedV1 = z.object({
  inboundId: id,
  provider: z.enum(['ringback', 'twilio']),
  providerMessageId: id,
  from: e164Schema,
  /** The patient's words. PHI. */
  body: z.string().max(1600),
  receivedAt: isoUtc,
});

export const patientRepliedV1 = z.object({
  inboundId: id,
  intent: replyIntentSchema,
  /** The conversation the reply answers: the patient's latest appointment or waitlist offer message. */
  context: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('appointment'), appointmentId: id, bookingId: id, locationId: id }),
      z.object({ kind: z.literal('waitlist_offer'), offerId: id, entryId: id, locationId: id }),
    ])
    .nullable(),
  phoneKey: id,
  repliedAt: isoUtc,
});

export const contactOptedOutV1 = z.object({ phoneKey: id, keyword: z.string().max(20), optedOutAt: isoUtc });
export const contactOptedInV1 = z.object({ phoneKey: id, keyword: z.string().max(20), optedInAt: isoUtc });

export const reminderEventSchemas = {
  ReminderSequencePlanned: reminderSequencePlannedV1,
  ReminderSequenceStopped: reminderSequenceStoppedV1,
  AppointmentConfirmedByPatient: appointmentConfirmedByPatientV1,
  FollowUpRequested: followUpRequestedV1,
  FollowUpCompleted: followUpCompletedV1,
  MessageQueued: messageQueuedV1,
  MessageDispatchStarted: messageDispatchStartedV1,
  MessageSent: messageSentV1,
  MessageSuppressed: messageSuppressedV1,
  MessageSendFailed: messageSendFailedV1,
  MessageDeliveryUpdated: messageDeliveryUpdatedV1,
  InboundMessageReceived: inboundMessageReceivedV1,
  PatientReplied: patientRepliedV1,
  ContactOptedOut: contactOptedOutV1,
  ContactOptedIn: contactOptedInV1,
} as const;

export type ReminderEventType = keyof typeof reminderEventSchemas;
export type ReminderSequencePlannedV1 = z.infer<typeof reminderSequencePlannedV1>;
export type ReminderSequenceStoppedV1 = z.infer<typeof reminderSequenceStoppedV1>;
export type AppointmentConfirmedByPatientV1 = z.infer<typeof appointmentConfirmedByPatientV1>;
export type FollowUpRequestedV1 = z.infer<typeof followUpRequestedV1>;
export type FollowUpCompletedV1 = z.infer<typeof followUpCompletedV1>;
export type MessageQueuedV1 = z.infer<typeof messageQueuedV1>;
export type MessageDispatchStartedV1 = z.infer<typeof messageDispatchStartedV1>;
export type MessageSentV1 = z.infer<typeof messageSentV1>;
export type MessageSuppressedV1 = z.infer<typeof messageSuppressedV1>;
export type MessageSendFailedV1 = z.infer<typeof messageSendFailedV1>;
export type MessageDeliveryUpdatedV1 = z.infer<typeof messageDeliveryUpdatedV1>;
export type InboundMessageReceivedV1 = z.infer<typeof inboundMessageReceivedV1>;
export type PatientRepliedV1 = z.infer<typeof patientRepliedV1>;
export type ContactOptedOutV1 = z.infer<typeof contactOptedOutV1>;
export type ContactOptedInV1 = z.infer<typeof contactOptedInV1>;

const categoryOf: Record<ReminderEventType, string> = {
  ReminderSequencePlanned: REMINDER_CATEGORY,
  ReminderSequenceStopped: REMINDER_CATEGORY,
  AppointmentConfirmedByPatient: REMINDER_CATEGORY,
  FollowUpRequested: REMINDER_CATEGORY,
  FollowUpCompleted: REMINDER_CATEGORY,
  MessageQueued: MESSAGE_CATEGORY,
  MessageDispatchStarted: MESSAGE_CATEGORY,
  MessageSent: MESSAGE_CATEGORY,
  MessageSuppressed: MESSAGE_CATEGORY,
  MessageSendFailed: MESSAGE_CATEGORY,
  MessageDeliveryUpdated: MESSAGE_CATEGORY,
  InboundMessageReceived: INBOUND_MESSAGE_CATEGORY,
  PatientReplied: INBOUND_MESSAGE_CATEGORY,
  ContactOptedOut: CONTACT_PREFERENCE_CATEGORY,
  ContactOptedIn: CONTACT_PREFERENCE_CATEGORY,
};

const summaries: Record<ReminderEventType, string> = {
  ReminderSequencePlanned:
    'The messages of a booking were planned: confirmation, 48 h and 24 h reminders, same-day instructions, in local time outside quiet hours',
  ReminderSequenceStopped:
    'The sequence of a booking stopped (cancelled, rescheduled, attended, or the patient opted out)',
  AppointmentConfirmedByPatient: 'The patient confirmed the appointment by SMS',
  FollowUpRequested:
    'A person should reach the patient: no reply to the 24 h reminder, a high-risk outreach, or a reschedule request',
  FollowUpCompleted: 'Someone handled the follow-up',
  MessageQueued:
    'A message to a patient was queued for its send time (its id derives from its purpose: queued once)',
  MessageDispatchStarted:
    'The sender took the message (the one dispatch; a half-way dispatch is never repeated)',
  MessageSent: 'The channel accepted the message (the embedded outbox, or Twilio)',
  MessageSuppressed:
    'The message was not sent: opted out, superseded, the appointment is cancelled, or it is too late',
  MessageSendFailed:
    'The channel refused the message, or a dispatch stopped half-way (outcome unknown: never sent again)',
  MessageDeliveryUpdated: 'The provider reported delivery status (Twilio status callback)',
  InboundMessageReceived: 'A patient sent an SMS (signed inbound webhook)',
  PatientReplied: 'What the SMS meant for the patient’s latest appointment or waitlist offer',
  ContactOptedOut: 'A number sent STOP: no further messages to it',
  ContactOptedIn: 'A number sent START again',
};

/** Numbers, addresses and texts of patient messages; a provider's error may quote the number. */
const phi: Partial<Record<ReminderEventType, PhiSpec>> = {
  MessageQueued: { subject: ['to'], fields: { to: 'contact', body: 'content' } },
  MessageSendFailed: { fields: { error: 'content' } },
  InboundMessageReceived: { subject: ['from'], fields: { from: 'contact', body: 'content' } },
  FollowUpCompleted: { fields: { note: 'content' } },
};

export const reminderEventDefinitions: EventDefinition[] = (
  Object.keys(reminderEventSchemas) as ReminderEventType[]
).map((type) => ({
  type,
  category: categoryOf[type],
  summary: summaries[type],
  producer: 'reminders',
  ...(phi[type] ? { phi: phi[type] } : {}),
  versions: [{ version: 1, schema: reminderEventSchemas[type] }],
}));
