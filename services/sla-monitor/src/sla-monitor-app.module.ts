import { Module, type DynamicModule } from '@nestjs/common';
import { SlaMonitorModule, slaMonitorProjections } from '@ringback/sla-monitor-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { PlatformRuntimeModule, type PlatformAdapters, type PlatformRuntimeOptions } from '@ringback/runtime';

/** sla-monitor as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class SlaMonitorAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry'> = {},
  ): DynamicModule {
    return {
      module: SlaMonitorAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: slaMonitorProjections,
          registry: ringbackEventRegistry(),
        }),
        SlaMonitorModule,
      ],
    };
  }
}
