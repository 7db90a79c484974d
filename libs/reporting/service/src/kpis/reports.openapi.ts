import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import { z } from 'zod';
import {
  importParamsSchema,
  importQuerySchema,
  importSummarySchema,
} from '../imports/imports.http.controller';
import {
  diagnosticQuerySchema,
  diagnosticSchema,
  heatmapQuerySchema,
  heatmapSchema,
  kpiQuerySchema,
  kpisSchema,
  seriesQuerySchema,
  seriesSchema,
} from './reports.http.controller';
import {
  recordedStaffingSchema,
  simulationAnswerSchema,
  simulationRequestSchema,
  staffingQuerySchema,
} from '../simulation/simulations.http.controller';

/** Describes the report endpoints in the process's OpenAPI document. */
@Injectable()
export class ReportsOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['reports'];
    const slices =
      'Event time in `[from, to)` (at most 400 days); optional `regionId`, `locationId`, `podId`, `tier`, `intent`; the caller’s scope ' +
      'always applies. `format=csv` answers CSV.';
    this.openApi.register(
      {
        method: 'get',
        path: '/api/v1/reports/kpis',
        summary: 'The KPIs of a period (contract "Reports")',
        description:
          `${slices} Task measures are over the tasks whose first call falls in the period; rates are in [0, 1] or null ` +
          'when their denominator is 0; `counts` gives the denominators.',
        tags,
        security: 'bearer',
        query: kpiQuerySchema,
        responses: {
          200: { description: 'KPIs', schema: kpisSchema },
          404: { description: '`location_not_found`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/reports/timeseries',
        summary: 'One KPI over time, by hour, day or ISO week in each clinic’s time zone',
        description: `${slices} \`metric\`: inbound, missedCalls, missedCallRate, callbacksCompleted, sameDayCompletionRate, slaAttainment (with \`tier\`).`,
        tags,
        security: 'bearer',
        query: seriesQuerySchema,
        responses: { 200: { description: 'Points, oldest first', schema: seriesSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/reports/heatmap',
        summary: 'Demand heatmap: inbound calls by local weekday and hour (staffing windows)',
        tags,
        security: 'bearer',
        query: heatmapQuerySchema,
        responses: { 200: { description: 'A 7 x 24 grid', schema: heatmapSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/reports/diagnostic',
        summary: 'The 7-day missed-call diagnostic (seed 000), on recorded or imported history',
        description:
          'Over the missed calls and voicemails of the period: calls not returned the same local day, average callback delay, ' +
          'and new-patient calls lost to delay (never booked, not called back within `lostAfterMinutes`, default 60).',
        tags,
        security: 'bearer',
        query: diagnosticQuerySchema,
        responses: { 200: { description: 'The diagnostic', schema: diagnosticSchema } },
      },
      {
        method: 'post',
        path: '/api/v1/reports/simulations',
        summary: 'What-if staffing simulator: replay a period under another staffing plan or policy version',
        description:
          'Supervisors and admins, over the locations in their scope (optional `regionId`, `locationId`). Replays the demand of ' +
          '`[from, to)` (at most 31 days; recorded calls and imported history, with a day of warm-up before) in virtual time through ' +
          'the triage policy, the SLA calendars, the routing planner and the retry policy, under `staffing` `recorded` (who was ' +
          'signed in when) or a `plan` (coordinators per pod per local hour, rows per weekday set; rows of a pod add up), optionally ' +
          're-triaging with a recorded `policyVersion`. Recorded work is replayed as it went (offer response, handle time, outcome ' +
          'of each attempt); work without a record is drawn from the recorded samples with `seed`. Answers projected beside actual ' +
          'SLA attainment (overall and per tier), same-day completion and time to first attempt, per pod too.',
        tags,
        security: 'bearer',
        roles: ['admin', 'supervisor'],
        body: simulationRequestSchema,
        responses: {
          200: { description: 'Projected and actual figures', schema: simulationAnswerSchema },
          404: { description: '`location_not_found`', schema: 'error' },
          422: { description: '`policy_version_not_found`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/reports/simulations/staffing',
        summary: 'The recorded staffing of a period as a plan (mean coordinators per pod per local hour)',
        description:
          'Weekdays (Monday to Friday) in one row per pod, weekends in another when anybody worked then; the recorded policy versions.',
        tags,
        security: 'bearer',
        roles: ['admin', 'supervisor'],
        query: staffingQuerySchema,
        responses: {
          200: { description: 'The plan', schema: recordedStaffingSchema },
          404: { description: '`location_not_found`', schema: 'error' },
        },
      },
      {
        method: 'post',
        path: '/api/v1/admin/imports/call-logs',
        summary: 'Import a historical call log (CSV)',
        description:
          'Admins. `text/csv`, streamed. Columns (header line, case-insensitive): `call_id`, `location_id`, `started_at` ' +
          '(ISO-8601; without offset read in the location’s zone), `outcome` (answered, missed, voicemail), optional `intent`, ' +
          '`first_callback_at`, `reached_at`, `booked`. Good rows are kept; bad ones are listed with their file line and why. ' +
          'A call is known by location and call id: importing it again counts it once.',
        tags: ['imports'],
        security: 'bearer',
        roles: ['admin'],
        query: importQuerySchema,
        body: z.string(),
        bodyContentType: 'text/csv',
        responses: {
          201: { description: 'What was imported and the rejected lines', schema: importSummarySchema },
          415: { description: '`unsupported_media_type`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/admin/imports/{importId}',
        summary: 'Progress of a running import, or the outcome of a finished one',
        tags: ['imports'],
        security: 'bearer',
        roles: ['admin'],
        params: importParamsSchema,
        responses: {
          200: { description: 'Progress', schema: importSummarySchema },
          404: { description: '`import_not_found`', schema: 'error' },
        },
      },
    );
  }
}
