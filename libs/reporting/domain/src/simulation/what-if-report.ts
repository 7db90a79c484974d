import type { TaskFact } from '../facts/facts';
import { computeKpis, rate, type Kpis, type Period } from '../kpis/kpis';
import type { SimulationResult } from './what-if-simulator';

/** The figures a what-if compares: projected beside actual, over the same tasks and definitions. */
export interface WhatIfFigures {
  tasks: number;
  /** Met over decided clocks, all tiers together; and per tier. */
  slaAttainment: { overall: number | null; tier1: number | null; tier2: number | null; tier3: number | null };
  /** Clocks decided (met or breached), the attainment's denominator. */
  slaDecided: number;
  sameDayCompletionRate: number | null;
  callsNotReturnedSameDay: number;
  medianMinutesToFirstAttempt: number | null;
  p90MinutesToFirstAttempt: number | null;
}

export interface WhatIfReport {
  period: { from: string; to: string };
  projected: WhatIfFigures;
  actual: WhatIfFigures;
  /** projected - actual, in percentage points for rates and in units otherwise. */
  difference: {
    slaAttainmentPoints: number | null;
    sameDayCompletionPoints: number | null;
    medianMinutesToFirstAttempt: number | null;
  };
}

const decided = (t: TaskFact) => t.slaMet !== null || t.slaBreached;
const met = (t: TaskFact) => t.slaMet === true && !t.slaBreached;

function figures(facts: readonly TaskFact[], period: Period, zoneOf: (l: string) => string): WhatIfFigures {
  const k: Kpis = computeKpis({ tasks: facts, contacts: [], appointments: [], zoneOf }, period);
  const cohort = facts.filter((t) => {
    const at = Date.parse(t.openedAt);
    return at >= period.fromMs && at < period.toMs;
  });
  const clocks = cohort.filter(decided);
  return {
    tasks: cohort.length,
    slaAttainment: { overall: rate(clocks.filter(met).length, clocks.length), ...k.slaAttainment },
    slaDecided: clocks.length,
    sameDayCompletionRate: k.sameDayCompletionRate,
    callsNotReturnedSameDay: k.callsNotReturnedSameDay,
    medianMinutesToFirstAttempt: k.medianMinutesToFirstAttempt,
    p90MinutesToFirstAttempt: k.p90MinutesToFirstAttempt,
  };
}

const points = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : Math.round((a - b) * 1000) / 10;

/** Projected and actual KPIs of a simulation over `period` (tasks whose call falls in it). */
export function whatIfReport(
  result: Pick<SimulationResult, 'simulated' | 'actual'>,
  period: Period,
  zoneOf: (locationId: string) => string,
): WhatIfReport {
  const projected = figures(result.simulated, period, zoneOf);
  const actual = figures(result.actual, period, zoneOf);
  return {
    period: { from: new Date(period.fromMs).toISOString(), to: new Date(period.toMs).toISOString() },
    projected,
    actual,
    difference: {
      slaAttainmentPoints: points(projected.slaAttainment.overall, actual.slaAttainment.overall),
      sameDayCompletionPoints: points(projected.sameDayCompletionRate, actual.sameDayCompletionRate),
      medianMinutesToFirstAttempt:
        projected.medianMinutesToFirstAttempt === null || actual.medianMinutesToFirstAttempt === null
          ? null
          : Math.round((projected.medianMinutesToFirstAttempt - actual.medianMinutesToFirstAttempt) * 10) /
            10,
    },
  };
}
