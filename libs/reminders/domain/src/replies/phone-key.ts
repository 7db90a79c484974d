import { createHash } from 'node:crypto';

/**
 * A stable key for a phone number that is not the number: stream ids and read-model ids carry it
 * instead of the E.164 string, so the number itself appears only in PHI fields.
 */
export const phoneKeyOf = (e164: string): string =>
  createHash('sha256').update(`ringback-phone:${e164}`).digest('hex').slice(0, 32);
