import { Module } from '@nestjs/common';
import { PlatformModule } from '@ringback/nest-platform';

/**
 * sla-monitor: Runs SLA clocks in business or wall-clock minutes; at-risk and breach.
 * Composition root of the service; importable on its own (`main.ts`) or beside the other services
 * in the single-process composition. Its providers and controllers arrive with the features.
 */
@Module({
  imports: [PlatformModule],
})
export class SlaMonitorModule {}
