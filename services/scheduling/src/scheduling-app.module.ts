import { Module, type DynamicModule } from '@nestjs/common';
import { SchedulingModule, schedulingProjections } from '@ringback/scheduling-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { PlatformRuntimeModule, type PlatformAdapters, type PlatformRuntimeOptions } from '@ringback/runtime';

/** scheduling as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class SchedulingAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry'> = {},
  ): DynamicModule {
    return {
      module: SchedulingAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: schedulingProjections,
          registry: ringbackEventRegistry(),
        }),
        SchedulingModule,
      ],
    };
  }
}
