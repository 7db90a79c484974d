import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A caller's number in E.164, read in the clinic's country when it has no country code.
 * Null when it is not a possible phone number (withheld, garbage, too short).
 */
export function normalizePhoneNumber(raw: string, defaultCountry: CountryCode = 'US'): string | null {
  const parsed = parsePhoneNumberFromString(raw, defaultCountry);
  return parsed && parsed.isPossible() ? parsed.number : null;
}
