import {
  SLA_ALERT_CATEGORY,
  SLA_CATEGORY,
  slaAlertId,
  type SlaAlertAcknowledgedV1,
  type SlaBreachedV1,
  type SlaClockStoppedV1,
} from '@ringback/contracts';
import type { Projection, ReadModelOp } from '@ringback/platform-core';

export const SLA_ALERTS_COLLECTION = 'sla_alerts';
/** Where each task sits (for scope) and its alerts, from the task events. */
export const SLA_ALERT_TASKS_COLLECTION = 'sla_alert_tasks';

/**
 * `active`: breached, not acknowledged, the task still open; `acknowledged`: a supervisor took it;
 * `cleared`: the task was closed or its clock stopped before anyone acknowledged it.
 */
export type SlaAlertState = 'active' | 'acknowledged' | 'cleared';

export type SlaAlertDoc = {
  id: string;
  alertId: string;
  taskId: string;
  clockVersion: number;
  locationId: string;
  regionId: string;
  podId: string;
  tier: 1 | 2 | 3;
  dueAt: string;
  breachedAt: string;
  /** Epoch ms of the breach (list order). */
  breachedAtMs: number;
  state: SlaAlertState;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  note: string | null;
  updatedAt: string;
};

export type SlaAlertTaskDoc = {
  id: string;
  taskId: string;
  locationId: string;
  regionId: string;
  podId: string;
  closed: boolean;
  alertIds: string[];
};

const TASK_TYPES = ['TaskOpened', 'TaskResolved', 'TaskMarkedUnreachable', 'TaskReopened'];

/**
 * The `sla_alerts` read model: one supervisor alert per SLA breach (task and clock version), scoped
 * like its task, cleared when the task closes or the clock stops, acknowledged by a supervisor.
 */
export const slaAlertsProjection: Projection = {
  id: 'sla-alerts',
  version: 1,
  collections: [SLA_ALERTS_COLLECTION, SLA_ALERT_TASKS_COLLECTION],
  categories: ['task', SLA_CATEGORY, SLA_ALERT_CATEGORY],
  eventTypes: [...TASK_TYPES, 'SlaBreached', 'SlaClockStopped', 'SlaAlertAcknowledged'],
  // The acknowledgement note is the only PHI it keeps; a task's caller and transcript it never reads.
  phiEventTypes: ['SlaAlertAcknowledged'],
  async handle(event, position, ctx) {
    const taskId = (event.data as { taskId?: string }).taskId;
    if (!taskId) return [];
    const task = await ctx.get<SlaAlertTaskDoc>(SLA_ALERT_TASKS_COLLECTION, taskId);
    const ops: ReadModelOp[] = [];
    const alertOp = (doc: SlaAlertDoc): ReadModelOp => ({
      kind: 'upsert',
      collection: SLA_ALERTS_COLLECTION,
      doc: { ...doc, updatedAt: event.recordedAt },
      position,
    });
    const clearAll = async (): Promise<void> => {
      for (const id of task?.alertIds ?? []) {
        const alert = await ctx.get<SlaAlertDoc>(SLA_ALERTS_COLLECTION, id);
        if (alert?.state === 'active') ops.push(alertOp({ ...alert, state: 'cleared' }));
      }
    };

    switch (event.type) {
      case 'TaskOpened': {
        const d = event.data as { locationId: string; regionId: string; podId: string };
        const doc: SlaAlertTaskDoc = {
          id: taskId,
          taskId,
          locationId: d.locationId,
          regionId: d.regionId,
          podId: d.podId,
          closed: false,
          alertIds: task?.alertIds ?? [],
        };
        return [{ kind: 'upsert', collection: SLA_ALERT_TASKS_COLLECTION, doc, position }];
      }
      case 'TaskResolved':
      case 'TaskMarkedUnreachable':
      case 'TaskReopened': {
        if (!task) return [];
        const closed = event.type !== 'TaskReopened';
        ops.push({
          kind: 'upsert',
          collection: SLA_ALERT_TASKS_COLLECTION,
          doc: { ...task, closed },
          position,
        });
        if (closed) await clearAll();
        return ops;
      }
      case 'SlaBreached': {
        if (!task) return [];
        const d = event.data as SlaBreachedV1;
        const alertId = slaAlertId(taskId, d.clockVersion);
        const existing = await ctx.get<SlaAlertDoc>(SLA_ALERTS_COLLECTION, alertId);
        if (existing) return [];
        ops.push(
          alertOp({
            id: alertId,
            alertId,
            taskId,
            clockVersion: d.clockVersion,
            locationId: task.locationId,
            regionId: task.regionId,
            podId: task.podId,
            tier: d.tier,
            dueAt: d.dueAt,
            breachedAt: d.breachedAt,
            breachedAtMs: Date.parse(d.breachedAt),
            state: task.closed ? 'cleared' : 'active',
            acknowledgedBy: null,
            acknowledgedAt: null,
            note: null,
            updatedAt: event.recordedAt,
          }),
        );
        ops.push({
          kind: 'upsert',
          collection: SLA_ALERT_TASKS_COLLECTION,
          doc: { ...task, alertIds: [...task.alertIds, alertId] },
          position,
        });
        return ops;
      }
      case 'SlaClockStopped': {
        const d = event.data as SlaClockStoppedV1;
        const alert = await ctx.get<SlaAlertDoc>(SLA_ALERTS_COLLECTION, slaAlertId(taskId, d.clockVersion));
        return alert?.state === 'active' ? [alertOp({ ...alert, state: 'cleared' })] : [];
      }
      case 'SlaAlertAcknowledged': {
        const d = event.data as SlaAlertAcknowledgedV1;
        const alert = await ctx.get<SlaAlertDoc>(SLA_ALERTS_COLLECTION, slaAlertId(taskId, d.clockVersion));
        if (!alert || alert.acknowledgedAt) return [];
        return [
          alertOp({
            ...alert,
            state: 'acknowledged',
            acknowledgedBy: d.acknowledgedBy,
            acknowledgedAt: d.acknowledgedAt,
            note: d.note,
          }),
        ];
      }
    }
    return [];
  },
};
