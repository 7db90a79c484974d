import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformRuntimeModule, type PlatformAdapters } from '@ringback/runtime';
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
  static forRoot(adapters: PlatformAdapters): DynamicModule {
    return {
      module: AllInOneModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, {
          projections: projectionCatalogue,
          registry: ringbackEventRegistry(),
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
