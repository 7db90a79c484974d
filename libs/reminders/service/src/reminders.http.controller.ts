import { AuditPhiRead } from '@ringback/phi';
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  Authenticated,
  CurrentUser,
  EMPTY_TWIML,
  WebhookSignatureGuard,
  assertCanWrite,
  canRead,
  requireRole,
  verifiedTwilioParams,
  type AuthUser,
} from '@ringback/auth';
import type { RingbackConfig } from '@ringback/config';
import { messageStreamId, reminderStreamId } from '@ringback/contracts';
import { CLOCK, DomainError, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import {
  ApiError,
  RINGBACK_CONFIG,
  RequestValidationError,
  StreamCommands,
  ZodValidationPipe,
  correlationIdOf,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import { outboundMessageDecider, reminderSequenceDecider } from '@ringback/reminders-domain';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { z } from 'zod';
import { InboundMessagesHandler } from './inbound/inbound-messages.handler';
import {
  FOLLOW_UPS_COLLECTION,
  MESSAGES_COLLECTION,
  REMINDER_LOCATIONS_COLLECTION,
  remindersProjection,
  type FollowUpDoc,
  type MessageDoc,
  type ReminderLocationDoc,
} from './reminders.projection';
import {
  completeFollowUpBodySchema,
  followUpParamsSchema,
  followUpQuerySchema,
  followUpView,
  inboundSmsBodySchema,
  outboxItem,
  outboxQuerySchema,
  twilioStatusQuerySchema,
} from './reminders.views';

const TWILIO_DELIVERY: Record<string, 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed'> = {
  accepted: 'queued',
  queued: 'queued',
  sending: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  completed: 'delivered',
  'no-answer': 'undelivered',
  busy: 'undelivered',
  canceled: 'failed',
};

/** Patient SMS replies (signed webhooks) and Twilio's delivery reports. */
@Controller('messages')
export class InboundMessagesHttpController {
  constructor(
    @Inject(InboundMessagesHandler) private readonly inbound: InboundMessagesHandler,
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(RINGBACK_CONFIG) private readonly config: RingbackConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** An SMS from a patient, relayed by a provider with Ringback's webhook signature. */
  @Post('inbound')
  @HttpCode(202)
  @UseGuards(WebhookSignatureGuard)
  async inboundSms(
    @Body(new ZodValidationPipe(inboundSmsBodySchema)) body: z.output<typeof inboundSmsBodySchema>,
    @Req() req: HttpRequest,
  ) {
    return this.inbound.receive(
      {
        provider: 'ringback',
        providerMessageId: body.providerMessageId,
        from: body.from,
        body: body.body,
        receivedAt: body.receivedAt ?? toIso(this.clock.now()),
      },
      correlationIdOf(req, this.ids),
    );
  }

  /** Twilio's incoming-message webhook (form-encoded, `X-Twilio-Signature`); answers empty TwiML. */
  @Post('twilio/inbound')
  @HttpCode(200)
  async twilioInbound(
    @Body() body: unknown,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<string> {
    const params = verifiedTwilioParams(this.config, req, body);
    const sid = typeof params['MessageSid'] === 'string' ? params['MessageSid'] : null;
    const fromRaw = typeof params['From'] === 'string' ? params['From'] : '';
    const from = parsePhoneNumberFromString(fromRaw)?.number ?? null;
    if (!sid || !from)
      throw new RequestValidationError([
        { field: sid ? 'From' : 'MessageSid', in: 'body', code: 'required', message: 'a Twilio SMS webhook' },
      ]);
    await this.inbound.receive(
      {
        provider: 'twilio',
        providerMessageId: sid,
        from,
        body: typeof params['Body'] === 'string' ? params['Body'] : '',
        receivedAt: toIso(this.clock.now()),
      },
      correlationIdOf(req, this.ids),
    );
    res.setHeader('Content-Type', 'text/xml; charset=utf-8');
    return EMPTY_TWIML;
  }

  /** Twilio's message and call status callback for a message Ringback sent. */
  @Post('twilio/status')
  @HttpCode(200)
  async twilioStatus(
    @Body() body: unknown,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<string> {
    const params = verifiedTwilioParams(this.config, req, body);
    const query = new ZodValidationPipe(twilioStatusQuerySchema).transform(
      (req as HttpRequest & { query?: unknown }).query,
      {
        type: 'query',
      },
    ) as z.output<typeof twilioStatusQuerySchema>;
    const raw = String(params['MessageStatus'] ?? params['CallStatus'] ?? '');
    const status = TWILIO_DELIVERY[raw];
    const sid = String(params['MessageSid'] ?? params['CallSid'] ?? '');
    if (status && sid) {
      try {
        await this.commands.run(
          outboundMessageDecider,
          messageStreamId(query.messageId),
          {
            type: 'UpdateDelivery',
            data: { messageId: query.messageId, at: toIso(this.clock.now()), status, providerMessageId: sid },
          },
          { correlationId: correlationIdOf(req, this.ids), locationId: null },
          remindersProjection.id,
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        throw new ApiError(404, 'message_not_found', `Unknown message ${query.messageId}`, []);
      }
    }
    res.setHeader('Content-Type', 'text/xml; charset=utf-8');
    return EMPTY_TWIML;
  }
}

/** The outbox (every patient message, sent or not) and the follow-up tasks, in the caller's scope. */
@Controller()
@Authenticated()
export class OutboxHttpController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Get('outbox')
  @Header('Cache-Control', 'no-store')
  @AuditPhiRead('outbox')
  async outbox(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(outboxQuerySchema)) q: z.output<typeof outboxQuerySchema>,
  ) {
    requireRole(user, 'admin', 'supervisor', 'clinic_staff');
    const filter: Record<string, unknown> = {};
    for (const key of ['locationId', 'state', 'kind', 'subjectId'] as const) if (q[key]) filter[key] = q[key];
    const docs = await this.readModels.find<MessageDoc>(MESSAGES_COLLECTION, filter, {
      sort: { field: 'sendAtMs', direction: -1 },
    });
    const visible = await this.inScope(user, docs);
    return { items: visible.slice(0, q.limit).map(outboxItem) };
  }

  @Get('follow-ups')
  async followUps(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(followUpQuerySchema)) q: z.output<typeof followUpQuerySchema>,
  ) {
    const filter: Record<string, unknown> = {};
    for (const key of ['state', 'locationId'] as const) if (q[key]) filter[key] = q[key];
    const docs = await this.readModels.find<FollowUpDoc>(FOLLOW_UPS_COLLECTION, filter, {
      sort: { field: 'dueAtMs', direction: 1 },
    });
    return { items: (await this.inScope(user, docs)).map(followUpView) };
  }

  @Post('follow-ups/:followUpId/complete')
  @HttpCode(200)
  async complete(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(followUpParamsSchema)) p: z.output<typeof followUpParamsSchema>,
    @Body(new ZodValidationPipe(completeFollowUpBodySchema))
    body: z.output<typeof completeFollowUpBodySchema>,
    @Req() req: HttpRequest,
  ) {
    const doc = await this.readModels.get<FollowUpDoc>(FOLLOW_UPS_COLLECTION, p.followUpId);
    const location = doc
      ? await this.readModels.get<ReminderLocationDoc>(REMINDER_LOCATIONS_COLLECTION, doc.locationId)
      : null;
    if (!doc || !location)
      throw new ApiError(404, 'follow_up_not_found', `Unknown follow-up ${p.followUpId}`, []);
    assertCanWrite(user, { locationId: doc.locationId, regionId: location.regionId, podId: location.podId });
    await this.commands.run(
      reminderSequenceDecider,
      reminderStreamId(doc.appointmentId),
      {
        type: 'CompleteFollowUp',
        data: {
          appointmentId: doc.appointmentId,
          followUpId: doc.followUpId,
          completedBy: user.sub,
          note: body.note ?? null,
          at: toIso(this.clock.now()),
        },
      },
      { correlationId: correlationIdOf(req, this.ids), locationId: doc.locationId },
      remindersProjection.id,
    );
    return followUpView((await this.readModels.get<FollowUpDoc>(FOLLOW_UPS_COLLECTION, p.followUpId)) ?? doc);
  }

  private async inScope<T extends { locationId: string }>(user: AuthUser, docs: T[]): Promise<T[]> {
    const locations = await this.readModels.getMany<ReminderLocationDoc>(REMINDER_LOCATIONS_COLLECTION, [
      ...new Set(docs.map((d) => d.locationId)),
    ]);
    return docs.filter((d) => {
      const l = locations.get(d.locationId);
      return (
        l !== undefined && canRead(user, { locationId: d.locationId, regionId: l.regionId, podId: l.podId })
      );
    });
  }
}
