import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import { z } from 'zod';
import {
  completeFollowUpBodySchema,
  followUpListSchema,
  followUpParamsSchema,
  followUpQuerySchema,
  followUpViewSchema,
  inboundResultSchema,
  inboundSmsBodySchema,
  outboxListSchema,
  outboxQuerySchema,
  twilioStatusQuerySchema,
} from './reminders.views';

const twilioForm = z.record(z.string(), z.string());

/** Describes the reminders endpoints in the process's OpenAPI document. */
@Injectable()
export class RemindersOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['reminders'];
    this.openApi.register(
      {
        method: 'post',
        path: '/api/v1/messages/inbound',
        summary: 'A patient’s SMS (signed webhook)',
        description:
          'Signed like the call webhooks (`X-Ringback-Timestamp`, `X-Ringback-Signature`). Read against the number’s latest ' +
          'appointment or waitlist-offer message: `1` confirms (or takes the offer), `2` cancels (the slot goes to the ' +
          'waitlist) or declines the offer, `3` asks the front desk to reschedule; STOP (and the other carrier keywords, ' +
          'CANCEL included) opts the number out of every later message, START opts in, HELP answers. The same ' +
          '`providerMessageId` again changes nothing.',
        tags,
        body: inboundSmsBodySchema,
        responses: {
          202: { description: 'Recorded, with what it meant', schema: inboundResultSchema },
          401: { description: '`invalid_signature`', schema: 'error' },
        },
      },
      {
        method: 'post',
        path: '/api/v1/messages/twilio/inbound',
        summary: 'Twilio’s incoming-SMS webhook',
        description:
          'Form-encoded, verified with `X-Twilio-Signature` (TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL). Same meaning as above.',
        tags,
        body: twilioForm,
        bodyContentType: 'application/x-www-form-urlencoded',
        responses: {
          200: { description: 'Empty TwiML', contentType: 'text/xml' },
          401: { description: '`invalid_signature`', schema: 'error' },
          503: { description: '`twilio_not_configured`', schema: 'error' },
        },
      },
      {
        method: 'post',
        path: '/api/v1/messages/twilio/status',
        summary: 'Twilio’s delivery report for a message Ringback sent',
        tags,
        query: twilioStatusQuerySchema,
        body: twilioForm,
        bodyContentType: 'application/x-www-form-urlencoded',
        responses: {
          200: { description: 'Empty TwiML', contentType: 'text/xml' },
          401: { description: '`invalid_signature`', schema: 'error' },
          404: { description: '`message_not_found`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/outbox',
        summary: 'Patient messages: queued, sent, suppressed or failed, newest first',
        description:
          'Supervisors, clinic staff and admins, in scope. Includes the text and the number (PHI, `no-store`). With ' +
          '`MESSAGE_CHANNEL=outbox` this is what patients would have received.',
        tags,
        security: 'bearer',
        roles: ['admin', 'supervisor', 'clinic_staff'],
        query: outboxQuerySchema,
        responses: { 200: { description: 'Messages', schema: outboxListSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/follow-ups',
        summary: 'Follow-up tasks for the front desk and coordinators',
        description:
          'No reply to the 24 h reminder, high-risk outreach (prior no-shows), reschedule requests by SMS.',
        tags,
        security: 'bearer',
        query: followUpQuerySchema,
        responses: { 200: { description: 'Follow-ups, soonest due first', schema: followUpListSchema } },
      },
      {
        method: 'post',
        path: '/api/v1/follow-ups/{followUpId}/complete',
        summary: 'Mark a follow-up handled',
        tags,
        security: 'bearer',
        params: followUpParamsSchema,
        body: completeFollowUpBodySchema,
        responses: {
          200: { description: 'The follow-up', schema: followUpViewSchema },
          404: { description: '`follow_up_not_found`', schema: 'error' },
        },
      },
    );
  }
}
