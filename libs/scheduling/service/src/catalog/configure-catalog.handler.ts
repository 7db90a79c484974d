import { Inject, Injectable } from '@nestjs/common';
import { appointmentTypeStreamId, providerStreamId } from '@ringback/contracts';
import { CLOCK, toIso, type Clock } from '@ringback/kernel';
import { StreamCommands } from '@ringback/nest-platform';
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
  constructor(
    @Inject(StreamCommands) private readonly commands: StreamCommands,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
  ) {}

  async appointmentType(
    spec: AppointmentTypeSpec,
    by: string,
    correlationId: string,
  ): Promise<ConfigureOutcome> {
    const now = this.clock.now();
    const streamId = appointmentTypeStreamId(spec.appointmentTypeId);
    const result = await this.commands.run(
      appointmentTypeDecider,
      streamId,
      { type: 'ConfigureAppointmentType', data: { spec, by, at: toIso(now) } },
      { correlationId, locationId: null, now },
      schedulingCatalogProjection.id,
    );
    return { version: result.state.version, changed: result.events.length > 0 };
  }

  async provider(spec: ProviderSpec, by: string, correlationId: string): Promise<ConfigureOutcome> {
    const now = this.clock.now();
    const streamId = providerStreamId(spec.providerId);
    const [types, location] = await Promise.all([
      this.catalog.appointmentTypes(),
      this.catalog.location(spec.locationId),
    ]);
    const result = await this.commands.run(
      providerDecider,
      streamId,
      {
        type: 'ConfigureProvider',
        data: {
          spec,
          knownAppointmentTypeIds: types.map((t) => t.appointmentTypeId),
          locationKnown: location !== null,
          by,
          at: toIso(now),
        },
      },
      { correlationId, locationId: spec.locationId, now },
      schedulingCatalogProjection.id,
    );
    return { version: result.state.version, changed: result.events.length > 0 };
  }
}
