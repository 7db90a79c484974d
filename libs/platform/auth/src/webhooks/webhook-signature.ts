import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a webhook's timestamp may be from our clock before it counts as a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature' };

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`, as the contract defines it. */
export function signWebhook(secret: string, timestamp: number | string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/**
 * Verifies a Ringback-signed telephony webhook. Constant-time comparison; the timestamp is part of
 * the signed text, so a captured request cannot be replayed outside the tolerance window.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  rawBody: Buffer | undefined;
  nowMs: number;
}): SignatureCheck {
  const { timestampHeader, signatureHeader, rawBody } = input;
  if (!timestampHeader || !signatureHeader || rawBody === undefined)
    return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: 'bad_timestamp' };
  const skew = Math.abs(input.nowMs / 1000 - Number(timestampHeader));
  if (skew > WEBHOOK_TOLERANCE_SECONDS) return { ok: false, reason: 'stale_timestamp' };
  const expected = Buffer.from(signWebhook(input.secret, timestampHeader, rawBody));
  const given = Buffer.from(signatureHeader.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}
