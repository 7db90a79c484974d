import type { RingbackConfig } from '@ringback/config';
import { ApiError, type HttpRequest } from '@ringback/nest-platform';
import { verifyTwilioSignature } from './twilio-signature';
import { invalidSignature } from './webhook-signature.guard';

/** The empty TwiML document Twilio expects back. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Only flat string (or repeated string) parameters take part in Twilio's signature. */
export function twilioParamsOf(body: unknown): Record<string, string | string[]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') params[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) params[key] = value;
  }
  return params;
}

/**
 * The parameters of a Twilio webhook whose `X-Twilio-Signature` verifies against TWILIO_AUTH_TOKEN
 * over PUBLIC_BASE_URL + path + query. 503 `twilio_not_configured` while the token is unset, 401
 * `invalid_signature` otherwise; nothing is recorded either way.
 */
export function verifiedTwilioParams(
  config: RingbackConfig,
  req: HttpRequest,
  body: unknown,
): Record<string, string | string[]> {
  const authToken = config.twilio.authToken;
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
    url: `${config.publicBaseUrl}${req.originalUrl ?? req.url}`,
    params,
    signatureHeader: Array.isArray(signature) ? signature[0] : signature,
  });
  if (!verified) throw invalidSignature('bad_signature');
  return params;
}
