import { z } from 'zod';
import type { EventDefinition } from '../registry';
import { handoffRoleSchema, taskIntentSchema } from '../events/task.events';

/**
 * The task as every API and live queue shows it (contract "Tasks"), plus additive fields; never the
 * caller's phone or name (wallboards are shared screens).
 */
const TASK_STATUSES = ['open', 'assigned', 'in_progress', 'escalated', 'resolved', 'unreachable'] as const;
const SLA_STATUSES = ['on_track', 'at_risk', 'breached', 'met'] as const;
const utc = z.string().describe('UTC ISO-8601 time ending in Z');

export const taskViewSchema = z.object({
  taskId: z.string(),
  locationId: z.string(),
  regionId: z.string(),
  podId: z.string(),
  status: z.enum(TASK_STATUSES),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  intent: taskIntentSchema.nullable(),
  callCount: z.number().int().positive(),
  sla: z.object({
    targetMinutes: z.number().int().positive(),
    startedAt: utc,
    dueAt: utc,
    status: z.enum(SLA_STATUSES).describe('Computed as of the request: at risk at 75 % of the target'),
  }),
  triage: z.object({
    policyVersion: z.number().int().positive(),
    rule: z.string(),
    reasons: z.array(z.string()),
  }),
  handoff: z
    .object({ role: handoffRoleSchema, accepted: z.boolean() })
    .nullable()
    .describe('Tier 1 (or escalated) tasks: who the call is handed to'),
  assigneeId: z.string().nullable().describe('Additive: the coordinator working the task'),
  attemptCount: z.number().int().nonnegative().describe('Additive: callback attempts so far'),
  nextAttemptAt: utc.nullable().describe('Additive: when the retry of a failed attempt is due'),
  offer: z
    .object({ coordinatorId: z.string(), expiresAt: utc })
    .nullable()
    .describe('Additive: the coordinator the task is offered to, until when'),
  repeatCaller: z
    .object({ otherTasks: z.array(z.object({ taskId: z.string(), locationId: z.string() })) })
    .nullable()
    .describe('Additive: open tasks of the same caller at other locations (flagged, not merged)'),
});
export type TaskViewMessage = z.infer<typeof taskViewSchema>;

/**
 * The projection-update stream (topic `ringback.task_view.events`): the task view each time the
 * tasks read model changes, keyed by task. Derived, not stored: it can be rebuilt from the event store
 * at any time, and a consumer keeps per task the view of the highest `position` it saw (replicas of
 * triage may publish the same change twice).
 */
export const TASK_VIEW_CATEGORY = 'task_view';
export const TASK_VIEW_CHANGED = 'TaskViewChanged';

export const taskViewChangedV1 = z.object({
  taskId: z.string().min(1),
  /** Event-store position of the last event the view reflects (decimal string). */
  position: z.string().regex(/^\d+$/),
  view: taskViewSchema,
});
export type TaskViewChangedV1 = z.infer<typeof taskViewChangedV1>;

export const taskViewEventDefinitions: EventDefinition[] = [
  {
    type: TASK_VIEW_CHANGED,
    category: TASK_VIEW_CATEGORY,
    summary:
      'Projection update (derived, not stored): the task as the tasks read model now shows it; feeds live queues',
    producer: 'triage',
    versions: [{ version: 1, schema: taskViewChangedV1 }],
  },
];
