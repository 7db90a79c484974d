import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformRuntimeModule, type PlatformAdapters } from '@ringback/runtime';
import type { Clock } from '@ringback/kernel';
import { CallIngestModule } from '@ringback/call-ingest-service';
import { TriageModule } from '@ringback/triage-service';
import { SlaMonitorModule } from '@ringback/sla-monitor-service';
import { SchedulingModule } from '@ringback/scheduling-service';
import { RemindersModule } from '@ringback/reminders-service';
import { ReportingModule } from '@ringback/reporting-service';
import { GatewayModule } from '@ringback/gateway-service';
import { ringbackEventRegistry } from '@ringback/contracts';
import { projectionCatalogue } from './projection-catalogue';

/** Every service in one process, sharing one set of platform adapters: the embedded default. */
@Module({})
export class AllInOneModule {
  /** `options.clock`: the CLOCK of every service (default the system clock; tests pass a virtual one). */
  static forRoot(adapters: PlatformAdapters, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: AllInOneModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          projections: projectionCatalogue,
          registry: ringbackEventRegistry(),
          ...(options.clock ? { clock: options.clock } : {}),
        }),
        CallIngestModule,
        TriageModule,
        SlaMonitorModule,
        SchedulingModule,
        RemindersModule,
        ReportingModule,
        GatewayModule,
      ],
    };
  }
}
