import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  excludeSystemEvents,
  streamNameFilter,
  type AppendStreamState,
  type CurrentStreamState,
  type Filter,
  type JSONEventData,
  type JSONType,
  type Position,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import type { EventEnvelope, RecordedEvent } from '@ringback/contracts';
import {
  classifyIdempotentAppend,
  type AppendClassification,
  type ExpectedRevision,
} from '@ringback/platform-core';

/*
 * Positions. KurrentDB places an event in $all at {commit, prepare}. The two differ only for events
 * written in explicit (TCP-era) transactions, which this adapter never writes; for every event
 * appended through gRPC they are equal. So the port's bigint is the commit position, and resuming
 * from it passes {commit: p, prepare: p}, which is exactly the event's own $all position. Reads and
 * subscriptions also drop anything at or before the requested position on the client side, so the
 * exclusive semantics hold whether the server treats the start position as inclusive or not. An event
 * with commit != prepare cannot be encoded without loss and is refused with an error rather than
 * given a position that would make a resumed reader skip or repeat events.
 */

/** The port's position for a KurrentDB $all position. */
export function encodePosition(position: Position): bigint {
  if (position.commit !== position.prepare) {
    throw new Error(
      `KurrentDB position {commit: ${position.commit}, prepare: ${position.prepare}} belongs to an explicit ` +
        'transaction; Ringback positions need commit == prepare',
    );
  }
  return position.commit;
}

/** The KurrentDB $all position to resume after the event at `position`. */
export const decodePosition = (position: bigint): Position => ({ commit: position, prepare: position });

/** Metadata keys KurrentDB's system projections read ($by_correlation_id and friends). */
const SYSTEM_METADATA = ['$correlationId', '$causationId'] as const;

/**
 * Envelope -> KurrentDB JSON event: id = eventId, type = type, data = payload, metadata = every other
 * envelope field, plus `$correlationId`/`$causationId` for KurrentDB's own projections.
 */
export function toEventData(envelope: EventEnvelope): JSONEventData {
  const { eventId, type, data, ...rest } = envelope;
  const metadata: Record<string, unknown> = { ...rest, $correlationId: rest.correlationId };
  if (rest.causationId !== null) metadata['$causationId'] = rest.causationId;
  return {
    id: eventId,
    contentType: 'application/json',
    type,
    // JSON.stringify happens in the client; `undefined` would not survive it
    data: (data === undefined ? null : data) as JSONType,
    metadata,
  };
}

/**
 * KurrentDB event -> RecordedEvent, or undefined for an event that is not a Ringback envelope (not
 * JSON, or without the envelope fields in its metadata), e.g. written by another application.
 */
export function fromKurrentEvent(event: KurrentRecordedEvent | undefined): RecordedEvent | undefined {
  if (!event || !event.isJson) return undefined;
  const metadata = event.metadata;
  if (
    !isRecord(metadata) ||
    typeof metadata['schemaVersion'] !== 'number' ||
    metadata['streamId'] !== event.streamId
  ) {
    return undefined;
  }
  if (!event.position)
    throw new Error('KurrentDB did not return event positions; it needs to be 22.6 or newer');
  const rest: Record<string, unknown> = { ...metadata };
  for (const key of SYSTEM_METADATA) delete rest[key];
  return {
    envelope: { ...rest, eventId: event.id, type: event.type, data: event.data } as EventEnvelope,
    streamRevision: Number(event.revision),
    position: encodePosition(event.position),
  };
}

export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0)
        throw new RangeError(`invalid expected revision ${expected}`);
      return BigInt(expected);
  }
}

/** KurrentDB's current stream state (from a WrongExpectedVersionError) -> the port's `actual`. */
export const toActualRevision = (actual: CurrentStreamState): number | 'no_stream' =>
  actual === NO_STREAM || actual < 0n ? 'no_stream' : Number(actual);

/**
 * $all filter: a stream-name prefix per category (`task-` for `task`); without categories, every
 * non-system event (types starting with `$` are KurrentDB's own).
 */
export function allFilter(categories: readonly string[] | undefined): Filter {
  return categories
    ? streamNameFilter({ prefixes: [...new Set(categories)].map((c) => `${c}-`) })
    : excludeSystemEvents();
}

/**
 * The port's idempotency rule (classifyIdempotentAppend) applied to what the stream already holds of
 * an append's event ids, found by id.
 */
export function classifyAppend(
  streamId: string,
  eventIds: readonly string[],
  stored: ReadonlyMap<string, RecordedEvent>,
): AppendClassification {
  return classifyIdempotentAppend(
    streamId,
    eventIds.map((id) => {
      const found = stored.get(id);
      return (
        found && {
          streamId: found.envelope.streamId,
          streamRevision: found.streamRevision,
          position: found.position,
        }
      );
    }),
  );
}

/** Milliseconds encoded in a UUIDv7, or undefined for other UUIDs. */
export function uuidV7Millis(id: string): number | undefined {
  const hex = id.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== '7') return undefined;
  return Number.parseInt(hex.slice(0, 12), 16);
}

/**
 * How far back (by the server's `created` time) a stream must be scanned to find any stored copy of
 * these event ids: an event cannot have been stored before its UUIDv7 was minted, give or take the
 * clock skew between client and server. Undefined = no bound (some id is not a UUIDv7).
 */
export function scanHorizon(eventIds: readonly string[], clockSkewMs: number): number | undefined {
  let min = Number.POSITIVE_INFINITY;
  for (const id of eventIds) {
    const ms = uuidV7Millis(id);
    if (ms === undefined) return undefined;
    min = Math.min(min, ms);
  }
  return min - clockSkewMs;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
