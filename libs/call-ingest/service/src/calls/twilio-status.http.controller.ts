import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@ringback/kernel';
import {
  correlationIdOf,
  RINGBACK_CONFIG,
  RequestValidationError,
  ZodValidationPipe,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import type { z } from 'zod';
import { EMPTY_TWIML, twilioParamsOf, verifiedTwilioParams } from '@ringback/auth';
import { twilioStatusQuerySchema } from './call-webhook.schemas';
import { RecordCallHandler } from './record-call.handler';
import { mapTwilioStatus } from './twilio-status.mapping';

export { EMPTY_TWIML, twilioParamsOf };

/**
 * Twilio voice status callback, `application/x-www-form-urlencoded`, configured per location as
 * `<PUBLIC_BASE_URL>/api/v1/calls/twilio/status?locationId=<id>`. Checks, in order: Twilio is
 * configured (503 `twilio_not_configured`), `X-Twilio-Signature` over PUBLIC_BASE_URL + path + query
 * and the POST parameters (401 `invalid_signature`), `locationId` (400), then records a missed call
 * (no-answer, busy, failed) or an answered call (completed). Answers 200 with empty TwiML.
 */
@Controller('calls/twilio')
export class TwilioStatusHttpController {
  constructor(
    @Inject(RecordCallHandler) private readonly handler: RecordCallHandler,
    @Inject(RINGBACK_CONFIG) private readonly config: RingbackConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Post('status')
  @HttpCode(200)
  async status(
    @Body() body: unknown,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<string> {
    const params = verifiedTwilioParams(this.config, req, body);

    const query = new ZodValidationPipe(twilioStatusQuerySchema).transform(
      (req as HttpRequest & { query?: unknown }).query,
      { type: 'query' },
    ) as z.output<typeof twilioStatusQuerySchema>;

    const outcome = mapTwilioStatus(params, this.clock.now());
    if (outcome.kind === 'invalid')
      throw new RequestValidationError([
        { field: outcome.field, in: 'body', code: 'required', message: outcome.message },
      ]);
    if (outcome.kind !== 'ignored') {
      const correlationId = correlationIdOf(req, this.ids);
      res.setHeader('X-Correlation-Id', correlationId);
      const call = {
        providerCallId: outcome.providerCallId,
        locationId: query.locationId,
        from: outcome.from,
        occurredAt: outcome.occurredAt,
        correlationId,
      };
      if (outcome.kind === 'missed') {
        await this.handler.recordContact({
          ...call,
          channel: 'missed_call',
          callerName: null,
          intent: null,
          transcript: null,
          preferredWindow: null,
          language: null,
          notes: null,
        });
      } else {
        await this.handler.recordAnswered({ ...call, durationSeconds: outcome.durationSeconds });
      }
    }
    res.setHeader('Content-Type', 'text/xml; charset=utf-8');
    return EMPTY_TWIML;
  }
}
