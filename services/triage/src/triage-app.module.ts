import { Module, type DynamicModule } from '@nestjs/common';
import { TriageModule, triageProjections } from '@ringback/triage-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { PlatformRuntimeModule, type PlatformAdapters, type PlatformRuntimeOptions } from '@ringback/runtime';

/** triage as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class TriageAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry'> = {},
  ): DynamicModule {
    return {
      module: TriageAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: triageProjections,
          registry: ringbackEventRegistry(),
        }),
        TriageModule,
      ],
    };
  }
}
