import { Module, type DynamicModule } from '@nestjs/common';
import { GatewayModule } from '@ringback/gateway-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { PlatformRuntimeModule, type PlatformAdapters, type PlatformRuntimeOptions } from '@ringback/runtime';

/** gateway as its own process: the platform adapters (no projections, no relay), then the service module. */
@Module({})
export class GatewayAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry' | 'relay'> = {},
  ): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: [],
          registry: ringbackEventRegistry(),
          // It writes no stream (task views are published by triage): nothing to relay.
          relay: false,
        }),
        GatewayModule,
      ],
    };
  }
}
