import type { EventEnvelope } from '@ringback/contracts';

/** Wire form of a message value: the envelope as JSON, the same on every transport. */
export const encodeEnvelope = (envelope: EventEnvelope): string => JSON.stringify(envelope);

/**
 * Parses a message value. Only the shape the bus itself relies on is checked; payload validation
 * against the registry belongs to the consumer, which knows which versions it accepts.
 */
export function decodeEnvelope(value: string): EventEnvelope {
  const parsed: unknown = JSON.parse(value);
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as Record<string, unknown>)['eventId'] !== 'string' ||
    typeof (parsed as Record<string, unknown>)['type'] !== 'string'
  ) {
    throw new TypeError('message value is not an event envelope');
  }
  return parsed as EventEnvelope;
}
