import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { Authenticated, CurrentUser, canRead, type AuthUser } from '@ringback/auth';
import { ApiError, ZodValidationPipe, type HttpResponse } from '@ringback/nest-platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import {
  SERIES_METRICS,
  computeKpis,
  demandHeatmap,
  missedCallDiagnostic,
  series,
  type Kpis,
  type Tier,
} from '@ringback/reporting-domain';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import {
  REPORTING_APPOINTMENTS,
  REPORTING_CONTACTS,
  REPORTING_LOCATIONS,
  REPORTING_TASKS,
  type AppointmentFactDoc,
  type ContactFactDoc,
  type ReportingLocationDoc,
  type TaskFactDoc,
} from '../facts/reporting-facts.projection';

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/);
const instant = z.iso.datetime({ offset: true });
const MAX_RANGE_MS = 400 * 86_400_000;
const sliceFields = {
  from: instant,
  to: instant,
  regionId: id.optional(),
  locationId: id.optional(),
  podId: id.optional(),
  tier: z.enum(['1', '2', '3']).optional(),
  intent: z.string().min(1).max(40).optional(),
  format: z.enum(['json', 'csv']).default('json'),
};
const range = <T extends { from: string; to: string }>(s: z.ZodType<T>) =>
  s
    .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'to is after from', path: ['to'] })
    .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_RANGE_MS, {
      message: 'at most 400 days',
      path: ['to'],
    });

export const kpiQuerySchema = z.strictObject(sliceFields);
export const seriesQuerySchema = z.strictObject({
  ...sliceFields,
  metric: z.enum(SERIES_METRICS),
  bucket: z.enum(['hour', 'day', 'week']).default('day'),
});
export const heatmapQuerySchema = z.strictObject({
  from: instant,
  to: instant,
  regionId: id.optional(),
  locationId: id.optional(),
  podId: id.optional(),
});

export const diagnosticQuerySchema = z.strictObject({
  from: instant,
  to: instant,
  regionId: id.optional(),
  locationId: id.optional(),
  podId: id.optional(),
  intent: z.string().min(1).max(40).optional(),
  /** A new-patient call not called back within this many minutes (and never booked) counts as lost. */
  lostAfterMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
});
const nullableRate = z.number().min(0).max(1).nullable();
export const diagnosticSchema = z.object({
  from: z.string(),
  to: z.string(),
  missedCalls: z.number().int(),
  notReturnedSameDay: z.number().int(),
  sameDayReturnRate: nullableRate,
  neverCalledBack: z.number().int(),
  averageCallbackDelayMinutes: z.number().nullable(),
  newPatientMissedCalls: z.number().int(),
  newPatientCallsLostToDelay: z.number().int(),
  lostAfterMinutes: z.number().int(),
});
export const kpisSchema = z.object({
  from: z.string(),
  to: z.string(),
  totalInbound: z.number().int(),
  missedCalls: z.number().int(),
  missedCallRate: nullableRate,
  callbacksCompleted: z.number().int(),
  sameDayCompletionRate: nullableRate,
  callsNotReturnedSameDay: z.number().int(),
  medianMinutesToFirstAttempt: z.number().nullable(),
  p90MinutesToFirstAttempt: z.number().nullable(),
  slaAttainment: z.object({ tier1: nullableRate, tier2: nullableRate, tier3: nullableRate }),
  callbackToBookingConversion: nullableRate,
  newPatientsFromPhone: z.number().int(),
  voicemailAbandonment: nullableRate,
  noShowRate: z.object({ callbackBooked: nullableRate, otherBooked: nullableRate }),
  escalationCompliance: nullableRate,
  reworkRate: nullableRate,
  counts: z.object({
    tasksOpened: z.number().int(),
    tasksReached: z.number().int(),
    attendanceRecorded: z.number().int(),
  }),
});
export const seriesSchema = z.object({
  metric: z.string(),
  bucket: z.string(),
  points: z.array(
    z.object({
      bucket: z.string(),
      value: z.number().nullable(),
      numerator: z.number(),
      denominator: z.number(),
    }),
  ),
});
export const heatmapSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** [weekday 0 = Monday .. 6 = Sunday][hour 0-23], in each clinic's local time. */
  grid: z.array(z.array(z.number().int())),
});

type Slice = z.output<typeof kpiQuerySchema>;

/** `{ a: { b: 1 } }` -> rows `a.b,1`: a KPI report as CSV (metric, value). */
function kpiRows(k: Record<string, unknown>, prefix = ''): [string, string][] {
  return Object.entries(k).flatMap(([key, v]) =>
    v !== null && typeof v === 'object'
      ? kpiRows(v as Record<string, unknown>, `${prefix}${key}.`)
      : [[`${prefix}${key}`, v === null ? '' : String(v)] as [string, string]],
  );
}

/**
 * Reports (contract "Reports"): the KPIs of a period by event time, sliced by region, location, pod,
 * tier and intent in the caller's scope; time series by hour, day or week in each clinic's time zone;
 * the weekday x hour demand heatmap; CSV with `format=csv`.
 */
@Controller('reports')
@Authenticated()
export class ReportsHttpController {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  @Get('kpis')
  async kpis(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(range(kpiQuerySchema))) q: Slice,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<(Kpis & { from: string; to: string }) | string> {
    const facts = await this.facts(user, q);
    const kpis = {
      from: new Date(q.from).toISOString(),
      to: new Date(q.to).toISOString(),
      ...computeKpis(facts, { fromMs: Date.parse(q.from), toMs: Date.parse(q.to) }),
    };
    if (q.format === 'csv') return this.csv(res, 'kpis', [['metric', 'value'], ...kpiRows(kpis)]);
    return kpis;
  }

  @Get('timeseries')
  async timeseries(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(range(seriesQuerySchema))) q: z.output<typeof seriesQuerySchema>,
    @Res({ passthrough: true }) res: HttpResponse,
  ) {
    const facts = await this.facts(user, q);
    const points = series(q.metric, q.bucket, {
      ...facts,
      fromMs: Date.parse(q.from),
      toMs: Date.parse(q.to),
      tier: q.tier ? (Number(q.tier) as Tier) : undefined,
    });
    if (q.format === 'csv')
      return this.csv(res, `${q.metric}-${q.bucket}`, [
        ['bucket', 'value', 'numerator', 'denominator'],
        ...points.map((p) => [
          p.bucket,
          p.value === null ? '' : String(p.value),
          String(p.numerator),
          String(p.denominator),
        ]),
      ]);
    return { metric: q.metric, bucket: q.bucket, points };
  }

  @Get('heatmap')
  async heatmap(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(range(heatmapQuerySchema))) q: z.output<typeof heatmapQuerySchema>,
  ) {
    const facts = await this.facts(user, { ...q, format: 'json' });
    return {
      from: q.from,
      to: q.to,
      grid: demandHeatmap(facts.contacts, facts.zoneOf, Date.parse(q.from), Date.parse(q.to)),
    };
  }

  /** Seed 000's 7-day missed-call diagnostic, on recorded or imported history. */
  @Get('diagnostic')
  async diagnostic(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(range(diagnosticQuerySchema))) q: z.output<typeof diagnosticQuerySchema>,
  ) {
    const facts = await this.facts(user, { ...q, format: 'json' });
    return {
      from: q.from,
      to: q.to,
      ...missedCallDiagnostic(
        facts.tasks,
        facts.zoneOf,
        { fromMs: Date.parse(q.from), toMs: Date.parse(q.to) },
        q.lostAfterMinutes,
      ),
    };
  }

  /** The facts of the slice the caller may see. */
  private async facts(user: AuthUser, q: Slice) {
    const locations = (await this.readModels.find<ReportingLocationDoc>(REPORTING_LOCATIONS, {})).filter(
      (l) =>
        canRead(user, l) &&
        (!q.regionId || l.regionId === q.regionId) &&
        (!q.locationId || l.locationId === q.locationId) &&
        (!q.podId || l.podId === q.podId),
    );
    if (q.locationId && locations.length === 0)
      throw new ApiError(404, 'location_not_found', `Unknown location ${q.locationId}`, [
        { locationId: q.locationId },
      ]);
    const zones = new Map(locations.map((l) => [l.locationId, l.timezone]));
    const byLocation = async <T extends { locationId: string }>(collection: string): Promise<T[]> =>
      q.locationId
        ? this.readModels.find<T & { id: string }>(collection, { locationId: q.locationId })
        : (await this.readModels.find<T & { id: string }>(collection, {})).filter((d) =>
            zones.has(d.locationId),
          );
    const tier = q.tier ? Number(q.tier) : null;
    const tasks = (await byLocation<TaskFactDoc>(REPORTING_TASKS)).filter(
      (t) => (tier === null || t.tier === tier) && (!q.intent || t.intent === q.intent),
    );
    const taskIds = new Set(tasks.map((t) => t.taskId));
    const sliced = tier !== null || q.intent !== undefined;
    const contacts = (await byLocation<ContactFactDoc>(REPORTING_CONTACTS)).filter((c) =>
      !sliced ? true : c.taskId !== null && taskIds.has(c.taskId),
    );
    const appointments = (await byLocation<AppointmentFactDoc>(REPORTING_APPOINTMENTS)).filter((a) =>
      !sliced ? true : a.taskId !== null && taskIds.has(a.taskId),
    );
    return { tasks, contacts, appointments, zoneOf: (locationId: string) => zones.get(locationId) ?? 'UTC' };
  }

  private csv(res: HttpResponse, name: string, rows: string[][]): string {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="ringback-${name}.csv"`);
    return stringify(rows);
  }
}
