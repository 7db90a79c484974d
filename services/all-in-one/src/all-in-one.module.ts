import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformRuntimeModule, type PlatformAdapters } from '@ringback/runtime';
import { CallIngestModule } from '../../call-ingest/src/call-ingest.module';
import { TriageModule } from '../../triage/src/triage.module';
import { SlaMonitorModule } from '../../sla-monitor/src/sla-monitor.module';
import { SchedulingModule } from '../../scheduling/src/scheduling.module';
import { RemindersModule } from '../../reminders/src/reminders.module';
import { ReportingModule } from '../../reporting/src/reporting.module';
import { GatewayModule } from '../../gateway/src/gateway.module';
import { ringbackEventRegistry } from '@ringback/contracts';
import { projectionCatalogue } from './projection-catalogue';

/** Every service in one process, sharing one set of platform adapters: the embedded default. */
@Module({})
export class AllInOneModule {
  static forRoot(adapters: PlatformAdapters): DynamicModule {
    return {
      module: AllInOneModule,
      imports: [
        PlatformRuntimeModule.forRoot(adapters, { projections: projectionCatalogue, registry: ringbackEventRegistry() }),
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
