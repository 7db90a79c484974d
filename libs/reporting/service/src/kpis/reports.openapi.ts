import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import {
  heatmapQuerySchema,
  heatmapSchema,
  kpiQuerySchema,
  kpisSchema,
  seriesQuerySchema,
  seriesSchema,
} from './reports.http.controller';

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
    );
  }
}
