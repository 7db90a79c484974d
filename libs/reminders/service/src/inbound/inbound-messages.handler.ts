import { Inject, Injectable } from '@nestjs/common';
import {
  contactPreferenceStreamId,
  inboundMessageStreamId,
  messageStreamId,
  reminderStreamId,
  type PatientRepliedV1,
} from '@ringback/contracts';
import { CLOCK, DomainError, deterministicUuidV7, toIso, type Clock } from '@ringback/kernel';
import { StreamCommands } from '@ringback/nest-platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import {
  classifyReply,
  contactPreferenceDecider,
  inboundMessageDecider,
  outboundMessageDecider,
  phoneKeyOf,
  renderMessage,
  reminderSequenceDecider,
  type ReplyIntent,
} from '@ringback/reminders-domain';
import {
  CONVERSATIONS_COLLECTION,
  REMINDER_LOCATIONS_COLLECTION,
  remindersProjection,
  type ConversationDoc,
  type ReminderLocationDoc,
} from '../reminders.projection';

export interface InboundSms {
  provider: 'ringback' | 'twilio';
  providerMessageId: string;
  from: string;
  body: string;
  receivedAt: string;
}

/**
 * Two-way SMS: records a patient's message once (by the provider's id), reads it against the
 * number's latest conversation (an appointment or a waitlist offer), and acts: STOP opts the number
 * out of every later message (and confirms it), START opts it in, HELP answers, 1 confirms the
 * appointment, 3 asks the front desk to reschedule. Cancellations and answers to waitlist offers are
 * scheduling's to act on (it follows PatientReplied). Redelivered webhooks change nothing.
 */
@Injectable()
export class InboundMessagesHandler {
  constructor(
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async receive(sms: InboundSms, correlationId: string): Promise<{ inboundId: string; intent: ReplyIntent }> {
    const inboundId = deterministicUuidV7(
      Date.parse(sms.receivedAt),
      'inbound',
      sms.provider,
      sms.providerMessageId,
    );
    const streamId = inboundMessageStreamId(inboundId);
    const phoneKey = phoneKeyOf(sms.from);
    const conversation = await this.readModels.get<ConversationDoc>(CONVERSATIONS_COLLECTION, phoneKey);
    const locationId = conversation?.locationId ?? null;
    const ctx = { correlationId, locationId };
    await this.commands.run(
      inboundMessageDecider,
      streamId,
      {
        type: 'ReceiveInbound',
        data: {
          inboundId,
          provider: sms.provider,
          providerMessageId: sms.providerMessageId,
          from: sms.from,
          body: sms.body,
          at: sms.receivedAt,
        },
      },
      ctx,
    );
    const already = await this.commands.load(inboundMessageDecider, streamId);
    if (already.status === 'interpreted') return { inboundId, intent: already.reply.intent };

    const optedOut = (await this.commands.load(contactPreferenceDecider, contactPreferenceStreamId(phoneKey)))
      .optedOut;
    const intent = classifyReply(sms.body, conversation?.context?.kind ?? null, optedOut);
    const at = toIso(this.clock.now());
    const context = (conversation?.context ?? null) as PatientRepliedV1['context'];
    await this.commands.run(
      inboundMessageDecider,
      streamId,
      { type: 'InterpretReply', data: { inboundId, intent, context, phoneKey, at } },
      ctx,
      remindersProjection.id,
    );

    const keyword = sms.body.trim().split(/\s+/)[0]?.toUpperCase().slice(0, 20) ?? '';
    switch (intent) {
      case 'stop':
        await this.commands.run(
          contactPreferenceDecider,
          contactPreferenceStreamId(phoneKey),
          { type: 'OptOut', data: { phoneKey, keyword, at } },
          ctx,
          remindersProjection.id,
        );
        await this.reply(inboundId, 'opt_out', sms.from, conversation, at, ctx);
        break;
      case 'start':
        await this.commands.run(
          contactPreferenceDecider,
          contactPreferenceStreamId(phoneKey),
          { type: 'OptIn', data: { phoneKey, keyword, at } },
          ctx,
          remindersProjection.id,
        );
        break;
      case 'help':
        await this.reply(inboundId, 'help', sms.from, conversation, at, ctx);
        break;
      case 'confirm':
        if (context?.kind === 'appointment')
          await this.quietly(() =>
            this.commands.run(
              reminderSequenceDecider,
              reminderStreamId(context.appointmentId),
              {
                type: 'RecordPatientConfirmation',
                data: { appointmentId: context.appointmentId, bookingId: context.bookingId, inboundId, at },
              },
              ctx,
              remindersProjection.id,
            ),
          );
        break;
      case 'reschedule':
        if (context?.kind === 'appointment') {
          const seq = await this.commands.load(
            reminderSequenceDecider,
            reminderStreamId(context.appointmentId),
          );
          const start = seq.current?.plan.start;
          await this.commands.run(
            reminderSequenceDecider,
            reminderStreamId(context.appointmentId),
            {
              type: 'RequestFollowUp',
              data: {
                appointmentId: context.appointmentId,
                bookingId: context.bookingId,
                followUpId: deterministicUuidV7(Date.parse(sms.receivedAt), 'follow-up', inboundId),
                locationId: context.locationId,
                reason: 'reschedule_requested',
                dueAt: toIso(
                  Math.min(this.clock.now() + 2 * 3_600_000, start ? Date.parse(start) : Infinity),
                ),
                at,
              },
            },
            ctx,
            remindersProjection.id,
          );
        }
        break;
      default:
        break; // cancel and offer answers: scheduling acts; unknown: kept for the front desk to read
    }
    return { inboundId, intent };
  }

  private async reply(
    inboundId: string,
    kind: 'help' | 'opt_out',
    to: string,
    conversation: ConversationDoc | null,
    at: string,
    ctx: { correlationId: string; locationId: string | null },
  ): Promise<void> {
    if (!conversation?.locationId) return; // a number we never wrote to: nothing to say
    const location = await this.readModels.get<ReminderLocationDoc>(
      REMINDER_LOCATIONS_COLLECTION,
      conversation.locationId,
    );
    if (!location) return;
    const messageId = deterministicUuidV7(Date.parse(at), 'message', 'reply', inboundId, kind);
    const { templateId, body } = renderMessage(kind, conversation.language, {
      clinicName: location.name,
      start: at,
      timezone: location.timezone,
    });
    // An answer to the patient's own message goes at once, quiet hours or not: the patient wrote.
    const sendAt = at;
    await this.commands.run(
      outboundMessageDecider,
      messageStreamId(messageId),
      {
        type: 'QueueMessage',
        data: {
          messageId,
          purpose: { kind: 'reply', inboundId },
          kind,
          locationId: location.id,
          channel: 'sms',
          to,
          language: conversation.language,
          templateId,
          body,
          sendAt,
          at,
        },
      },
      ctx,
      remindersProjection.id,
    );
  }

  private async quietly(f: () => Promise<unknown>): Promise<void> {
    try {
      await f();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error; // the appointment moved on: nothing to confirm
    }
  }
}
