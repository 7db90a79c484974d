import { Module, type DynamicModule } from '@nestjs/common';
import { CallIngestModule, callIngestProjections } from '@ringback/call-ingest-service';
import { categoriesProducedBy, ringbackEventRegistry } from '@ringback/contracts';
import {
  PlatformRuntimeModule,
  type PlatformAdapters,
  type PlatformRuntimeOptions,
  type RelayOwnership,
} from '@ringback/runtime';

/**
 * The store-to-bus relay of this process: call-ingest relays the streams it writes (calls, locations) and the platform's PHI records (erasures,
 * retention, the access audit), which any process may write: call-ingest owns caller data and serves the
 * erasure and audit routes.
 */
export const CALL_INGEST_RELAY: RelayOwnership = {
  owner: 'call-ingest',
  categories: [...categoriesProducedBy('call-ingest'), ...categoriesProducedBy('platform')],
};

/** call-ingest as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class CallIngestAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry' | 'relay' | 'rebuildOnErasure'> = {},
  ): DynamicModule {
    return {
      module: CallIngestAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: callIngestProjections,
          registry: ringbackEventRegistry(),
          relay: CALL_INGEST_RELAY,
          rebuildOnErasure: 'call-ingest',
        }),
        CallIngestModule,
      ],
    };
  }
}
