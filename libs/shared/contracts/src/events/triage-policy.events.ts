import { z } from 'zod';
import type { EventDefinition } from '../registry';
import { handoffRoleSchema, taskIntentSchema, taskTierSchema, slaModeSchema } from './task.events';

/**
 * Triage policy events (stream `triage_policy-<policyId>`, one per health system). Every change,
 * health-system-wide or an override, is one `TriagePolicyChanged` carrying the next version number
 * and the full resulting policy, so a task can always name the exact policy it was triaged with.
 * Mirrors the triage domain's policy schema (phrase-pattern syntax is validated by the domain).
 */

const isoUtc = z.iso.datetime({ offset: false });
const snake = z.string().regex(/^[a-z][a-z0-9_]*$/);
const minutes = z.number().int().positive().max(1440);

const slaTarget = z.object({ targetMinutes: minutes, mode: slaModeSchema });
const tier1SlaTarget = z.object({ targetMinutes: minutes, mode: z.literal('wall_clock') });
const handoffStandard = z.object({
  handoffRole: handoffRoleSchema,
  escalationMinutes: minutes,
  requiredDocumentation: z.array(snake),
});
const escalationRule = handoffStandard.extend({
  id: snake,
  label: z.string().min(1).max(80),
  path: z.enum(['clinical', 'crisis']),
  patterns: z
    .array(z.object({ text: z.string().min(1).max(200), lang: z.string().regex(/^[a-z]{2,3}$/) }))
    .min(1),
});
const policyOverride = z.object({
  intentTiers: z.partialRecord(taskIntentSchema, taskTierSchema).optional(),
  sla: z
    .object({ tier1: tier1SlaTarget.optional(), tier2: slaTarget.optional(), tier3: slaTarget.optional() })
    .optional(),
  clinicalHandoff: handoffStandard.partial().optional(),
  crisisHandoff: handoffStandard.partial().optional(),
  rules: z.record(snake, handoffStandard.partial()).optional(),
  additionalRules: z.array(escalationRule).optional(),
});

export const triagePolicySnapshotSchema = z.object({
  version: z.number().int().positive(),
  defaultTier: taskTierSchema,
  intentTiers: z.record(taskIntentSchema, taskTierSchema),
  sla: z.object({ tier1: tier1SlaTarget, tier2: slaTarget, tier3: slaTarget }),
  urgentHandoff: handoffStandard,
  escalationMatrix: z.array(escalationRule).min(1),
  serviceLineOverrides: z.record(snake, policyOverride),
  locationOverrides: z.record(z.string().min(1), policyOverride),
});

export const triagePolicyChangedV1 = z.object({
  policyId: z.string().min(1).max(200),
  version: z.number().int().positive(),
  previousVersion: z.number().int().positive().nullable(),
  /** What the change addressed; `serviceLine` / `locationId` set for those scopes only. */
  scope: z.enum(['health_system', 'service_line', 'location']),
  serviceLine: snake.nullable(),
  locationId: z.string().min(1).nullable(),
  /** An override was removed (scope service_line or location). */
  removed: z.boolean(),
  policy: triagePolicySnapshotSchema,
  changedBy: z.string().min(1).max(200),
  reason: z.string().max(2000).nullable(),
  changedAt: isoUtc,
});

export type TriagePolicySnapshotV1 = z.infer<typeof triagePolicySnapshotSchema>;
export type TriagePolicyChangedV1 = z.infer<typeof triagePolicyChangedV1>;

export const triagePolicyEventDefinitions: EventDefinition[] = [
  {
    type: 'TriagePolicyChanged',
    category: 'triage_policy',
    summary:
      'The triage policy (health-system base or a service-line/location override) changed; carries the next version and the full policy',
    producer: 'triage',
    versions: [{ version: 1, schema: triagePolicyChangedV1 }],
  },
];
