import { Module, type DynamicModule } from '@nestjs/common';
import { GatewayModule } from '@ringback/gateway-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { PlatformRuntimeModule, type PlatformAdapters, type PlatformRuntimeOptions } from '@ringback/runtime';

/** gateway as its own process: the platform adapters (it keeps no projections), then the service module. */
@Module({})
export class GatewayAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry'> = {},
  ): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: [],
          registry: ringbackEventRegistry(),
        }),
        GatewayModule,
      ],
    };
  }
}
