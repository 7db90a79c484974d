import type { HandoffRole, Intent, Tier } from '@ringback/triage-policy';
import type { CallbackTaskState, TaskStatus } from './callback-task.decider';

export type SlaStatus = 'on_track' | 'at_risk' | 'breached' | 'met';

/**
 * The contract's task JSON (`GET /api/v1/tasks/{id}`, wallboard snapshots and deltas), plus a few
 * additive fields. No caller phone or name: the wallboard is shared screen space.
 */
export interface TaskView {
  taskId: string;
  locationId: string;
  regionId: string;
  podId: string;
  status: TaskStatus;
  tier: Tier;
  intent: Intent | null;
  callCount: number;
  sla: { targetMinutes: number; startedAt: string; dueAt: string; status: SlaStatus };
  triage: { policyVersion: number; rule: string; reasons: string[] };
  /**
   * Tier 1 (or escalated) tasks: who the call is handed to. `accepted` says whether licensed staff
   * took it; the role comes from the escalation once there is one, else from triage.
   */
  handoff: { role: HandoffRole; accepted: boolean } | null;
  /** Additive: the coordinator working the task, if any. */
  assigneeId: string | null;
  /** Additive: callback attempts so far. */
  attemptCount: number;
  /** Additive: when a failed attempt's retry is due (the task waits in the queue until then). */
  nextAttemptAt: string | null;
  /** Additive: the coordinator the task is offered to, until when. */
  offer: { coordinatorId: string; expiresAt: string } | null;
  /** Additive: the same caller has open tasks at other locations (flagged, not merged). */
  repeatCaller: { otherTasks: { taskId: string; locationId: string }[] } | null;
}

/**
 * Pure projection of one task. `slaStatus` comes from the caller, who owns the calendar and the
 * clock (75 % of target at-risk, 100 % breached, `met` once stopped in time).
 */
export function taskView(state: CallbackTaskState, slaStatus: SlaStatus): TaskView | null {
  if (state.status === 'none') return null;
  const t = state.task;
  const role = t.escalation?.role ?? t.triage.handoff?.role ?? null;
  return {
    taskId: t.taskId,
    locationId: t.locationId,
    regionId: t.regionId,
    podId: t.podId,
    status: state.status,
    tier: t.triage.tier,
    intent: t.intent,
    callCount: t.callCount,
    sla: {
      targetMinutes: t.sla.targetMinutes,
      startedAt: t.sla.startedAt,
      dueAt: t.sla.dueAt,
      status: slaStatus,
    },
    triage: { policyVersion: t.triage.policyVersion, rule: t.triage.rule, reasons: [...t.triage.reasons] },
    handoff: role ? { role, accepted: t.escalation?.acceptedAt != null } : null,
    assigneeId: 'assigneeId' in state ? state.assigneeId : null,
    attemptCount: t.attemptCount,
    nextAttemptAt: state.status === 'open' ? t.nextAttemptAt : null,
    offer:
      state.status === 'open' && state.offer
        ? { coordinatorId: state.offer.coordinatorId, expiresAt: state.offer.expiresAt }
        : null,
    repeatCaller: t.relatedTasks.length > 0 ? { otherTasks: t.relatedTasks.map((r) => ({ ...r })) } : null,
  };
}
