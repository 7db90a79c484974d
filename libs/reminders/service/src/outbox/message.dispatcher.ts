import { Inject, Injectable, Optional } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import { messageStreamId, reminderStreamId } from '@ringback/contracts';
import { CLOCK, DomainError, deterministicUuidV7, toIso, type Clock } from '@ringback/kernel';
import { LOGGER, METRICS_REGISTRY, RINGBACK_CONFIG, StreamCommands } from '@ringback/nest-platform';
import { createCounter } from '@ringback/observability';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import {
  inQuietHours,
  outboundMessageDecider,
  phoneKeyOf,
  reminderSequenceDecider,
} from '@ringback/reminders-domain';
import type { Counter, Registry } from 'prom-client';
import { ChannelRejectedError, MESSAGE_CHANNEL, type MessageChannel } from '../channel/message-channel.port';
import {
  MESSAGES_COLLECTION,
  REMINDER_LOCATIONS_COLLECTION,
  SEQUENCES_COLLECTION,
  remindersProjection,
  type MessageDoc,
  type ReminderLocationDoc,
  type SequenceDoc,
} from '../reminders.projection';
import { RemindersStore } from '../reminders-store';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A dispatch older than this without an outcome stopped half-way (the process died). */
const STALE_DISPATCH_MS = 30_000;
/** Kinds sent even to opted-out numbers: the confirmation of the opt-out itself. */
const OPT_OUT_EXEMPT = new Set(['opt_out']);

/**
 * Sends due messages through the channel, each exactly once: it claims the message with
 * MessageDispatchStarted (optimistic concurrency: one sender wins), then sends, then records the
 * outcome. Before sending it checks, on the event streams, that the number has not opted out, that
 * the appointment is still booked as messaged (or the waitlist offer still open), and that it is not
 * quiet hours at the clinic (a late dispatcher waits for 08:00 rather than texting at night). A
 * dispatch found half-way is finished through an idempotent channel only; otherwise it is recorded
 * as `outcome_unknown` and never repeated. The same loop raises due follow-ups (no reply to the 24 h
 * reminder, high-risk outreach).
 */
@Injectable()
export class MessageDispatcher {
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> = Promise.resolve(0);
  private readonly sent: Counter<'kind' | 'provider'> | undefined;
  private readonly suppressed: Counter<'reason'> | undefined;

  constructor(
    @Inject(MESSAGE_CHANNEL) private readonly channel: MessageChannel,
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(RemindersStore) private readonly facts: RemindersStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(RINGBACK_CONFIG) config?: RingbackConfig,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
    @Optional() @Inject(METRICS_REGISTRY) metrics?: Registry,
  ) {
    this.intervalMs = config?.messages.intervalMs ?? 1_000;
    this.sent = metrics
      ? createCounter(metrics, {
          name: 'messages_sent',
          help: 'Patient messages handed to the channel',
          labelNames: ['kind', 'provider'],
        })
      : undefined;
    this.suppressed = metrics
      ? createCounter(metrics, {
          name: 'messages_suppressed',
          help: 'Patient messages not sent, by reason',
          labelNames: ['reason'],
        })
      : undefined;
  }

  /** One round: due messages, half-way dispatches, due follow-ups. Returns how many messages it settled. */
  tick(): Promise<number> {
    const run = this.running.then(
      () => this.round(),
      () => this.round(),
    );
    this.running = run.catch(() => 0);
    return run;
  }

  start(): void {
    if (this.timer || this.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) =>
        this.logger?.error({ err }, 'message dispatch failed; retrying on the next tick'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => 0);
  }

  private async round(): Promise<number> {
    const now = this.clock.now();
    let settled = 0;
    const queued = (
      await this.readModels.find<MessageDoc>(
        MESSAGES_COLLECTION,
        { state: 'queued' },
        { sort: { field: 'sendAtMs', direction: 1 } },
      )
    )
      .filter((m) => m.sendAtMs <= now)
      .slice(0, 200);
    for (const m of queued) {
      try {
        settled += await this.dispatch(m, now);
      } catch (error) {
        this.logger?.error({ messageId: m.messageId, err: error }, 'message dispatch failed');
      }
    }
    const halfway = (
      await this.readModels.find<MessageDoc>(MESSAGES_COLLECTION, { state: 'dispatching' })
    ).filter((m) => (m.dispatchStartedAtMs ?? 0) <= now - STALE_DISPATCH_MS);
    for (const m of halfway) settled += await this.recover(m, now);
    await this.raiseFollowUps(now);
    return settled;
  }

  private async dispatch(m: MessageDoc, now: number): Promise<number> {
    const at = toIso(now);
    const ctx = { correlationId: m.messageId, locationId: m.locationId };
    const location = await this.readModels.get<ReminderLocationDoc>(
      REMINDER_LOCATIONS_COLLECTION,
      m.locationId,
    );
    // A late round waits for the morning; answers to a patient's own message go at once.
    if (m.purpose.kind !== 'reply' && location && inQuietHours(now, location.timezone)) return 0;
    const reason = await this.suppression(m, now);
    if (reason) {
      const { events } = await this.commands.run(
        outboundMessageDecider,
        messageStreamId(m.messageId),
        { type: 'SuppressMessage', data: { messageId: m.messageId, at, reason } },
        ctx,
        remindersProjection.id,
      );
      if (events.length) this.suppressed?.inc({ reason });
      return events.length;
    }
    try {
      await this.commands.run(
        outboundMessageDecider,
        messageStreamId(m.messageId),
        { type: 'StartDispatch', data: { messageId: m.messageId, at, provider: this.channel.provider } },
        ctx,
      );
    } catch (error) {
      if (error instanceof DomainError) return 0; // another sender took it, or it is not due after all
      throw error;
    }
    return this.sendClaimed(m, at, ctx);
  }

  /** Sends a message this process has claimed and records the outcome. */
  private async sendClaimed(
    m: MessageDoc,
    at: string,
    ctx: { correlationId: string; locationId: string },
  ): Promise<number> {
    try {
      const { providerMessageId } = await this.channel.send({
        messageId: m.messageId,
        channel: m.channel,
        to: m.to,
        body: m.body,
        language: m.language,
      });
      await this.commands.run(
        outboundMessageDecider,
        messageStreamId(m.messageId),
        {
          type: 'RecordSent',
          data: { messageId: m.messageId, at, provider: this.channel.provider, providerMessageId },
        },
        ctx,
        remindersProjection.id,
      );
      this.sent?.inc({ kind: m.kind, provider: this.channel.provider });
      this.logger?.info(
        { messageId: m.messageId, kind: m.kind, provider: this.channel.provider },
        'message sent',
      );
      return 1;
    } catch (error) {
      const rejected = error instanceof ChannelRejectedError;
      // Not knowing whether a non-idempotent provider sent it, we never send it again.
      if (!rejected && this.channel.idempotent) throw error;
      await this.commands.run(
        outboundMessageDecider,
        messageStreamId(m.messageId),
        {
          type: 'RecordSendFailure',
          data: {
            messageId: m.messageId,
            at,
            kind: rejected ? 'rejected' : 'outcome_unknown',
            error: error instanceof Error ? error.message : String(error),
          },
        },
        ctx,
        remindersProjection.id,
      );
      this.logger?.warn({ messageId: m.messageId, kind: m.kind, rejected }, 'message not sent');
      return 1;
    }
  }

  /** A dispatch that stopped half-way: finished through an idempotent channel, else marked unknown. */
  private async recover(m: MessageDoc, now: number): Promise<number> {
    const at = toIso(now);
    const ctx = { correlationId: m.messageId, locationId: m.locationId };
    const state = await this.commands.load(outboundMessageDecider, messageStreamId(m.messageId));
    if (state.status !== 'dispatching') return 0;
    if (this.channel.idempotent && state.provider === this.channel.provider)
      return this.sendClaimed(m, at, ctx);
    await this.commands.run(
      outboundMessageDecider,
      messageStreamId(m.messageId),
      {
        type: 'RecordSendFailure',
        data: { messageId: m.messageId, at, kind: 'outcome_unknown', error: 'the dispatch stopped half-way' },
      },
      ctx,
      remindersProjection.id,
    );
    return 1;
  }

  /** Why the message must not go out now, if it must not. Read from the streams, not read models. */
  private async suppression(m: MessageDoc, now: number) {
    if (m.channel !== 'email' && !OPT_OUT_EXEMPT.has(m.kind) && (await this.facts.optedOut(phoneKeyOf(m.to))))
      return 'opted_out' as const;
    if (m.purpose.kind === 'appointment') {
      const seq = await this.facts.sequence(m.purpose.appointmentId);
      if (m.kind === 'cancellation') return null;
      const current = seq.current;
      if (!current || current.plan.bookingId !== m.purpose.bookingId) return 'superseded' as const;
      if (current.stopped === 'cancelled') return 'appointment_cancelled' as const;
      if (current.stopped) return 'superseded' as const;
      if (Date.parse(current.plan.start) <= now) return 'too_late' as const;
    }
    if (m.purpose.kind === 'waitlist_offer' && m.kind === 'waitlist_offer') {
      const offer = await this.facts.waitlistOffer(m.purpose.offerId);
      if (!offer || !offer.open || Date.parse(offer.offer.expiresAt) <= now) return 'too_late' as const;
    }
    return null;
  }

  private async raiseFollowUps(now: number): Promise<void> {
    const at = toIso(now);
    for (const seq of await this.readModels.find<SequenceDoc>(SEQUENCES_COLLECTION, { active: true })) {
      const due: { reason: 'no_reply' | 'high_risk_outreach'; dueAtMs: number }[] = [];
      if (seq.followUpAtMs !== null && seq.followUpAtMs <= now)
        due.push({ reason: 'no_reply', dueAtMs: seq.followUpAtMs });
      if (seq.outreachAtMs !== null && seq.outreachAtMs <= now)
        due.push({ reason: 'high_risk_outreach', dueAtMs: seq.outreachAtMs });
      for (const d of due) {
        // Due within two hours, and never after the appointment.
        const dueAt = toIso(Math.min(d.dueAtMs + 2 * 3_600_000, Date.parse(seq.start)));
        await this.commands.run(
          reminderSequenceDecider,
          reminderStreamId(seq.appointmentId),
          {
            type: 'RequestFollowUp',
            data: {
              appointmentId: seq.appointmentId,
              bookingId: seq.bookingId,
              followUpId: deterministicUuidV7(d.dueAtMs, 'follow-up', seq.bookingId, d.reason),
              locationId: seq.locationId,
              reason: d.reason,
              dueAt,
              at,
            },
          },
          { correlationId: seq.appointmentId, locationId: seq.locationId },
          remindersProjection.id,
        );
      }
    }
  }
}
