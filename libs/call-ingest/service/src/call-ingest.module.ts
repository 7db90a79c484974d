import { Module } from '@nestjs/common';
import { PlatformModule } from '@ringback/nest-platform';

/**
 * call-ingest: Missed-call and call-lifecycle webhooks; opens and joins callback tasks.
 * Composition root of the service; importable on its own (`main.ts`) or beside the other services
 * in the single-process composition. Its providers and controllers arrive with the features.
 */
@Module({
  imports: [PlatformModule],
})
export class CallIngestModule {}
