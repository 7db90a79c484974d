import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { Authenticated, CurrentUser, type AuthUser } from '@ringback/auth';
import { ZodValidationPipe } from '@ringback/nest-platform';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { RunSimulationHandler, type SimulationAnswer } from './run-simulation.handler';

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/);
const instant = z.iso.datetime({ offset: true });
/** A replay covers at most 31 days (a month of a large system stays well inside a request). */
const MAX_RANGE_MS = 31 * 86_400_000;

const periodFields = { from: instant, to: instant, regionId: id.optional(), locationId: id.optional() };
const period = <T extends { from: string; to: string }>(s: z.ZodType<T>) =>
  s
    .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'to is after from', path: ['to'] })
    .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_RANGE_MS, {
      message: 'at most 31 days',
      path: ['to'],
    });

export const staffingRowSchema = z.strictObject({
  podId: id,
  /** ISO weekdays: 1 = Monday ... 7 = Sunday. */
  weekdays: z
    .array(z.number().int().min(1).max(7))
    .min(1)
    .max(7)
    .refine((w) => new Set(w).size === w.length, { message: 'each weekday once' }),
  /** Coordinators signed in per local hour 00..23 (fractions: part of the hour). */
  hours: z.array(z.number().min(0).max(500)).length(24),
  /** IANA zone of the hours; default the pod's first location's. */
  timezone: z
    .string()
    .max(64)
    .refine((tz) => IANAZone.isValidZone(tz), { message: 'unknown IANA time zone' })
    .optional(),
});

export const simulationRequestSchema = period(
  z.strictObject({
    ...periodFields,
    staffing: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('recorded') }),
      z.strictObject({ kind: z.literal('plan'), rows: z.array(staffingRowSchema).min(1).max(1000) }),
    ]),
    /** Re-triage every call with this recorded policy version; default: as recorded. */
    policyVersion: z.number().int().positive().optional(),
    /** Wrap-up after each callback; default the recorded median. */
    wrapUpSeconds: z.number().int().min(0).max(3600).optional(),
    /** Seed of the draws for work without a recorded trace (imported history). */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
  }),
);
export const staffingQuerySchema = z.strictObject(periodFields);

const rate = z.number().min(0).max(1).nullable();
const figures = z.object({
  tasks: z.number().int(),
  slaAttainment: z.object({ overall: rate, tier1: rate, tier2: rate, tier3: rate }),
  slaDecided: z.number().int(),
  sameDayCompletionRate: rate,
  callsNotReturnedSameDay: z.number().int(),
  medianMinutesToFirstAttempt: z.number().nullable(),
  p90MinutesToFirstAttempt: z.number().nullable(),
});
export const simulationAnswerSchema = z.object({
  period: z.object({ from: z.string(), to: z.string() }),
  projected: figures,
  actual: figures,
  difference: z.object({
    slaAttainmentPoints: z.number().nullable(),
    sameDayCompletionPoints: z.number().nullable(),
    medianMinutesToFirstAttempt: z.number().nullable(),
  }),
  scope: z.object({ locations: z.number().int(), pods: z.array(z.string()) }),
  staffing: z.object({
    kind: z.enum(['recorded', 'plan']),
    coordinatorHours: z.record(z.string(), z.object({ recorded: z.number(), replayed: z.number() })),
  }),
  policyVersion: z.number().int().nullable(),
  work: z.object({
    medianHandleMinutes: z.number().nullable(),
    medianOfferResponseSeconds: z.number().nullable(),
    reachProbability: z.array(z.number()),
    medianHandoffMinutes: z.number().nullable(),
    wrapUpSeconds: z.number(),
    sessions: z.object({ replayed: z.number().int(), drawn: z.number().int() }),
  }),
  byPod: z.array(z.object({ podId: z.string(), projected: rate, actual: rate, tasks: z.number().int() })),
});
export const recordedStaffingSchema = z.object({
  from: z.string(),
  to: z.string(),
  plan: z.object({
    rows: z.array(
      z.object({
        podId: z.string(),
        weekdays: z.array(z.number().int()),
        hours: z.array(z.number()),
        timezone: z.string().optional(),
      }),
    ),
  }),
  pods: z.array(z.object({ podId: z.string(), timezone: z.string() })),
  policyVersions: z.array(z.number().int()),
});

/**
 * The what-if staffing simulator (supervisors and admins, in their scope): replays a period's demand
 * under another staffing plan or policy version, beside what actually happened; and the recorded
 * staffing of a period as a plan to start from.
 */
@Controller('reports/simulations')
@Authenticated('admin', 'supervisor')
export class SimulationsHttpController {
  constructor(@Inject(RunSimulationHandler) private readonly handler: RunSimulationHandler) {}

  @Post()
  @HttpCode(200)
  simulate(
    @CurrentUser() user: AuthUser,
    @Body(new ZodValidationPipe(simulationRequestSchema)) body: z.output<typeof simulationRequestSchema>,
  ): Promise<SimulationAnswer> {
    return this.handler.run(user, body);
  }

  @Get('staffing')
  staffing(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(period(staffingQuerySchema))) q: z.output<typeof staffingQuerySchema>,
  ) {
    return this.handler.recordedStaffing(user, q);
  }
}
