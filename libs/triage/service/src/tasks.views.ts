import { taskViewSchema as contractTaskViewSchema } from '@ringback/contracts';
import { z } from 'zod';

const TASK_STATUSES = ['open', 'assigned', 'in_progress', 'escalated', 'resolved', 'unreachable'] as const;

/** A task as the API serves it: the contract's view (shared with live queues). */
export const taskViewSchema = contractTaskViewSchema;

export const taskListSchema = z.object({
  items: z.array(taskViewSchema),
  asOf: z.string().optional().describe('Set for a time-travel answer: the instant shown (not live)'),
});

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
  asOf: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      'Time travel: the tasks as they stood at this instant, replayed from the event store (not live)',
    ),
});
