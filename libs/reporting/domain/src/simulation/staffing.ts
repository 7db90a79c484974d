import { DateTime } from 'luxon';
import type { SimCoordinator, SimulationRecord } from './simulation-record';

/**
 * A staffing plan: how many coordinators each pod has signed in, per local hour of the day, on the
 * weekdays a row names. Rows of one pod add up (a weekday row and a weekend row, or two overlapping
 * shifts). A fractional count means a coordinator for that share of the hour (its first minutes).
 */
export interface StaffingRow {
  podId: string;
  /** ISO weekdays the row applies to: 1 = Monday ... 7 = Sunday. */
  weekdays: number[];
  /** 24 counts, local hours 00..23 of the pod's time zone. */
  hours: number[];
  /** IANA zone of the hours; default: the zone of the pod's first location. */
  timezone?: string;
}

export interface StaffingPlan {
  rows: StaffingRow[];
}

const HOUR = 3_600_000;
const WEEKDAYS = [1, 2, 3, 4, 5] as const;
const WEEKEND = [6, 7] as const;

/** The zone a pod's plan is read in: its first location's (by id), else UTC. */
export function podTimezone(record: Pick<SimulationRecord, 'locations'>, podId: string): string {
  const zones = [...record.locations.values()]
    .filter((l) => l.podId === podId)
    .sort((a, b) => (a.locationId < b.locationId ? -1 : 1));
  return zones[0]?.timezone ?? 'UTC';
}

/** Merges touching or overlapping intervals of a sorted list. */
function merge(intervals: [number, number][]): [number, number][] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Local midnights of the days overlapping `[fromMs, toMs)` in `zone`. */
function localDays(fromMs: number, toMs: number, zone: string): DateTime[] {
  const days: DateTime[] = [];
  let d = DateTime.fromMillis(fromMs, { zone }).startOf('day');
  while (d.toMillis() < toMs) {
    days.push(d);
    d = d.plus({ days: 1 });
  }
  return days;
}

/**
 * Coordinators who work the plan over `[fromMs, toMs)`: per pod, as many as its busiest hour needs,
 * the i-th signed in whenever the pod's count is above i - 1. Their skills: every language the pod's
 * recorded coordinators speak (English when it had none), generalists of every service line; the
 * plan says how many people, not who, so they are as able as the pod's staff together.
 */
export function coordinatorsOfPlan(
  plan: StaffingPlan,
  record: Pick<SimulationRecord, 'locations' | 'coordinators'>,
  fromMs: number,
  toMs: number,
): SimCoordinator[] {
  const byPod = new Map<string, StaffingRow[]>();
  for (const row of plan.rows) byPod.set(row.podId, [...(byPod.get(row.podId) ?? []), row]);
  const out: SimCoordinator[] = [];
  for (const [podId, rows] of [...byPod].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const languages = [
      ...new Set(record.coordinators.filter((c) => c.podIds.includes(podId)).flatMap((c) => c.languages)),
    ];
    // Rows add up: the pod's count per hour is the sum of its rows' counts for that hour.
    const perHour = new Map<number, { end: number; count: number }>();
    for (const row of rows) {
      const zone = row.timezone ?? podTimezone(record, podId);
      for (const day of localDays(fromMs, toMs, zone)) {
        if (!row.weekdays.includes(day.weekday)) continue;
        for (let h = 0; h < 24; h++) {
          const count = Math.max(0, row.hours[h] ?? 0);
          if (count === 0) continue;
          const start = day.plus({ hours: h }).toMillis();
          const slot = perHour.get(start) ?? { end: day.plus({ hours: h + 1 }).toMillis(), count: 0 };
          slot.count += count;
          perHour.set(start, slot);
        }
      }
    }
    // Per coordinator index, the intervals they are signed in.
    const shifts: [number, number][][] = [];
    for (const [start, { end, count }] of perHour)
      for (let i = 0; i < Math.ceil(count); i++) {
        const share = Math.min(1, count - i);
        (shifts[i] ??= []).push([start, start + Math.round(share * (end - start))]);
      }
    shifts.forEach((intervals, i) =>
      out.push({
        coordinatorId: `plan:${podId}:${i + 1}`,
        podIds: [podId],
        languages: languages.length > 0 ? languages : ['en'],
        serviceLines: [],
        signedIn: merge(intervals),
      }),
    );
  }
  return out;
}

/** Time each coordinator was signed in within `[fromMs, toMs)`. */
const overlap = (a: [number, number], fromMs: number, toMs: number): number =>
  Math.max(0, Math.min(a[1], toMs) - Math.max(a[0], fromMs));

/**
 * The recorded staffing as a plan: per pod, the mean number of coordinators signed in per local hour
 * over the weekdays (Monday to Friday) of the period, and a weekend row when anybody worked then.
 * A coordinator of several pods counts in each. Means are kept to one decimal.
 */
export function planOfRecord(
  record: Pick<SimulationRecord, 'locations' | 'coordinators'>,
  fromMs: number,
  toMs: number,
): StaffingPlan {
  const pods = new Set<string>([
    ...[...record.locations.values()].map((l) => l.podId),
    ...record.coordinators.flatMap((c) => c.podIds),
  ]);
  const rows: StaffingRow[] = [];
  for (const podId of [...pods].sort()) {
    const zone = podTimezone(record, podId);
    const staff = record.coordinators.filter((c) => c.podIds.includes(podId));
    for (const weekdays of [WEEKDAYS, WEEKEND]) {
      const days = localDays(fromMs, toMs, zone).filter((d) =>
        (weekdays as readonly number[]).includes(d.weekday),
      );
      if (days.length === 0) continue;
      const hours = Array.from({ length: 24 }, (_, h) => {
        let signedInMs = 0;
        for (const day of days) {
          const start = Math.max(fromMs, day.plus({ hours: h }).toMillis());
          const end = Math.min(toMs, day.plus({ hours: h + 1 }).toMillis());
          if (end <= start) continue;
          for (const c of staff) for (const i of c.signedIn) signedInMs += overlap(i, start, end);
        }
        return Math.round((signedInMs / HOUR / days.length) * 10) / 10;
      });
      if (weekdays === WEEKEND && hours.every((n) => n === 0)) continue;
      rows.push({ podId, weekdays: [...weekdays], hours, timezone: zone });
    }
  }
  return { rows };
}

/** Coordinator-hours per pod within `[fromMs, toMs)`. */
export function coordinatorHours(
  coordinators: readonly SimCoordinator[],
  fromMs: number,
  toMs: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of coordinators)
    for (const p of c.podIds) {
      const h = c.signedIn.reduce((s, i) => s + overlap(i, fromMs, toMs), 0) / HOUR;
      out[p] = Math.round(((out[p] ?? 0) + h) * 10) / 10;
    }
  return out;
}
