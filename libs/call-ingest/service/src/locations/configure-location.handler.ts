import { Inject, Injectable } from '@nestjs/common';
import {
  configureLocationDecider,
  locationStreamIdOf,
  type LocationConfiguredEvent,
} from '@ringback/call-ingest-domain';
import { ringbackEventRegistry, type LocationConfigured } from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { currentTraceparent } from '@ringback/observability';
import { EVENT_STORE, handleCommand, type EventStore } from '@ringback/platform-core';
import type { ConfigureLocationResult } from './location.views';

// The domain states its event's shape without depending on the contracts library; this keeps the
// two in step at compile time (the registry validates every event against the contract at append).
const _domainEventIsTheContract = (e: LocationConfiguredEvent): LocationConfigured => e;
const _contractIsTheDomainEvent = (e: LocationConfigured): LocationConfiguredEvent['data'] => e.data;

export interface ConfigureLocationInput {
  locationId: string;
  config: unknown;
  correlationId: string;
  causationId?: string | null;
}

export interface ConfigureLocationOutcome extends ConfigureLocationResult {
  /** False when the configuration was already the current one (nothing appended). */
  changed: boolean;
  /** Store position of the new event, when one was appended. */
  position: bigint | null;
}

/** `ConfigureLocation`: load the location stream, decide, append with optimistic concurrency. */
@Injectable()
export class ConfigureLocationHandler {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async handle(input: ConfigureLocationInput): Promise<ConfigureLocationOutcome> {
    const now = this.clock.now();
    const result = await handleCommand({
      store: this.store,
      registry: this.registry,
      decider: configureLocationDecider,
      streamId: locationStreamIdOf(input.locationId),
      command: {
        type: 'ConfigureLocation',
        locationId: input.locationId,
        config: input.config,
        stamp: {
          eventId: this.ids.next(now),
          at: toIso(now),
          correlationId: input.correlationId,
          causationId: input.causationId ?? null,
          traceparent: currentTraceparent(),
        },
      },
    });
    const appended = result.events.at(-1);
    return {
      locationId: input.locationId,
      version: appended?.data.version ?? result.state.version,
      changed: appended !== undefined,
      position: result.append?.position ?? null,
    };
  }
}
