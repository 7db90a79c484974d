import { Module, type DynamicModule } from '@nestjs/common';
import { ReportingModule, reportingProjections } from '@ringback/reporting-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { PlatformRuntimeModule, type PlatformAdapters, type PlatformRuntimeOptions } from '@ringback/runtime';

/** reporting as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class ReportingAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry'> = {},
  ): DynamicModule {
    return {
      module: ReportingAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: reportingProjections,
          registry: ringbackEventRegistry(),
        }),
        ReportingModule,
      ],
    };
  }
}
