import type { SlaAlertAcknowledgedV1 } from '@ringback/contracts';
import { DomainError, type Decider } from '@ringback/kernel';

/**
 * The supervisor alerts of one task (stream `sla_alert-<taskId>`): which breaches (clock versions)
 * a supervisor acknowledged. Whether a breach happened is sla-monitor's `sla-<taskId>` stream; the
 * caller passes the breached versions in, so the decider stays pure.
 */
export interface AcknowledgeAlert {
  type: 'AcknowledgeAlert';
  taskId: string;
  clockVersion: number;
  /** Clock versions that breached, from the task's SLA stream. */
  breachedVersions: readonly number[];
  acknowledgedBy: string;
  note: string | null;
  /** ISO-8601 UTC. */
  at: string;
}

export type SlaAlertEvent = { type: 'SlaAlertAcknowledged'; data: SlaAlertAcknowledgedV1 };

export interface SlaAlertState {
  acknowledged: Readonly<Record<number, { by: string; at: string }>>;
}

export const slaAlertDecider: Decider<SlaAlertState, AcknowledgeAlert, SlaAlertEvent> = {
  initialState: () => ({ acknowledged: {} }),
  decide(command, state) {
    if (!command.breachedVersions.includes(command.clockVersion))
      throw new DomainError(
        'alert_not_found',
        `task ${command.taskId} has no breach of clock ${command.clockVersion}`,
      );
    if (state.acknowledged[command.clockVersion]) return []; // acknowledged already: the first one stands
    return [
      {
        type: 'SlaAlertAcknowledged',
        data: {
          taskId: command.taskId,
          clockVersion: command.clockVersion,
          acknowledgedBy: command.acknowledgedBy,
          note: command.note,
          acknowledgedAt: command.at,
        },
      },
    ];
  },
  evolve(state, event) {
    const d = event.data;
    if (state.acknowledged[d.clockVersion]) return state;
    return {
      acknowledged: {
        ...state.acknowledged,
        [d.clockVersion]: { by: d.acknowledgedBy, at: d.acknowledgedAt },
      },
    };
  },
};
