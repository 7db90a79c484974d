import type { EventEnvelope } from '@ringback/contracts';

/**
 * Transport header names. Every Bus adapter writes the same set, so a message looks the same on
 * Kafka and in the embedded log, and tooling (DLQ replay, tracing) can rely on them.
 */
export const BusHeader = {
  contentType: 'content-type',
  eventType: 'event-type',
  eventId: 'event-id',
  schemaVersion: 'schema-version',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  error: 'x-error',
  attempts: 'x-attempts',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
} as const;

export const ENVELOPE_CONTENT_TYPE = 'application/json';

// Headers travel with every copy of the message; a stack trace does not belong there.
const MAX_ERROR_HEADER_LENGTH = 2_000;

/**
 * Headers for a message carrying `envelope`.
 *
 * Precedence: the envelope-derived headers override caller headers of the same name (they describe
 * the payload). Trace headers come from `traceHeaders` (the active context, injected by the
 * propagator); when there is no active trace, a caller `traceparent` is kept, else the envelope's own
 * `traceparent` is used, so a relay republishing a stored event still continues the original trace.
 */
export function publishHeaders(
  envelope: EventEnvelope,
  callerHeaders: Record<string, string> = {},
  traceHeaders: Record<string, string> = {},
): Record<string, string> {
  const headers: Record<string, string> = { ...callerHeaders };
  headers[BusHeader.contentType] = ENVELOPE_CONTENT_TYPE;
  headers[BusHeader.eventType] = envelope.type;
  headers[BusHeader.eventId] = envelope.eventId;
  headers[BusHeader.schemaVersion] = String(envelope.schemaVersion);
  if (traceHeaders[BusHeader.traceparent]) {
    // A tracestate from elsewhere must not be paired with the injected traceparent.
    delete headers[BusHeader.tracestate];
    Object.assign(headers, traceHeaders);
  } else if (!headers[BusHeader.traceparent] && envelope.traceparent) {
    headers[BusHeader.traceparent] = envelope.traceparent;
  }
  return headers;
}

export interface DeadLetterFailure {
  error: string;
  attempts: number;
  topic: string;
  partition: number;
  offset: string;
}

/** The original headers plus why and where the message failed; the payload is republished unchanged. */
export function deadLetterHeaders(
  original: Record<string, string>,
  failure: DeadLetterFailure,
): Record<string, string> {
  return {
    ...original,
    [BusHeader.error]: truncate(failure.error, MAX_ERROR_HEADER_LENGTH),
    [BusHeader.attempts]: String(failure.attempts),
    [BusHeader.originalTopic]: failure.topic,
    [BusHeader.originalPartition]: String(failure.partition),
    [BusHeader.originalOffset]: failure.offset,
  };
}

/** One line describing a handler failure, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

const truncate = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
