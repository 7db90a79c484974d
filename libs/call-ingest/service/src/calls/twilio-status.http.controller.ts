import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@ringback/kernel';
import {
  correlationIdOf,
  ApiError,
  RINGBACK_CONFIG,
  RequestValidationError,
  ZodValidationPipe,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import type { z } from 'zod';
import { verifyTwilioSignature } from '../webhooks/twilio-signature';
import { twilioStatusQuerySchema } from './call-webhook.schemas';
import { RecordCallHandler } from './record-call.handler';
import { mapTwilioStatus, type TwilioParams } from './twilio-status.mapping';
import { invalidSignature } from './webhook-signature.guard';

/** The empty TwiML document Twilio expects back. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Only flat string (or repeated string) parameters take part in Twilio's signature. */
export function twilioParamsOf(body: unknown): TwilioParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const params: TwilioParams = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') params[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) params[key] = value;
  }
  return params;
}

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
    const authToken = this.config.twilio.authToken;
    if (!authToken)
      throw new ApiError(
        503,
        'twilio_not_configured',
        'Twilio callbacks are not configured (TWILIO_AUTH_TOKEN)',
      );
    const params = twilioParamsOf(body);
    const signature = req.headers['x-twilio-signature'];
    const verified = verifyTwilioSignature({
      authToken,
      url: `${this.config.publicBaseUrl}${req.originalUrl ?? req.url}`,
      params,
      signatureHeader: Array.isArray(signature) ? signature[0] : signature,
    });
    if (!verified) throw invalidSignature('bad_signature');

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
