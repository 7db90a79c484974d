import { Module, type DynamicModule } from '@nestjs/common';
import { RemindersModule, remindersProjections } from '@ringback/reminders-service';
import { categoriesProducedBy, ringbackEventRegistry } from '@ringback/contracts';
import {
  PlatformRuntimeModule,
  type PlatformAdapters,
  type PlatformRuntimeOptions,
  type RelayOwnership,
} from '@ringback/runtime';

/**
 * The store-to-bus relay of this process: reminders relays the streams it writes: reminders, messages, inbound messages, contact preferences.
 */
export const REMINDERS_RELAY: RelayOwnership = {
  owner: 'reminders',
  categories: categoriesProducedBy('reminders'),
};

/** reminders as its own process: the platform adapters and its projections, then the service module. */
@Module({})
export class RemindersAppModule {
  static forRoot(
    adapters: PlatformAdapters,
    options: Omit<PlatformRuntimeOptions, 'projections' | 'registry' | 'relay' | 'rebuildOnErasure'> = {},
  ): DynamicModule {
    return {
      module: RemindersAppModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          ...options,
          projections: remindersProjections,
          registry: ringbackEventRegistry(),
          relay: REMINDERS_RELAY,
          rebuildOnErasure: 'reminders',
        }),
        RemindersModule,
      ],
    };
  }
}
