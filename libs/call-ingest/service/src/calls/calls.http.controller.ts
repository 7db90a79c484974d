import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ID_GENERATOR, type IdGenerator } from '@ringback/kernel';
import {
  ZodValidationPipe,
  correlationIdOf,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import type { ContactChannel } from '@ringback/contracts';
import {
  answeredCallRequestSchema,
  callbackRequestRequestSchema,
  missedCallRequestSchema,
  voicemailRequestSchema,
  type AnsweredCallRequest,
  type CallbackRequestRequest,
  type MissedCallRequest,
} from './call-webhook.schemas';
import { RecordCallHandler } from './record-call.handler';
import { WebhookSignatureGuard } from '@ringback/auth';

/**
 * The signed call-lifecycle webhooks (contract "Calls (signed webhook)"). Order of checks: signature
 * (401 `invalid_signature`), body (400 with field details), location (404 `location_not_found`),
 * caller number (400 on `from`); nothing is recorded unless all pass.
 */
@Controller('calls')
@UseGuards(WebhookSignatureGuard)
export class CallsHttpController {
  constructor(
    @Inject(RecordCallHandler) private readonly handler: RecordCallHandler,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** A missed call: opens a task, or joins the caller's open task at this location. */
  @Post('missed')
  @HttpCode(202)
  missed(
    @Body(new ZodValidationPipe(missedCallRequestSchema)) body: MissedCallRequest,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<{ taskId: string }> {
    return this.contact('missed_call', body, req, res);
  }

  /** A voicemail (with its transcript): like a missed call. */
  @Post('voicemail')
  @HttpCode(202)
  voicemail(
    @Body(new ZodValidationPipe(voicemailRequestSchema)) body: MissedCallRequest,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<{ taskId: string }> {
    return this.contact('voicemail', body, req, res);
  }

  /** A callback request from the IVR option or a web form. */
  @Post('callback-requests')
  @HttpCode(202)
  callbackRequest(
    @Body(new ZodValidationPipe(callbackRequestRequestSchema)) body: CallbackRequestRequest,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<{ taskId: string }> {
    // `source` is validated and documented; the contact event has no field for it yet.
    const { source: _source, ...contact } = body;
    return this.contact('callback_request', contact, req, res);
  }

  /** A call answered live: counts toward the missed-call rate, opens nothing. */
  @Post('answered')
  @HttpCode(202)
  async answered(
    @Body(new ZodValidationPipe(answeredCallRequestSchema)) body: AnsweredCallRequest,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<{ recorded: true }> {
    const correlationId = correlationIdOf(req, this.ids);
    res.setHeader('X-Correlation-Id', correlationId);
    await this.handler.recordAnswered({ ...body, correlationId });
    return { recorded: true };
  }

  private async contact(
    channel: ContactChannel,
    body: MissedCallRequest,
    req: HttpRequest,
    res: HttpResponse,
  ): Promise<{ taskId: string }> {
    const correlationId = correlationIdOf(req, this.ids);
    res.setHeader('X-Correlation-Id', correlationId);
    const { taskId } = await this.handler.recordContact({ ...body, channel, correlationId });
    return { taskId };
  }
}
