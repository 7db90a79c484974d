import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import { z } from 'zod';
import {
  answeredAcceptedSchema,
  answeredCallRequestSchema,
  callbackRequestRequestSchema,
  contactAcceptedSchema,
  missedCallRequestSchema,
  twilioStatusQuerySchema,
  voicemailRequestSchema,
} from './call-webhook.schemas';

const SIGNED =
  'Signed webhook: `X-Ringback-Timestamp: <unix seconds>` and `X-Ringback-Signature: sha256=<hex HMAC-SHA256 ' +
  'of "<timestamp>.<raw body>" with INGEST_WEBHOOK_SECRET>`. A timestamp more than 300 s from now or a wrong ' +
  'signature: 401 `invalid_signature`, nothing recorded. `occurredAt` and `preferredWindow` times need an ' +
  'offset and are stored in UTC. `from` is normalised to E.164 in the location’s country (US). Optional ' +
  '`X-Correlation-Id` is carried into the event and echoed back.';

const CONTACT =
  ' The same `providerCallId` again answers the same `taskId` and records nothing. A further contact from the ' +
  'same number at the same location while its task is open joins that task (`callCount` grows).';

const errors = {
  400: {
    description: '`validation_failed`, one detail per field (also `from` not a possible number)',
    schema: 'error' as const,
  },
  401: { description: '`invalid_signature`', schema: 'error' as const },
  404: { description: '`location_not_found`', schema: 'error' as const },
};

/** Twilio's status callback parameters that Ringback reads (others are signed but ignored). */
const twilioStatusParams = z
  .object({
    CallSid: z.string().describe('Becomes providerCallId'),
    CallStatus: z
      .string()
      .describe('no-answer, busy, failed: missed call; completed: answered call; others ignored'),
    From: z.string().describe('Caller number'),
    CallDuration: z.string().optional().describe('Seconds, for completed calls'),
    Timestamp: z.string().optional().describe('RFC 2822 time of the status; defaults to arrival time'),
  })
  .loose();

/** Describes the call webhooks in the process's OpenAPI document. */
@Injectable()
export class CallsOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['calls'];
    const contact = (path: string, summary: string, body: z.ZodType, extra = '') => ({
      method: 'post' as const,
      path,
      summary,
      description: SIGNED + CONTACT + extra,
      tags,
      body,
      responses: {
        202: { description: 'The task the contact opened or joined', schema: contactAcceptedSchema },
        ...errors,
      },
    });
    this.openApi.register(
      contact('/api/v1/calls/missed', 'Record a missed call', missedCallRequestSchema),
      contact(
        '/api/v1/calls/voicemail',
        'Record a voicemail',
        voicemailRequestSchema,
        ' `transcript` is expected.',
      ),
      contact(
        '/api/v1/calls/callback-requests',
        'Record a callback request (IVR option or web form)',
        callbackRequestRequestSchema,
        ' `source` says whether it came from the IVR or a web form.',
      ),
      {
        method: 'post',
        path: '/api/v1/calls/answered',
        summary: 'Record a call answered live (missed-call rate denominator)',
        description: SIGNED + ' The same `providerCallId` again records nothing.',
        tags,
        body: answeredCallRequestSchema,
        responses: { 202: { description: 'Recorded', schema: answeredAcceptedSchema }, ...errors },
      },
      {
        method: 'post',
        path: '/api/v1/calls/twilio/status',
        summary: 'Twilio voice status callback',
        description:
          'Form-encoded, signed by Twilio (`X-Twilio-Signature`, HMAC-SHA1 with TWILIO_AUTH_TOKEN over ' +
          'PUBLIC_BASE_URL + path + query and the sorted POST parameters). `no-answer`, `busy`, `failed` record a ' +
          'missed call (providerCallId = CallSid); `completed` records an answered call; other statuses are ' +
          'acknowledged and ignored. Idempotent on CallSid. Answers empty TwiML.',
        tags,
        query: twilioStatusQuerySchema,
        body: twilioStatusParams,
        bodyContentType: 'application/x-www-form-urlencoded',
        responses: {
          200: { description: 'Empty TwiML `<Response/>`', schema: z.string(), contentType: 'text/xml' },
          400: { description: '`validation_failed` (locationId, CallSid, From)', schema: 'error' },
          401: { description: '`invalid_signature`', schema: 'error' },
          404: { description: '`location_not_found`', schema: 'error' },
          503: { description: '`twilio_not_configured`: TWILIO_AUTH_TOKEN is unset', schema: 'error' },
        },
      },
    );
  }
}
