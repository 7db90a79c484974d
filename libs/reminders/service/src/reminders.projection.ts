import {
  CONTACT_PREFERENCE_CATEGORY,
  LOCATION_CATEGORY,
  LOCATION_CONFIGURED,
  MESSAGE_CATEGORY,
  REMINDER_CATEGORY,
  type ContactOptedOutV1,
  type FollowUpCompletedV1,
  type FollowUpRequestedV1,
  type LocationConfiguredData,
  type MessageDeliveryUpdatedV1,
  type MessageDispatchStartedV1,
  type MessageQueuedV1,
  type MessageSendFailedV1,
  type MessageSentV1,
  type MessageSuppressedV1,
  type ReminderSequencePlannedV1,
  type ReminderSequenceStoppedV1,
  type AppointmentConfirmedByPatientV1,
  type ContactOptedInV1,
} from '@ringback/contracts';
import type { Projection, ReadModelDoc, ReadModelOp } from '@ringback/platform-core';
import { phoneKeyOf } from '@ringback/reminders-domain';

export const REMINDER_LOCATIONS_COLLECTION = 'reminders_locations';
export const MESSAGES_COLLECTION = 'reminders_messages';
export const SEQUENCES_COLLECTION = 'reminders_sequences';
export const CONVERSATIONS_COLLECTION = 'reminders_conversations';
export const FOLLOW_UPS_COLLECTION = 'reminders_follow_ups';

export type ReminderLocationDoc = {
  id: string;
  name: string;
  timezone: string;
  regionId: string;
  podId: string;
};

export const MESSAGE_STATES = ['queued', 'dispatching', 'sent', 'suppressed', 'failed'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** One outbound message as the outbox shows it. `to` and `body` are PHI. */
export type MessageDoc = {
  id: string;
  messageId: string;
  state: MessageState;
  kind: MessageQueuedV1['kind'];
  purpose: MessageQueuedV1['purpose'];
  /** The appointment or offer it is about (top level, for filters). */
  subjectId: string;
  locationId: string;
  channel: MessageQueuedV1['channel'];
  to: string;
  language: string;
  templateId: string;
  body: string;
  sendAt: string;
  sendAtMs: number;
  queuedAt: string;
  provider: MessageSentV1['provider'] | null;
  providerMessageId: string | null;
  dispatchStartedAtMs: number | null;
  sentAt: string | null;
  delivery: MessageDeliveryUpdatedV1['status'] | null;
  suppressedReason: MessageSuppressedV1['reason'] | null;
  failure: { kind: MessageSendFailedV1['kind']; error: string } | null;
};

export type SequenceDoc = {
  id: string;
  appointmentId: string;
  bookingId: string;
  locationId: string;
  start: string;
  active: boolean;
  confirmedAt: string | null;
  /** Epoch ms of the no-reply check (null once raised or when there is none). */
  followUpAtMs: number | null;
  outreachAtMs: number | null;
  plan: ReminderSequencePlannedV1;
};

/** What a patient's number is talking about: its latest appointment or waitlist-offer message. */
export type ConversationDoc = {
  id: string;
  phoneKey: string;
  optedOut: boolean;
  context:
    | { kind: 'appointment'; appointmentId: string; bookingId: string; locationId: string }
    | { kind: 'waitlist_offer'; offerId: string; entryId: string; locationId: string }
    | null;
  /** The location of the latest message, for replies without context (HELP, STOP). */
  locationId: string | null;
  language: string;
  updatedAt: string;
};

export type FollowUpDoc = {
  id: string;
  followUpId: string;
  appointmentId: string;
  bookingId: string;
  locationId: string;
  reason: FollowUpRequestedV1['reason'];
  state: 'open' | 'done';
  dueAt: string;
  dueAtMs: number;
  requestedAt: string;
  completedBy: string | null;
  completedAt: string | null;
  note: string | null;
};

/** The reminders read models: the outbox, sequences with their pending checks, conversations, follow-ups. */
export const remindersProjection: Projection = {
  id: 'reminders',
  version: 1,
  collections: [
    REMINDER_LOCATIONS_COLLECTION,
    MESSAGES_COLLECTION,
    SEQUENCES_COLLECTION,
    CONVERSATIONS_COLLECTION,
    FOLLOW_UPS_COLLECTION,
  ],
  categories: [LOCATION_CATEGORY, REMINDER_CATEGORY, MESSAGE_CATEGORY, CONTACT_PREFERENCE_CATEGORY],
  async handle(event, position, ctx) {
    const up = <T extends { id: string }>(collection: string, doc: T): ReadModelOp => ({
      kind: 'upsert',
      collection,
      doc: doc as unknown as ReadModelDoc,
      position,
    });
    const message = async (id: string) => ctx.get<MessageDoc>(MESSAGES_COLLECTION, id);
    const d = event.data as Record<string, unknown>;
    switch (event.type) {
      case LOCATION_CONFIGURED: {
        const l = event.data as LocationConfiguredData;
        return [
          up(REMINDER_LOCATIONS_COLLECTION, {
            id: l.locationId,
            name: l.name,
            timezone: l.timezone,
            regionId: l.regionId,
            podId: l.podId,
          }),
        ];
      }
      case 'MessageQueued': {
        const q = event.data as MessageQueuedV1;
        const doc: MessageDoc = {
          id: q.messageId,
          messageId: q.messageId,
          state: 'queued',
          kind: q.kind,
          purpose: q.purpose,
          subjectId:
            q.purpose.kind === 'appointment'
              ? q.purpose.appointmentId
              : q.purpose.kind === 'waitlist_offer'
                ? q.purpose.offerId
                : q.purpose.inboundId,
          locationId: q.locationId,
          channel: q.channel,
          to: q.to,
          language: q.language,
          templateId: q.templateId,
          body: q.body,
          sendAt: q.sendAt,
          sendAtMs: Date.parse(q.sendAt),
          queuedAt: q.queuedAt,
          provider: null,
          providerMessageId: null,
          dispatchStartedAtMs: null,
          sentAt: null,
          delivery: null,
          suppressedReason: null,
          failure: null,
        };
        const ops = [up(MESSAGES_COLLECTION, doc)];
        if (q.channel !== 'email' && q.purpose.kind !== 'reply') {
          const phoneKey = phoneKeyOf(q.to);
          const before = await ctx.get<ConversationDoc>(CONVERSATIONS_COLLECTION, phoneKey);
          const context: ConversationDoc['context'] =
            q.purpose.kind === 'appointment'
              ? {
                  kind: 'appointment',
                  appointmentId: q.purpose.appointmentId,
                  bookingId: q.purpose.bookingId,
                  locationId: q.locationId,
                }
              : {
                  kind: 'waitlist_offer',
                  offerId: q.purpose.offerId,
                  entryId: q.purpose.entryId,
                  locationId: q.locationId,
                };
          ops.push(
            up(CONVERSATIONS_COLLECTION, {
              id: phoneKey,
              phoneKey,
              optedOut: before?.optedOut ?? false,
              context,
              locationId: q.locationId,
              language: q.language,
              updatedAt: q.queuedAt,
            } satisfies ConversationDoc),
          );
        }
        return ops;
      }
      case 'MessageDispatchStarted': {
        const m = await message((d as MessageDispatchStartedV1).messageId);
        return m
          ? [
              up(MESSAGES_COLLECTION, {
                ...m,
                state: 'dispatching',
                provider: (d as MessageDispatchStartedV1).provider,
                dispatchStartedAtMs: Date.parse((d as MessageDispatchStartedV1).startedAt),
              }),
            ]
          : [];
      }
      case 'MessageSent': {
        const s = d as MessageSentV1;
        const m = await message(s.messageId);
        return m
          ? [
              up(MESSAGES_COLLECTION, {
                ...m,
                state: 'sent',
                provider: s.provider,
                providerMessageId: s.providerMessageId,
                sentAt: s.sentAt,
              }),
            ]
          : [];
      }
      case 'MessageSuppressed': {
        const s = d as MessageSuppressedV1;
        const m = await message(s.messageId);
        return m ? [up(MESSAGES_COLLECTION, { ...m, state: 'suppressed', suppressedReason: s.reason })] : [];
      }
      case 'MessageSendFailed': {
        const f = d as MessageSendFailedV1;
        const m = await message(f.messageId);
        return m
          ? [up(MESSAGES_COLLECTION, { ...m, state: 'failed', failure: { kind: f.kind, error: f.error } })]
          : [];
      }
      case 'MessageDeliveryUpdated': {
        const u = d as MessageDeliveryUpdatedV1;
        const m = await message(u.messageId);
        if (!m) return [];
        const state: MessageState = m.state === 'dispatching' ? 'sent' : m.state;
        return [
          up(MESSAGES_COLLECTION, {
            ...m,
            state,
            delivery: u.status,
            providerMessageId: m.providerMessageId ?? u.providerMessageId,
            sentAt: m.sentAt ?? u.updatedAt,
          }),
        ];
      }
      case 'ReminderSequencePlanned': {
        const p = event.data as ReminderSequencePlannedV1;
        const doc: SequenceDoc = {
          id: p.appointmentId,
          appointmentId: p.appointmentId,
          bookingId: p.bookingId,
          locationId: p.locationId,
          start: p.start,
          active: true,
          confirmedAt: null,
          followUpAtMs: p.followUpAt ? Date.parse(p.followUpAt) : null,
          outreachAtMs: p.outreachAt ? Date.parse(p.outreachAt) : null,
          plan: p,
        };
        return [up(SEQUENCES_COLLECTION, doc)];
      }
      case 'ReminderSequenceStopped': {
        const s = event.data as ReminderSequenceStoppedV1;
        const seq = await ctx.get<SequenceDoc>(SEQUENCES_COLLECTION, s.appointmentId);
        if (!seq || seq.bookingId !== s.bookingId) return [];
        return [up(SEQUENCES_COLLECTION, { ...seq, active: false, followUpAtMs: null, outreachAtMs: null })];
      }
      case 'AppointmentConfirmedByPatient': {
        const c = event.data as AppointmentConfirmedByPatientV1;
        const seq = await ctx.get<SequenceDoc>(SEQUENCES_COLLECTION, c.appointmentId);
        if (!seq || seq.bookingId !== c.bookingId) return [];
        return [up(SEQUENCES_COLLECTION, { ...seq, confirmedAt: c.confirmedAt, followUpAtMs: null })];
      }
      case 'FollowUpRequested': {
        const f = event.data as FollowUpRequestedV1;
        const seq = await ctx.get<SequenceDoc>(SEQUENCES_COLLECTION, f.appointmentId);
        const ops: ReadModelOp[] = [
          up(FOLLOW_UPS_COLLECTION, {
            id: f.followUpId,
            followUpId: f.followUpId,
            appointmentId: f.appointmentId,
            bookingId: f.bookingId,
            locationId: f.locationId,
            reason: f.reason,
            state: 'open',
            dueAt: f.dueAt,
            dueAtMs: Date.parse(f.dueAt),
            requestedAt: f.requestedAt,
            completedBy: null,
            completedAt: null,
            note: null,
          } satisfies FollowUpDoc),
        ];
        if (seq && seq.bookingId === f.bookingId) {
          if (f.reason === 'no_reply') ops.push(up(SEQUENCES_COLLECTION, { ...seq, followUpAtMs: null }));
          if (f.reason === 'high_risk_outreach')
            ops.push(up(SEQUENCES_COLLECTION, { ...seq, outreachAtMs: null }));
        }
        return ops;
      }
      case 'FollowUpCompleted': {
        const c = event.data as FollowUpCompletedV1;
        const f = await ctx.get<FollowUpDoc>(FOLLOW_UPS_COLLECTION, c.followUpId);
        return f
          ? [
              up(FOLLOW_UPS_COLLECTION, {
                ...f,
                state: 'done',
                completedBy: c.completedBy,
                completedAt: c.completedAt,
                note: c.note,
              }),
            ]
          : [];
      }
      case 'ContactOptedOut':
      case 'ContactOptedIn': {
        const phoneKey = (event.data as ContactOptedOutV1 | ContactOptedInV1).phoneKey;
        const before = await ctx.get<ConversationDoc>(CONVERSATIONS_COLLECTION, phoneKey);
        return [
          up(CONVERSATIONS_COLLECTION, {
            id: phoneKey,
            phoneKey,
            optedOut: event.type === 'ContactOptedOut',
            context: before?.context ?? null,
            locationId: before?.locationId ?? null,
            language: before?.language ?? 'en',
            updatedAt: event.recordedAt,
          } satisfies ConversationDoc),
        ];
      }
      default:
        return [];
    }
  },
};

export const remindersProjections: readonly Projection[] = [remindersProjection];
