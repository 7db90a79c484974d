import { Inject, Injectable } from '@nestjs/common';
import { appointmentTypeStreamId, providerStreamId, ringbackEventRegistry } from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { currentTraceparent } from '@ringback/observability';
import {
  EVENT_STORE,
  READ_MODEL_STORE,
  envelopeDecider,
  handleCommand,
  type EventStore,
  type ReadModelStore,
} from '@ringback/platform-core';
import {
  appointmentTypeDecider,
  providerDecider,
  type AppointmentTypeSpec,
  type ProviderSpec,
} from '@ringback/scheduling-domain';
import { SchedulingCatalog } from './scheduling-catalog';
import { schedulingCatalogProjection } from './scheduling-catalog.projection';

export interface ConfigureOutcome {
  version: number;
  changed: boolean;
}

/** Admin configuration of appointment types and providers: load the stream, decide, append. */
@Injectable()
export class ConfigureCatalogHandler {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
  ) {}

  async appointmentType(
    spec: AppointmentTypeSpec,
    by: string,
    correlationId: string,
  ): Promise<ConfigureOutcome> {
    const now = this.clock.now();
    const streamId = appointmentTypeStreamId(spec.appointmentTypeId);
    const result = await handleCommand({
      store: this.store,
      registry: this.registry,
      decider: envelopeDecider(
        appointmentTypeDecider,
        this.registry,
        this.stamp(streamId, correlationId, null, now),
      ),
      streamId,
      command: { type: 'ConfigureAppointmentType', data: { spec, by, at: toIso(now) } },
    });
    if (result.append) await this.waitFor(result.append.position);
    return { version: result.state.version, changed: result.events.length > 0 };
  }

  async provider(spec: ProviderSpec, by: string, correlationId: string): Promise<ConfigureOutcome> {
    const now = this.clock.now();
    const streamId = providerStreamId(spec.providerId);
    const [types, location] = await Promise.all([
      this.catalog.appointmentTypes(),
      this.catalog.location(spec.locationId),
    ]);
    const result = await handleCommand({
      store: this.store,
      registry: this.registry,
      decider: envelopeDecider(
        providerDecider,
        this.registry,
        this.stamp(streamId, correlationId, spec.locationId, now),
      ),
      streamId,
      command: {
        type: 'ConfigureProvider',
        data: {
          spec,
          knownAppointmentTypeIds: types.map((t) => t.appointmentTypeId),
          locationKnown: location !== null,
          by,
          at: toIso(now),
        },
      },
    });
    if (result.append) await this.waitFor(result.append.position);
    return { version: result.state.version, changed: result.events.length > 0 };
  }

  private stamp(streamId: string, correlationId: string, locationId: string | null, now: number) {
    return {
      streamId,
      occurredAt: toIso(now),
      recordedAt: toIso(now),
      correlationId,
      causationId: null,
      locationId,
      traceparent: currentTraceparent() ?? null,
      eventId: () => this.ids.next(now),
    };
  }

  private async waitFor(position: bigint, timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const checkpoint = await this.readModels.getCheckpoint(schedulingCatalogProjection.id);
      if ((checkpoint && checkpoint.position >= position) || Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
