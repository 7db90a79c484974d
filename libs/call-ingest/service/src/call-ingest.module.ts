import { Module } from '@nestjs/common';
import { AuthModule } from '@ringback/auth';
import { PlatformModule } from '@ringback/nest-platform';
import type { Projection } from '@ringback/platform-core';
import { locationControllers, locationProviders, locationsProjection } from './locations';

/** Read models call-ingest keeps; every process that hosts the module runs them (projection catalogue). */
export const callIngestProjections: readonly Projection[] = [locationsProjection];

/**
 * call-ingest: location administration, missed-call and call-lifecycle webhooks; opens and joins
 * callback tasks. Importable on its own (`services/call-ingest/src/main.ts`) or beside the other
 * services in the single-process composition; either way the process provides the platform ports
 * (EVENT_STORE, READ_MODEL_STORE, CLOCK, ID_GENERATOR) through `PlatformRuntimeModule.forRoot`, with
 * {@link callIngestProjections} among its projections.
 */
@Module({
  imports: [PlatformModule, AuthModule],
  controllers: [...locationControllers],
  providers: [...locationProviders],
})
export class CallIngestModule {}
