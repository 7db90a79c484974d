import { coordinatorStreamId, type EventEnvelope, type EventRegistry } from '@ringback/contracts';
import { DomainError, type Decider } from '@ringback/kernel';
import { handleCommand, type EventStore, type HandleCommandResult } from '@ringback/platform-core';
import {
  coordinatorDecider,
  type CoordinatorCommand,
  type CoordinatorEvent,
  type CoordinatorState,
} from '@ringback/triage-domain';

/** Envelope metadata for the events one command produces. */
export interface CommandStamp {
  /** Id of the i-th event: fresh ids for user requests, ids derived from the cause for reactions. */
  eventId(index: number, type: string): string;
  recordedAt: string;
  correlationId: string;
  causationId: string | null;
  traceparent: string | null;
  /** The location the command concerns, when there is one (an offer's task). */
  locationId: string | null;
}

/**
 * A pure decider over envelopes: its events stamped with the caller's ids and metadata, event time
 * the command's `at`, on the stream the command names.
 */
export function stampedDecider<
  S,
  C extends { data: { at: string } },
  E extends { type: string; data: unknown },
>(
  decider: Decider<S, C, E>,
  streamIdOf: (command: C) => string,
  registry: EventRegistry,
  stamp: CommandStamp,
): Decider<S, C, EventEnvelope> {
  return {
    initialState: decider.initialState,
    evolve: (state, e) => decider.evolve(state, { type: e.type, data: e.data } as E),
    decide: (command, state) =>
      decider.decide(command, state).map((e, i): EventEnvelope => ({
        eventId: stamp.eventId(i, e.type),
        type: e.type,
        schemaVersion: registry.latestVersion(e.type),
        streamId: streamIdOf(command),
        occurredAt: command.data.at,
        recordedAt: stamp.recordedAt,
        correlationId: stamp.correlationId,
        causationId: stamp.causationId,
        locationId: stamp.locationId,
        traceparent: stamp.traceparent,
        data: e.data,
      })),
  };
}

/** The coordinator decider over envelopes. */
export const coordinatorEnvelopeDecider = (
  registry: EventRegistry,
  stamp: CommandStamp,
): Decider<CoordinatorState, CoordinatorCommand, EventEnvelope> =>
  stampedDecider(coordinatorDecider, (c) => coordinatorStreamId(c.data.coordinatorId), registry, stamp);

/** Load, decide and append one coordinator command with optimistic concurrency. */
export function runCoordinatorCommand(
  store: EventStore,
  registry: EventRegistry,
  command: CoordinatorCommand,
  stamp: CommandStamp,
): Promise<HandleCommandResult<CoordinatorState, EventEnvelope>> {
  return handleCommand({
    store,
    registry,
    decider: coordinatorEnvelopeDecider(registry, stamp),
    streamId: coordinatorStreamId(command.data.coordinatorId),
    command,
  });
}

/**
 * An offer is taken up only while its coordinator still holds the reservation: one released when
 * they went away (and so perhaps given to another task since) cannot be accepted any more. Users
 * without a coordinator profile hold no reservations; the task decider answers them alone.
 */
export async function assertReservationHeld(
  store: EventStore,
  registry: EventRegistry,
  coordinatorId: string,
  offerId: string,
): Promise<void> {
  let state: CoordinatorState = coordinatorDecider.initialState();
  for (const r of await store.readStream(coordinatorStreamId(coordinatorId))) {
    const e = registry.upcast(r.envelope);
    state = coordinatorDecider.evolve(state, { type: e.type, data: e.data } as CoordinatorEvent);
  }
  if (state.status === 'registered' && state.offer?.offerId !== offerId)
    throw new DomainError('offer_not_pending', `offer ${offerId} is no longer reserved for ${coordinatorId}`);
}
