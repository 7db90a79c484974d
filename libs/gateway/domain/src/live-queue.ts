import type { TaskViewMessage } from '@ringback/contracts';

/** Who is watching (the JWT claims that matter for scope). */
export interface Viewer {
  role: 'admin' | 'supervisor' | 'coordinator' | 'clinic_staff';
  regions: readonly string[];
  locations: readonly string[];
  pods: readonly string[];
}

export type QueueScopeType = 'location' | 'region' | 'pod';
export interface QueueScope {
  scope: QueueScopeType;
  id: string;
}

/** Where a location sits, from its configuration. */
export interface LocationPlace {
  locationId: string;
  regionId: string;
  podId: string;
}

/**
 * What the live-queue rules read of a task view: where it is, its status and tier, and its SLA clock.
 * A task view is one; the gateway's live state holds only this much of each task as objects.
 */
export interface QueueTask {
  taskId: string;
  locationId: string;
  regionId: string;
  podId: string;
  status: TaskViewMessage['status'];
  tier: TaskViewMessage['tier'];
  sla: Pick<TaskViewMessage['sla'], 'status' | 'startedAt' | 'dueAt'>;
}

/** Statuses of tasks that still wait for work: what a live queue shows. */
export const LIVE_STATUSES: readonly TaskViewMessage['status'][] = [
  'open',
  'assigned',
  'in_progress',
  'escalated',
];

/** The contract's scope rule for one task (admin all; supervisor its regions; coordinator its pods; staff its locations). */
export function mayView(viewer: Viewer, place: LocationPlace): boolean {
  switch (viewer.role) {
    case 'admin':
      return true;
    case 'supervisor':
      return viewer.regions.includes(place.regionId);
    case 'coordinator':
      return viewer.pods.includes(place.podId);
    case 'clinic_staff':
      return viewer.locations.includes(place.locationId);
  }
}

/**
 * May `viewer` subscribe to `scope`? Every location the scope covers must be one the viewer may see:
 * a region is a supervisor's own (or any, for admins); a pod is a coordinator's own, or for a
 * supervisor one whose known locations all lie in its regions; a location is any the viewer may see.
 * An unknown location or pod is refused to everyone but admins (nothing to show, nothing to reveal).
 */
export function maySubscribe(viewer: Viewer, scope: QueueScope, places: readonly LocationPlace[]): boolean {
  if (viewer.role === 'admin') return true;
  switch (scope.scope) {
    case 'region':
      return viewer.role === 'supervisor' && viewer.regions.includes(scope.id);
    case 'pod': {
      if (viewer.role === 'coordinator') return viewer.pods.includes(scope.id);
      const inPod = places.filter((p) => p.podId === scope.id);
      return viewer.role === 'supervisor' && inPod.length > 0 && inPod.every((p) => mayView(viewer, p));
    }
    case 'location': {
      const place = places.find((p) => p.locationId === scope.id);
      return place !== undefined && mayView(viewer, place);
    }
  }
}

/**
 * Who among the subscribers of `scope` see the same tasks of it: viewers with one audience key see
 * exactly the same (`inScopeOf(scope, t) && mayView(viewer, t)` agrees for every task `t`), so their
 * queue is computed once and pushed to all of them. The key is `*` where the scope itself implies the
 * viewer's scope rule (an admin; a supervisor's own region, a coordinator's own pod, a staff member's
 * own location): then every task of the scope is theirs. Otherwise the viewer's role and the claims that
 * rule reads (a supervisor's regions of a pod or location board, ...), so the rule is still applied per
 * task, once per distinct claim set.
 */
export function audienceOf(viewer: Viewer, scope: QueueScope): string {
  const claims = (ids: readonly string[]) => JSON.stringify([...new Set(ids)].sort());
  switch (viewer.role) {
    case 'admin':
      return '*';
    case 'supervisor':
      return scope.scope === 'region' && viewer.regions.includes(scope.id)
        ? '*'
        : `supervisor:${claims(viewer.regions)}`;
    case 'coordinator':
      return scope.scope === 'pod' && viewer.pods.includes(scope.id)
        ? '*'
        : `coordinator:${claims(viewer.pods)}`;
    case 'clinic_staff':
      return scope.scope === 'location' && viewer.locations.includes(scope.id)
        ? '*'
        : `clinic_staff:${claims(viewer.locations)}`;
  }
}

/** Does the live queue of `scope` show `task` (in scope and still waiting for work)? */
export function inQueue(scope: QueueScope, task: QueueTask): boolean {
  if (!LIVE_STATUSES.includes(task.status)) return false;
  switch (scope.scope) {
    case 'location':
      return task.locationId === scope.id;
    case 'region':
      return task.regionId === scope.id;
    case 'pod':
      return task.podId === scope.id;
  }
}

export interface QueueStats {
  total: number;
  /** Waiting for a coordinator (status open), by tier. */
  waitingByTier: { 1: number; 2: number; 3: number };
  atRisk: number;
  breached: number;
  /** Earliest SLA start among waiting tasks (the oldest wait), or null. */
  oldestWaitingSince: string | null;
}

export function queueStats(tasks: readonly QueueTask[]): QueueStats {
  const stats: QueueStats = {
    total: tasks.length,
    waitingByTier: { 1: 0, 2: 0, 3: 0 },
    atRisk: 0,
    breached: 0,
    oldestWaitingSince: null,
  };
  for (const t of tasks) {
    if (t.sla.status === 'at_risk') stats.atRisk += 1;
    if (t.sla.status === 'breached') stats.breached += 1;
    if (t.status !== 'open') continue;
    stats.waitingByTier[t.tier] += 1;
    if (stats.oldestWaitingSince === null || t.sla.startedAt < stats.oldestWaitingSince)
      stats.oldestWaitingSince = t.sla.startedAt;
  }
  return stats;
}

/** Queue order: earliest due first, then task id. */
export const byDueAt = (a: QueueTask, b: QueueTask): number =>
  a.sla.dueAt < b.sla.dueAt ? -1 : a.sla.dueAt > b.sla.dueAt ? 1 : a.taskId < b.taskId ? -1 : 1;

/** A coordinator as the wallboard counts them. */
export interface CoordinatorPresence {
  coordinatorId: string;
  podIds: readonly string[];
  presence: 'available' | 'busy' | 'wrap_up' | 'away' | 'offline';
}

export interface ScopeStats extends QueueStats {
  /** Coordinators of the pods that serve the scope, signed in as available. */
  coordinatorsAvailable: number;
  /** Tasks whose SLA clock started in the last 24 hours: met or breached (the rest still run). */
  last24h: { met: number; breached: number; attainment: number | null };
}

/** The pods whose coordinators serve a scope: its own pod, or the pods of its locations. */
export function podsOf(scope: QueueScope, places: readonly LocationPlace[]): Set<string> {
  if (scope.scope === 'pod') return new Set([scope.id]);
  return new Set(
    places
      .filter((p) => (scope.scope === 'region' ? p.regionId === scope.id : p.locationId === scope.id))
      .map((p) => p.podId),
  );
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * What a wallboard tile shows for a scope: the live queue's counts, coordinators available for it,
 * and the SLA record of the last 24 hours (met / (met + breached), null when nothing has finished).
 * `allTasks` are every task of the scope the viewer may see, closed ones included.
 */
export function scopeStats(input: {
  scope: QueueScope;
  live: readonly QueueTask[];
  allTasks: readonly QueueTask[];
  coordinators: readonly CoordinatorPresence[];
  places: readonly LocationPlace[];
  nowMs: number;
}): ScopeStats {
  const pods = podsOf(input.scope, input.places);
  const coordinatorsAvailable = input.coordinators.filter(
    (c) => c.presence === 'available' && c.podIds.some((p) => pods.has(p)),
  ).length;
  let met = 0;
  let breached = 0;
  for (const t of input.allTasks) {
    if (input.nowMs - Date.parse(t.sla.startedAt) > DAY_MS) continue;
    if (t.sla.status === 'met') met += 1;
    if (t.sla.status === 'breached') breached += 1;
  }
  return {
    ...queueStats(input.live),
    coordinatorsAvailable,
    last24h: { met, breached, attainment: met + breached === 0 ? null : met / (met + breached) },
  };
}

/** Does `task` belong to `scope` (whatever its status)? */
export function inScopeOf(scope: QueueScope, task: QueueTask): boolean {
  return scope.scope === 'location'
    ? task.locationId === scope.id
    : scope.scope === 'region'
      ? task.regionId === scope.id
      : task.podId === scope.id;
}
