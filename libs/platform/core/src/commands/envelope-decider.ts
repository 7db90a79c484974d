import type { EventEnvelope, EventRegistry } from '@ringback/contracts';
import type { Decider } from '@ringback/kernel';

/** A domain event as pure deciders emit it: type and payload, no metadata. */
export interface PlainEvent {
  type: string;
  data: unknown;
}

/** The metadata a command's events get: who caused them, where, and when they were recorded. */
export interface EnvelopeStamp {
  streamId: string;
  /** Event time of the events (the command's `at`). */
  occurredAt: string;
  recordedAt: string;
  correlationId: string;
  causationId: string | null;
  locationId: string | null;
  traceparent: string | null;
  /** Id of the n-th event of the decision (0-based): fresh UUIDv7s, or ids derived from a cause. */
  eventId: (index: number) => string;
}

/**
 * Lifts a pure decider over plain `{ type, data }` events to one over envelopes, for
 * {@link handleCommand}: the stored events fold through `evolve` as plain events, and new ones are
 * stamped with the given metadata at the latest schema version of their type.
 */
export function envelopeDecider<State, Command, Event extends PlainEvent>(
  decider: Decider<State, Command, Event>,
  registry: EventRegistry,
  stamp: EnvelopeStamp | ((command: Command) => EnvelopeStamp),
): Decider<State, Command, EventEnvelope> {
  return {
    initialState: decider.initialState,
    evolve: (state, e) => decider.evolve(state, { type: e.type, data: e.data } as Event),
    decide: (command, state) => {
      const s = typeof stamp === 'function' ? stamp(command) : stamp;
      return decider.decide(command, state).map((e, i): EventEnvelope => ({
        eventId: s.eventId(i),
        type: e.type,
        schemaVersion: registry.latestVersion(e.type),
        streamId: s.streamId,
        occurredAt: s.occurredAt,
        recordedAt: s.recordedAt,
        correlationId: s.correlationId,
        causationId: s.causationId,
        locationId: s.locationId,
        traceparent: s.traceparent,
        data: e.data,
      }));
    },
  };
}
