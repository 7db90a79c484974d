import { BusinessCalendar, businessCalendar, toEpochMillis, type Instant } from './business-calendar';
import type { LocationSchedule } from './location-schedule';

const MINUTE = 60_000;

/** How an SLA clock counts: real time 24/7 (Tier 1) or only while the location is open (Tiers 2/3). */
export type SlaClockMode = 'wall_clock' | 'business';

/** Live state of a running SLA clock (`met` is the caller's once the task is resolved). */
export type SlaStatus = 'on_track' | 'at_risk' | 'breached';

/** Share of the target after which a clock is at risk (contract: 75%). */
export const AT_RISK_FRACTION = 0.75;

/**
 * What the clock counts against. `business` needs the schedule that applied when the clock started
 * (tasks keep those rules), as a validated schedule or a {@link BusinessCalendar}.
 */
export type SlaClockBasis =
  | { mode: 'wall_clock'; schedule?: LocationSchedule | BusinessCalendar | null }
  | { mode: 'business'; schedule: LocationSchedule | BusinessCalendar };

/** A clock's start and target. */
export type SlaTarget = SlaClockBasis & {
  /** When the clock started, normally {@link clockStart} of the call. */
  startedAt: Instant;
  /** Target in (wall-clock or business) minutes; 0 or more. */
  targetMinutes: number;
};

/** The instants a durable timer should fire at. */
export interface SlaThresholds {
  /** When 75% of the target has elapsed. */
  atRiskAt: number;
  /** When 100% has elapsed (the due time). */
  breachAt: number;
}

// Business mode reads offset-less ISO strings in the location's zone; wall-clock mode has no zone.
const zoneOf = (basis: SlaClockBasis): string | undefined =>
  basis.mode === 'business' ? businessCalendar(basis.schedule).timezone : undefined;

function targetMs(targetMinutes: number): number {
  if (!Number.isFinite(targetMinutes) || targetMinutes < 0) {
    throw new RangeError(`targetMinutes must be a finite number >= 0, got ${targetMinutes}`);
  }
  return Math.round(targetMinutes * MINUTE);
}

/**
 * When the SLA clock starts: the call's `occurredAt` (event time, never arrival time), or a
 * preferred-window start that is later than it. A business clock that starts while the location
 * is closed additionally waits for the next opening; the functions below handle that themselves.
 */
export function clockStart(occurredAt: Instant, preferredWindowStart?: Instant | null): number {
  const occurred = toEpochMillis(occurredAt);
  if (preferredWindowStart === undefined || preferredWindowStart === null) return occurred;
  return Math.max(occurred, toEpochMillis(preferredWindowStart));
}

/** Elapsed clock time from `startedAt` to `at` in ms (negative before the start). */
function elapsedMs(basis: SlaClockBasis, startedAt: number, at: number): number {
  return basis.mode === 'wall_clock'
    ? at - startedAt
    : businessCalendar(basis.schedule).businessMillisecondsBetween(startedAt, at);
}

function addMs(basis: SlaClockBasis, startedAt: number, ms: number): number {
  return basis.mode === 'wall_clock'
    ? startedAt + ms
    : businessCalendar(basis.schedule).addBusinessMilliseconds(startedAt, ms);
}

/**
 * The due instant (epoch ms): `targetMinutes` after `startedAt`, counted per `mode`.
 * @throws NoOpenHoursError in business mode when the schedule never opens (see BusinessCalendar).
 */
export function computeDueAt(target: SlaTarget): number {
  const start = toEpochMillis(target.startedAt, zoneOf(target));
  return addMs(target, start, targetMs(target.targetMinutes));
}

/**
 * The at-risk and breach instants of a clock, for durable timers. `atRiskAt` is the first instant
 * at which {@link slaStatus} answers `at_risk` (75% of the target, rounded up to the millisecond).
 * @throws NoOpenHoursError in business mode when the schedule never opens.
 */
export function thresholdInstants(target: SlaTarget): SlaThresholds {
  const start = toEpochMillis(target.startedAt, zoneOf(target));
  const total = targetMs(target.targetMinutes);
  return {
    atRiskAt: addMs(target, start, Math.ceil(total * AT_RISK_FRACTION)),
    breachAt: addMs(target, start, total),
  };
}

/**
 * Status of a running clock at `now`: `breached` from `dueAt` on, `at_risk` once 75% of the
 * startedAt→dueAt clock time has elapsed, `on_track` before. Business time is measured with the
 * schedule given, so pass the one the clock started under.
 */
export function slaStatus(
  input: SlaClockBasis & { startedAt: Instant; dueAt: Instant; now: Instant },
): SlaStatus {
  const zone = zoneOf(input);
  const start = toEpochMillis(input.startedAt, zone);
  const due = toEpochMillis(input.dueAt, zone);
  const now = toEpochMillis(input.now, zone);
  if (now >= due) return 'breached';
  const total = elapsedMs(input, start, due);
  if (total <= 0) return 'on_track';
  // Integer comparison: elapsed/total >= 3/4 without floating-point error.
  return 4 * elapsedMs(input, start, now) >= 3 * total ? 'at_risk' : 'on_track';
}
