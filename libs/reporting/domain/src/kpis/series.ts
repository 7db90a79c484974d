import { DateTime } from 'luxon';
import type { ContactFact, TaskFact, Tier } from '../facts/facts';
import { rate } from './kpis';

export type Bucket = 'hour' | 'day' | 'week';
export const SERIES_METRICS = [
  'inbound',
  'missedCalls',
  'missedCallRate',
  'callbacksCompleted',
  'sameDayCompletionRate',
  'slaAttainment',
] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

export interface SeriesPoint {
  /** The bucket in the clinic's local time: `2026-11-30T09` (hour), `2026-11-30` (day), `2026-W49` (week). */
  bucket: string;
  value: number | null;
  numerator: number;
  denominator: number;
}

/** A fact's bucket label, in its location's zone. */
export function bucketOf(iso: string, zone: string, bucket: Bucket): string {
  const t = DateTime.fromISO(iso, { zone });
  if (bucket === 'hour') return t.toFormat("yyyy-LL-dd'T'HH");
  if (bucket === 'day') return t.toISODate()!;
  return t.toFormat("kkkk-'W'WW");
}

interface SeriesInput {
  tasks: readonly TaskFact[];
  contacts: readonly ContactFact[];
  zoneOf: (locationId: string) => string;
  fromMs: number;
  toMs: number;
  tier?: Tier | undefined;
}

/**
 * One metric over time, bucketed by hour, day or ISO week in each clinic's own time zone (a region
 * spanning zones puts each call in its clinic's local hour). Counts are numerators over a denominator
 * of 1; rates carry both, so buckets can be read and summed honestly.
 */
export function series(metric: SeriesMetric, bucket: Bucket, input: SeriesInput): SeriesPoint[] {
  const within = (iso: string | null) =>
    iso !== null && Date.parse(iso) >= input.fromMs && Date.parse(iso) < input.toMs;
  const points = new Map<string, { numerator: number; denominator: number }>();
  const add = (iso: string, locationId: string, num: number, den: number) => {
    const key = bucketOf(iso, input.zoneOf(locationId), bucket);
    const p = points.get(key) ?? { numerator: 0, denominator: 0 };
    p.numerator += num;
    p.denominator += den;
    points.set(key, p);
  };
  const localDate = (iso: string, locationId: string) =>
    DateTime.fromISO(iso, { zone: input.zoneOf(locationId) }).toISODate();
  switch (metric) {
    case 'inbound':
      for (const c of input.contacts) if (within(c.occurredAt)) add(c.occurredAt, c.locationId, 1, 1);
      break;
    case 'missedCalls':
      for (const c of input.contacts)
        if (within(c.occurredAt) && (c.kind === 'missed_call' || c.kind === 'voicemail'))
          add(c.occurredAt, c.locationId, 1, 1);
      break;
    case 'missedCallRate':
      for (const c of input.contacts) {
        if (!within(c.occurredAt) || c.kind === 'callback_request') continue;
        add(c.occurredAt, c.locationId, c.kind === 'answered' ? 0 : 1, 1);
      }
      break;
    case 'callbacksCompleted':
      for (const t of input.tasks) if (within(t.resolvedAt)) add(t.resolvedAt!, t.locationId, 1, 1);
      break;
    case 'sameDayCompletionRate':
      for (const t of input.tasks) {
        if (!within(t.openedAt)) continue;
        const same =
          t.resolvedAt !== null &&
          localDate(t.resolvedAt, t.locationId) === localDate(t.openedAt, t.locationId);
        add(t.openedAt, t.locationId, same ? 1 : 0, 1);
      }
      break;
    case 'slaAttainment':
      for (const t of input.tasks) {
        if (!within(t.openedAt) || (input.tier && t.tier !== input.tier)) continue;
        if (t.slaMet === null && !t.slaBreached) continue;
        add(t.openedAt, t.locationId, t.slaMet === true && !t.slaBreached ? 1 : 0, 1);
      }
      break;
  }
  const counts = metric === 'inbound' || metric === 'missedCalls' || metric === 'callbacksCompleted';
  return [...points.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, p]) => ({
      bucket: key,
      value: counts ? p.numerator : rate(p.numerator, p.denominator),
      numerator: p.numerator,
      denominator: p.denominator,
    }));
}

/** Demand by local weekday (1 Monday .. 7 Sunday) and hour (0-23): inbound calls, for staffing windows. */
export function demandHeatmap(
  contacts: readonly ContactFact[],
  zoneOf: (locationId: string) => string,
  fromMs: number,
  toMs: number,
): number[][] {
  const grid = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  for (const c of contacts) {
    const t = Date.parse(c.occurredAt);
    if (t < fromMs || t >= toMs) continue;
    const local = DateTime.fromMillis(t, { zone: zoneOf(c.locationId) });
    grid[local.weekday - 1]![local.hour]! += 1;
  }
  return grid;
}
