import {
  serviceLineSchema,
  triagePolicyBaseSchema,
  triagePolicyOverrideSchema,
  triagePolicySchema,
} from '@ringback/triage-domain';
import { z } from 'zod';

const reason = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .describe('Why the policy changes; recorded on the TriagePolicyChanged event');
const expectedVersion = z
  .number()
  .int()
  .nonnegative()
  .describe(
    'Optimistic check: the `version` the change was made against (0 before any change); ' +
      'a different current version answers 409 `version_conflict`. Also accepted as `If-Match: "<version>"`.',
  );

/**
 * Body of `PUT /api/v1/admin/triage-policy`: the whole health-system base (default tier, intent tiers,
 * SLA targets, urgent handoff, escalation matrix). Overrides are kept. Unknown top-level fields are
 * rejected, so a `serviceLineOverrides` sent here is not silently ignored.
 */
export const triagePolicyBaseBodySchema = z.strictObject({
  ...triagePolicyBaseSchema.shape,
  reason: reason.optional(),
  expectedVersion: expectedVersion.optional(),
});

/** Body of `PUT .../service-lines/{serviceLine}` and `PUT .../locations/{locationId}`: the whole override. */
export const triagePolicyOverrideBodySchema = z.strictObject({
  ...triagePolicyOverrideSchema.shape,
  reason: reason.optional(),
  expectedVersion: expectedVersion.optional(),
});

/** Optional body of the DELETEs (no body is fine). */
export const triagePolicyRemoveBodySchema = z.preprocess(
  (v) => v ?? {},
  z.strictObject({ reason: reason.optional(), expectedVersion: expectedVersion.optional() }),
);

export const serviceLineParamsSchema = z.object({ serviceLine: serviceLineSchema });
export const policyLocationParamsSchema = z.object({
  locationId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"'),
});

export const triagePolicyViewSchema = z.object({
  policyId: z.string(),
  version: z
    .number()
    .int()
    .nonnegative()
    .describe(
      'Version of the last recorded change; 0 while none was recorded (the default policy, version 1 inside, applies)',
    ),
  policy: triagePolicySchema,
});
