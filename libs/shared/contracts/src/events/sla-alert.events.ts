import { z } from 'zod';
import type { EventEnvelope } from '../envelope';
import type { EventDefinition } from '../registry';

/**
 * Supervisor alerts (stream `sla_alert-<taskId>`, category `sla_alert`, produced by sla-monitor).
 * Every SlaBreached raises an alert for the supervisors of the task's location; a supervisor
 * acknowledges it (once per clock version), which is recorded here. Times are UTC ISO-8601 with `Z`.
 */
export const SLA_ALERT_CATEGORY = 'sla_alert';
export const slaAlertStreamId = (taskId: string): string => `${SLA_ALERT_CATEGORY}-${taskId}`;
/** An alert is one breach: the task and the clock version that breached. */
export const slaAlertId = (taskId: string, clockVersion: number): string => `${taskId}:${clockVersion}`;

export const slaAlertAcknowledgedV1 = z.object({
  taskId: z.string().min(1).max(200),
  clockVersion: z.number().int().positive(),
  acknowledgedBy: z.string().min(1).max(200),
  note: z.string().max(2000).nullable(),
  acknowledgedAt: z.iso.datetime({ offset: false }),
});

export type SlaAlertAcknowledgedV1 = z.infer<typeof slaAlertAcknowledgedV1>;
export type SlaAlertAcknowledged = EventEnvelope<'SlaAlertAcknowledged', SlaAlertAcknowledgedV1>;

export const slaAlertEventDefinitions: EventDefinition[] = [
  {
    type: 'SlaAlertAcknowledged',
    category: SLA_ALERT_CATEGORY,
    summary: 'A supervisor acknowledged the alert raised by an SLA breach of the task (one clock version)',
    producer: 'sla-monitor',
    phi: {
      subjectStream: (d) => (typeof d['taskId'] === 'string' ? `task-${d['taskId']}` : null),
      fields: { note: 'content' },
    },
    versions: [{ version: 1, schema: slaAlertAcknowledgedV1 }],
  },
];
