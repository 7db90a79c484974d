import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's request signature: base64 HMAC-SHA1, keyed with the account's auth token, over the full
 * URL Twilio called followed by every POST parameter name and value, sorted by name.
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => {
      const value = params[key]!;
      return acc + (Array.isArray(value) ? value.map((v) => key + v).join('') : key + value);
    }, url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export function verifyTwilioSignature(input: {
  authToken: string;
  url: string;
  params: Record<string, string | string[]>;
  signatureHeader: string | undefined;
}): boolean {
  if (!input.signatureHeader) return false;
  const expected = Buffer.from(twilioSignature(input.authToken, input.url, input.params));
  const given = Buffer.from(input.signatureHeader);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
