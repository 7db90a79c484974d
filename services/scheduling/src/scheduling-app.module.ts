import { Module, type DynamicModule } from '@nestjs/common';
import { SchedulingModule, schedulingProjections } from '@ringback/scheduling-service';
import { categoriesProducedBy, ringbackEventRegistry } from '@ringback/contracts';
import {
  PlatformRuntimeModule,
  type PlatformAdapters,
  type PlatformRuntimeOptions,
  type RelayOwnership,
} from '@ringback/runtime';

/**
 * The store-to-bus relay of this process: scheduling relays the streams it writes: catalogue, slots, approvals, the waitlist.
 */
export const SCHEDULING_RELAY: RelayOwnership = {
  owner: 'scheduling',
  categories: categoriesProducedBy('scheduling'),
};

/** scheduling as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class SchedulingAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry' | 'relay' | 'rebuildOnErasure'> = {},
  ): DynamicModule {
    return {
      module: SchedulingAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: schedulingProjections,
          registry: ringbackEventRegistry(),
          relay: SCHEDULING_RELAY,
          rebuildOnErasure: 'scheduling',
        }),
        SchedulingModule,
      ],
    };
  }
}
