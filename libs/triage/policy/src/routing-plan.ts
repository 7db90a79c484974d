import type { Presence } from './presence';

/**
 * Which waiting task to offer to which free coordinator, now. Pure: the dispatcher hands in what the
 * read models say and applies the plan through the coordinator and task deciders, which re-check
 * every rule against their streams (a stale read model costs a refused offer, never a wrong one).
 *
 * Priority: tier (raised by an SLA breach's priority bump), then least SLA slack, then age.
 * Eligibility:
 * - the coordinator is `available` and holds no offer; the task has no pending offer and its retry
 *   time (if any) has come; the coordinator has not declined or let this task's offer lapse already;
 * - pod: the coordinator works in the task's pod, or the task may overflow (its pod has no one
 *   `available`, or its breach allows overflow); a coordinator of the task's own pod wins over one
 *   from another pod;
 * - skills: a task with a language needs a coordinator who speaks it and a location's service lines
 *   need a coordinator serving one of them (generalists serve all), both relaxed once the SLA is
 *   breached: a late callback in English beats none.
 * Among eligible coordinators the one idle longest is offered first (fairness).
 */
export interface RoutableTask {
  taskId: string;
  podId: string;
  tier: 1 | 2 | 3;
  /** SLA due time (epoch ms). */
  dueAtMs: number;
  /** When the contact happened (epoch ms): age breaks ties. */
  occurredAtMs: number;
  language: string | null;
  /** Service lines of the task's location (empty: none required). */
  serviceLines: readonly string[];
  /** From SlaBreached: how many levels to raise the tier by, and whether other pods may take it. */
  breach: { priorityBump: number; overflow: boolean } | null;
  /** Retry time of a requeued task (epoch ms), or null when it may be offered now. */
  availableAtMs: number | null;
  /** Coordinators who declined or let lapse an offer of this task since it was last queued. */
  passedBy: readonly string[];
}

export interface RoutableCoordinator {
  coordinatorId: string;
  podIds: readonly string[];
  languages: readonly string[];
  serviceLines: readonly string[];
  presence: Presence;
  holdsOffer: boolean;
  /** Since when the coordinator's presence holds (epoch ms): idle longest first. */
  presenceSinceMs: number;
}

export interface PlannedOffer {
  taskId: string;
  coordinatorId: string;
  /** The coordinator is from another pod than the task's. */
  overflow: boolean;
}

/** Lower is more urgent. */
export const effectiveTier = (t: RoutableTask): number => Math.max(0, t.tier - (t.breach?.priorityBump ?? 0));

/** Task order for routing: effective tier, least slack (earliest due), oldest, then id. */
export function compareTasks(a: RoutableTask, b: RoutableTask): number {
  return (
    effectiveTier(a) - effectiveTier(b) ||
    a.dueAtMs - b.dueAtMs ||
    a.occurredAtMs - b.occurredAtMs ||
    (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0)
  );
}

const primary = (lang: string): string => lang.toLowerCase().split('-')[0] ?? lang.toLowerCase();

/** Does `c` have the skills `t` needs (ignoring pods)? */
export function hasSkills(c: RoutableCoordinator, t: RoutableTask): boolean {
  if (t.breach) return true;
  if (t.language && !c.languages.some((l) => primary(l) === primary(t.language!))) return false;
  if (c.serviceLines.length > 0 && t.serviceLines.length > 0)
    return t.serviceLines.some((s) => c.serviceLines.includes(s));
  return true;
}

const isFree = (c: RoutableCoordinator): boolean => c.presence === 'available' && !c.holdsOffer;

/** Is `t` waiting for an offer at `nowMs`? */
export const isRoutable = (t: RoutableTask, nowMs: number): boolean =>
  t.availableAtMs === null || t.availableAtMs <= nowMs;

export function planOffers(input: {
  nowMs: number;
  tasks: readonly RoutableTask[];
  coordinators: readonly RoutableCoordinator[];
}): PlannedOffer[] {
  const { nowMs } = input;
  // "A pod has no one available": nobody of the pod is signed in as available, offer or not.
  const podsWithSomeoneAvailable = new Set<string>();
  for (const c of input.coordinators)
    if (c.presence === 'available') for (const p of c.podIds) podsWithSomeoneAvailable.add(p);

  const free = input.coordinators
    .filter(isFree)
    .sort((a, b) => a.presenceSinceMs - b.presenceSinceMs || (a.coordinatorId < b.coordinatorId ? -1 : 1));
  const used = new Set<string>();
  const plan: PlannedOffer[] = [];
  for (const t of [...input.tasks].filter((t) => isRoutable(t, nowMs)).sort(compareTasks)) {
    const mayOverflow = (t.breach?.overflow ?? false) || !podsWithSomeoneAvailable.has(t.podId);
    let chosen: RoutableCoordinator | undefined;
    let overflow = false;
    for (const c of free) {
      if (used.has(c.coordinatorId) || t.passedBy.includes(c.coordinatorId) || !hasSkills(c, t)) continue;
      if (c.podIds.includes(t.podId)) {
        chosen = c;
        overflow = false;
        break;
      }
      if (mayOverflow && !chosen) {
        chosen = c;
        overflow = true;
      }
    }
    if (!chosen) continue;
    used.add(chosen.coordinatorId);
    plan.push({ taskId: t.taskId, coordinatorId: chosen.coordinatorId, overflow });
  }
  return plan;
}
