import { Module, type DynamicModule } from '@nestjs/common';
import { RemindersModule, remindersProjections } from '@ringback/reminders-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { PlatformRuntimeModule, type PlatformAdapters, type PlatformRuntimeOptions } from '@ringback/runtime';

/** reminders as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class RemindersAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry'> = {},
  ): DynamicModule {
    return {
      module: RemindersAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: remindersProjections,
          registry: ringbackEventRegistry(),
        }),
        RemindersModule,
      ],
    };
  }
}
