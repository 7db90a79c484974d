import { DomainError, type Decider } from '@ringback/kernel';
import {
  canonicalLocationConfig,
  locationIdSchema,
  parseLocationConfig,
  sameLocationConfig,
  type LocationConfig,
} from './location-config';

export const LOCATION_STREAM_CATEGORY = 'location';
export const locationStreamIdOf = (locationId: string): string => `${LOCATION_STREAM_CATEGORY}-${locationId}`;

/** Payload of `LocationConfigured` v1 (mirrors the event contract in `@ringback/contracts`). */
export interface LocationConfiguredPayload extends LocationConfig {
  locationId: string;
  version: number;
}

/**
 * `LocationConfigured` as this decider emits it: an envelope-shaped value the contracts registry
 * validates before it is appended (the service checks at compile time that it matches the contract).
 */
export interface LocationConfiguredEvent {
  type: 'LocationConfigured';
  schemaVersion: 1;
  eventId: string;
  streamId: string;
  occurredAt: string;
  recordedAt: string;
  correlationId: string;
  causationId: string | null;
  locationId: string | null;
  traceparent: string | null;
  data: LocationConfiguredPayload;
}

export type LocationEvent = LocationConfiguredEvent;

export interface LocationState {
  /** 0 before the first configuration. */
  version: number;
  config: LocationConfig | null;
}

/** Ids, time and tracing handed in by the caller: the decider reads no clock and mints no ids. */
export interface LocationCommandStamp {
  eventId: string;
  /** ISO-8601 UTC instant; both `occurredAt` and `recordedAt` (an admin change happens when it is made). */
  at: string;
  correlationId: string;
  causationId: string | null;
  traceparent: string | null;
}

export interface ConfigureLocation {
  type: 'ConfigureLocation';
  locationId: string;
  /** The requested configuration, validated by the decider (the HTTP edge validates it too). */
  config: unknown;
  stamp: LocationCommandStamp;
}

export type LocationCommand = ConfigureLocation;

/**
 * Configuration of one location, as versions: the first configuration is version 1 and every change
 * adds one. A configuration identical to the current one decides nothing, so a repeated PUT is
 * idempotent and answers the version already stored. Invalid input is a DomainError
 * `invalid_location_config` with field-level details.
 */
export const configureLocationDecider: Decider<LocationState, LocationCommand, LocationEvent> = {
  initialState: () => ({ version: 0, config: null }),

  evolve: (state, event) => {
    switch (event.type) {
      case 'LocationConfigured':
        return { version: event.data.version, config: canonicalLocationConfig(event.data) };
      default:
        return state;
    }
  },

  decide: (command, state) => {
    const id = locationIdSchema.safeParse(command.locationId);
    if (!id.success) {
      throw new DomainError('invalid_location_config', 'The location id is not valid', [
        { field: 'locationId', code: 'invalid_format', message: id.error.issues[0]?.message ?? 'invalid' },
      ]);
    }
    const parsed = parseLocationConfig(command.config);
    if (!parsed.ok) {
      throw new DomainError(
        'invalid_location_config',
        'The location configuration is not valid',
        parsed.issues,
      );
    }
    if (state.config && sameLocationConfig(state.config, parsed.config)) return [];
    const { stamp } = command;
    return [
      {
        type: 'LocationConfigured',
        schemaVersion: 1,
        eventId: stamp.eventId,
        streamId: locationStreamIdOf(command.locationId),
        occurredAt: stamp.at,
        recordedAt: stamp.at,
        correlationId: stamp.correlationId,
        causationId: stamp.causationId,
        locationId: command.locationId,
        traceparent: stamp.traceparent,
        data: { locationId: command.locationId, ...parsed.config, version: state.version + 1 },
      },
    ];
  },
};
