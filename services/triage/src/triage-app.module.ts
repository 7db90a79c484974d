import { Module, type DynamicModule } from '@nestjs/common';
import { TriageModule, triageProjections } from '@ringback/triage-service';
import { categoriesProducedBy, ringbackEventRegistry } from '@ringback/contracts';
import {
  PlatformRuntimeModule,
  type PlatformAdapters,
  type PlatformRuntimeOptions,
  type RelayOwnership,
} from '@ringback/runtime';

/**
 * The store-to-bus relay of this process: triage relays the streams it writes: tasks, the triage policy, coordinators.
 */
export const TRIAGE_RELAY: RelayOwnership = {
  owner: 'triage',
  categories: categoriesProducedBy('triage'),
};

/** triage as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class TriageAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry' | 'relay' | 'rebuildOnErasure'> = {},
  ): DynamicModule {
    return {
      module: TriageAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: triageProjections,
          registry: ringbackEventRegistry(),
          relay: TRIAGE_RELAY,
          rebuildOnErasure: 'triage',
        }),
        TriageModule,
      ],
    };
  }
}
