import { Module, type DynamicModule } from '@nestjs/common';
import { SlaMonitorModule, slaMonitorProjections } from '@ringback/sla-monitor-service';
import { categoriesProducedBy, ringbackEventRegistry } from '@ringback/contracts';
import {
  PlatformRuntimeModule,
  type PlatformAdapters,
  type PlatformRuntimeOptions,
  type RelayOwnership,
} from '@ringback/runtime';

/**
 * The store-to-bus relay of this process: sla-monitor relays the streams it writes: SLA timers and supervisor alerts.
 */
export const SLA_MONITOR_RELAY: RelayOwnership = {
  owner: 'sla-monitor',
  categories: categoriesProducedBy('sla-monitor'),
};

/** sla-monitor as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class SlaMonitorAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry' | 'relay' | 'rebuildOnErasure'> = {},
  ): DynamicModule {
    return {
      module: SlaMonitorAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: slaMonitorProjections,
          registry: ringbackEventRegistry(),
          relay: SLA_MONITOR_RELAY,
          rebuildOnErasure: 'sla-monitor',
        }),
        SlaMonitorModule,
      ],
    };
  }
}
