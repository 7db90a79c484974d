import { DateTime } from 'luxon';
import type { ContactFact, TaskFact } from '../facts/facts';

/** A counter of one location's local day: calls by kind, or tasks by tier and state. */
export type DailyCounter =
  | { metric: 'calls'; kind: ContactFact['kind'] }
  | {
      metric: 'tasks';
      tier: string;
      state: 'opened' | 'attempted_same_day' | 'completed_same_day' | 'sla_met' | 'sla_breached';
    };

/**
 * Running counts of one location's local day, as the reporting projection keeps them, so today's
 * gauges read one document per location instead of every fact of the day. `counts` is keyed by
 * {@link dailyCounterKey}.
 */
export interface DailyCounts {
  locationId: string;
  /** The location's local date, YYYY-MM-DD. */
  day: string;
  counts: Record<string, number>;
}

export const dailyCounterKey = (c: DailyCounter): string =>
  c.metric === 'calls' ? `calls|${c.kind}` : `tasks|${c.tier}|${c.state}`;

export function parseDailyCounterKey(key: string): DailyCounter | null {
  const [metric, a, b] = key.split('|');
  if (metric === 'calls' && a) return { metric, kind: a as ContactFact['kind'] };
  if (metric === 'tasks' && a && b) return { metric, tier: a, state: b as never };
  return null;
}

export const localDayOf = (iso: string, zone: string): string => DateTime.fromISO(iso, { zone }).toISODate()!;

/** The day and counters a call adds to; none for imported history, which the gauges leave out. */
export function contactCounters(fact: ContactFact, zone: string): { day: string; counters: string[] } | null {
  if (fact.imported) return null;
  return {
    day: localDayOf(fact.occurredAt, zone),
    counters: [dailyCounterKey({ metric: 'calls', kind: fact.kind })],
  };
}

/**
 * The day (the local day it was opened) and counters a task adds to, as the task stands: opened,
 * first attempted and completed on that same day, SLA met or breached (a decided clock).
 */
export function taskCounters(fact: TaskFact, zone: string): { day: string; counters: string[] } | null {
  if (fact.imported) return null;
  const day = localDayOf(fact.openedAt, zone);
  const sameDay = (iso: string | null) => iso !== null && localDayOf(iso, zone) === day;
  const tier = String(fact.tier);
  const states: Extract<DailyCounter, { metric: 'tasks' }>['state'][] = ['opened'];
  if (sameDay(fact.firstAttemptAt)) states.push('attempted_same_day');
  if (sameDay(fact.resolvedAt)) states.push('completed_same_day');
  if (fact.slaMet === true && !fact.slaBreached) states.push('sla_met');
  if (fact.slaBreached || fact.slaMet === false) states.push('sla_breached');
  return { day, counters: states.map((state) => dailyCounterKey({ metric: 'tasks', tier, state })) };
}

/**
 * What a fact's change from `before` to `after` does to the daily counts: +1 and -1 per counter and
 * day, the counters both stand in left out.
 */
export function counterDelta(
  before: { day: string; counters: string[] } | null,
  after: { day: string; counters: string[] } | null,
): { day: string; counter: string; by: 1 | -1 }[] {
  const held = new Set(before ? before.counters.map((c) => `${before.day}#${c}`) : []);
  const now = new Set(after ? after.counters.map((c) => `${after.day}#${c}`) : []);
  const out: { day: string; counter: string; by: 1 | -1 }[] = [];
  for (const k of held) if (!now.has(k)) out.push({ ...split(k), by: -1 });
  for (const k of now) if (!held.has(k)) out.push({ ...split(k), by: 1 });
  return out;
}

const split = (k: string) => {
  const i = k.indexOf('#');
  return { day: k.slice(0, i), counter: k.slice(i + 1) };
};
