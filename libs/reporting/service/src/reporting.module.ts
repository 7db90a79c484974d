import { Module } from '@nestjs/common';
import { AuthModule } from '@ringback/auth';
import { PlatformModule } from '@ringback/nest-platform';
import { ReportsHttpController } from './kpis/reports.http.controller';
import { ReportsOpenApi } from './kpis/reports.openapi';
import { CallLogImporter } from './imports/call-log.importer';
import { KpiGauges } from './kpis/kpi-gauges';
import { ImportsHttpController } from './imports/imports.http.controller';
import { RunSimulationHandler } from './simulation/run-simulation.handler';
import { SimulationRecordLoader } from './simulation/simulation-record.loader';
import { SimulationsHttpController } from './simulation/simulations.http.controller';

/**
 * reporting: the KPIs clinics are judged by, from checkpointed projections of every service's events
 * (facts per task, call and appointment, by event time), sliced by region, location, pod, tier and
 * intent, as KPI reports, time series and a demand heatmap (JSON or CSV); and the what-if staffing
 * simulator, which replays recorded demand through triage's published policies. Owns no streams. The process
 * provides the platform ports with {@link reportingProjections} among its projections.
 */
@Module({
  imports: [PlatformModule, AuthModule],
  controllers: [ReportsHttpController, ImportsHttpController, SimulationsHttpController],
  providers: [ReportsOpenApi, CallLogImporter, KpiGauges, SimulationRecordLoader, RunSimulationHandler],
  exports: [CallLogImporter],
})
export class ReportingModule {}
