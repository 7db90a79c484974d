import { CallerLines } from './caller-lines';
import { CallsHttpController } from './calls.http.controller';
import { CallsOpenApi } from './calls.openapi';
import { RecordCallHandler } from './record-call.handler';
import { TaskClosuresConsumer } from './task-closures.consumer';
import { TwilioStatusHttpController } from './twilio-status.http.controller';
import { WebhookSignatureGuard } from '@ringback/auth';

export * from './call-webhook.schemas';
export { CallsHttpController } from './calls.http.controller';
export {
  RecordCallHandler,
  countryOfLocation,
  type ContactFacts,
  type AnsweredFacts,
} from './record-call.handler';
export { TaskClosuresConsumer, TASK_CLOSURES_GROUP_ID } from './task-closures.consumer';
export { TwilioStatusHttpController, EMPTY_TWIML, twilioParamsOf } from './twilio-status.http.controller';
export {
  mapTwilioStatus,
  TWILIO_MISSED_STATUSES,
  type TwilioParams,
  type TwilioStatusOutcome,
} from './twilio-status.mapping';

/** The calls slice, for the call-ingest module. */
export const callControllers = [CallsHttpController, TwilioStatusHttpController];
export const callProviders = [
  RecordCallHandler,
  WebhookSignatureGuard,
  CallsOpenApi,
  TaskClosuresConsumer,
  CallerLines,
];
