import { Module, type DynamicModule } from '@nestjs/common';
import { ReportingModule, reportingProjections } from '@ringback/reporting-service';
import { categoriesProducedBy, ringbackEventRegistry } from '@ringback/contracts';
import {
  PlatformRuntimeModule,
  type PlatformAdapters,
  type PlatformRuntimeOptions,
  type RelayOwnership,
} from '@ringback/runtime';

/**
 * The store-to-bus relay of this process: reporting relays the streams it writes: call-log imports.
 */
export const REPORTING_RELAY: RelayOwnership = {
  owner: 'reporting',
  categories: categoriesProducedBy('reporting'),
};

/** reporting as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class ReportingAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry' | 'relay' | 'rebuildOnErasure'> = {},
  ): DynamicModule {
    return {
      module: ReportingAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: reportingProjections,
          registry: ringbackEventRegistry(),
          relay: REPORTING_RELAY,
          rebuildOnErasure: 'reporting',
        }),
        ReportingModule,
      ],
    };
  }
}
