import { HANDOFF_ROLES } from '@ringback/triage-domain';
import { z } from 'zod';

const TASK_STATUSES = ['open', 'assigned', 'in_progress', 'escalated', 'resolved', 'unreachable'] as const;
const SLA_STATUSES = ['on_track', 'at_risk', 'breached', 'met'] as const;
const utc = z.string().describe('UTC ISO-8601 time ending in Z');

/** A task as the API serves it (contract "Tasks"), plus additive fields; never caller phone or name. */
export const taskViewSchema = z.object({
  taskId: z.string(),
  locationId: z.string(),
  regionId: z.string(),
  podId: z.string(),
  status: z.enum(TASK_STATUSES),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  intent: z.string().nullable(),
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
    .object({ role: z.enum(HANDOFF_ROLES), accepted: z.boolean() })
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

export const taskListSchema = z.object({ items: z.array(taskViewSchema) });

export const taskParamsSchema = z.object({
  taskId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, ".", "_", ":" or "-"'),
});

export const taskListQuerySchema = z.strictObject({
  locationId: z.string().min(1).max(64).optional(),
  regionId: z.string().min(1).max(64).optional(),
  status: z.enum(TASK_STATUSES).optional(),
  tier: z
    .enum(['1', '2', '3'])
    .transform((t) => Number(t) as 1 | 2 | 3)
    .optional(),
});
