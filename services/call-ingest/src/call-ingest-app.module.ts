import { Module, type DynamicModule } from '@nestjs/common';
import { CallIngestModule, callIngestProjections } from '@ringback/call-ingest-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { PlatformRuntimeModule, type PlatformAdapters, type PlatformRuntimeOptions } from '@ringback/runtime';

/** call-ingest as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class CallIngestAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry'> = {},
  ): DynamicModule {
    return {
      module: CallIngestAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: callIngestProjections,
          registry: ringbackEventRegistry(),
        }),
        CallIngestModule,
      ],
    };
  }
}
