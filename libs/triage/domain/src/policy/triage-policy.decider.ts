import { DomainError, type Decider } from '@ringback/kernel';
import {
  triagePolicyBaseSchema,
  triagePolicyOverrideSchema,
  triagePolicySchema,
  type TriagePolicy,
  type TriagePolicyBase,
  type TriagePolicyOverride,
} from '@ringback/triage-policy';

/**
 * The triage policy of one health system (stream `triage_policy-<policyId>`). Every change is a
 * `TriagePolicyChanged` with version n+1 and the full resulting policy, so tasks name the exact
 * policy version they were triaged with and history can be replayed without today's code defaults.
 * The first change must be health-system-wide (the application seeds it with `defaultTriagePolicy`).
 *
 * Payload mirrors `@ringback/contracts` `events/triage-policy.events.ts` (v1).
 */

export type PolicyScope = 'health_system' | 'service_line' | 'location';

export type ConfigureTriagePolicy = {
  type: 'ConfigureTriagePolicy';
  data: {
    policyId: string;
    changedBy: string;
    reason?: string | null;
    at: string;
    /** Optimistic check against the version the author edited. */
    expectedVersion?: number;
  } & (
    | {
        scope: 'health_system';
        base: TriagePolicyBase;
        /** When given, replace the whole set (used to seed `defaultTriagePolicy` in one event). */
        serviceLineOverrides?: Record<string, TriagePolicyOverride>;
        locationOverrides?: Record<string, TriagePolicyOverride>;
      }
    /** `override: null` removes the override. */
    | { scope: 'service_line'; serviceLine: string; override: TriagePolicyOverride | null }
    | { scope: 'location'; locationId: string; override: TriagePolicyOverride | null }
  );
};

export type TriagePolicyCommand = ConfigureTriagePolicy;

export type TriagePolicyChanged = {
  type: 'TriagePolicyChanged';
  data: {
    policyId: string;
    version: number;
    previousVersion: number | null;
    scope: PolicyScope;
    serviceLine: string | null;
    locationId: string | null;
    removed: boolean;
    policy: TriagePolicy;
    changedBy: string;
    reason: string | null;
    changedAt: string;
  };
};

export type TriagePolicyEvent = TriagePolicyChanged;

export type TriagePolicyState =
  { status: 'unconfigured' } | { status: 'configured'; policyId: string; policy: TriagePolicy };

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Structural equality for JSON-like data; key order does not matter. */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const invalid = (
  error: { issues: { path: PropertyKey[]; message: string }[] },
  prefix: string,
): DomainError =>
  new DomainError(
    'invalid_policy',
    'the triage policy is invalid',
    error.issues.map((i) => ({
      path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
      message: i.message,
    })),
  );

export function decide(command: TriagePolicyCommand, state: TriagePolicyState): TriagePolicyEvent[] {
  const c = command.data;
  if (!ISO_UTC.test(c.at) || Number.isNaN(Date.parse(c.at)))
    throw new DomainError('invalid_time', 'at must be a UTC ISO-8601 time ending in Z');
  if (state.status === 'configured' && state.policyId !== c.policyId)
    throw new DomainError('policy_id_mismatch', `command for ${c.policyId} sent to policy ${state.policyId}`);
  const current = state.status === 'configured' ? state.policy : null;
  if (c.expectedVersion !== undefined && c.expectedVersion !== (current?.version ?? 0))
    throw new DomainError('policy_version_conflict', `policy is at version ${current?.version ?? 0}`, [
      { expectedVersion: c.expectedVersion, actualVersion: current?.version ?? 0 },
    ]);

  const version = (current?.version ?? 0) + 1;
  let candidate: TriagePolicy;
  let removed = false;

  if (c.scope === 'health_system') {
    const base = triagePolicyBaseSchema.safeParse(c.base);
    if (!base.success) throw invalid(base.error, 'base');
    candidate = {
      ...base.data,
      version,
      serviceLineOverrides: c.serviceLineOverrides ?? current?.serviceLineOverrides ?? {},
      locationOverrides: c.locationOverrides ?? current?.locationOverrides ?? {},
    };
  } else {
    if (!current)
      throw new DomainError(
        'policy_not_configured',
        'configure the health-system policy before any override',
      );
    const key = c.scope === 'service_line' ? c.serviceLine : c.locationId;
    const field = c.scope === 'service_line' ? 'serviceLineOverrides' : 'locationOverrides';
    const overrides = { ...current[field] };
    if (c.override === null) {
      if (!(key in overrides)) return []; // nothing to remove
      delete overrides[key];
      removed = true;
    } else {
      const parsed = triagePolicyOverrideSchema.safeParse(c.override);
      if (!parsed.success) throw invalid(parsed.error, 'override');
      overrides[key] = parsed.data;
    }
    candidate = { ...current, version, [field]: overrides };
  }

  const checked = triagePolicySchema.safeParse(candidate);
  if (!checked.success) throw invalid(checked.error, '');
  if (current && sameData({ ...checked.data, version: 0 }, { ...current, version: 0 })) return []; // no change

  return [
    {
      type: 'TriagePolicyChanged',
      data: {
        policyId: c.policyId,
        version,
        previousVersion: current?.version ?? null,
        scope: c.scope,
        serviceLine: c.scope === 'service_line' ? c.serviceLine : null,
        locationId: c.scope === 'location' ? c.locationId : null,
        removed,
        policy: checked.data,
        changedBy: c.changedBy,
        reason: c.reason ?? null,
        changedAt: c.at,
      },
    },
  ];
}

export function evolve(_state: TriagePolicyState, event: TriagePolicyEvent): TriagePolicyState {
  return { status: 'configured', policyId: event.data.policyId, policy: event.data.policy };
}

export const triagePolicyDecider: Decider<TriagePolicyState, TriagePolicyCommand, TriagePolicyEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'unconfigured' }),
};

/** The base part of a policy. */
export const baseOf = (policy: TriagePolicy): TriagePolicyBase => ({
  defaultTier: policy.defaultTier,
  intentTiers: policy.intentTiers,
  sla: policy.sla,
  urgentHandoff: policy.urgentHandoff,
  escalationMatrix: policy.escalationMatrix,
});

/** The first command of a policy stream: `defaultTriagePolicy` (or another) as version 1. */
export const seedPolicyCommand = (
  policy: TriagePolicy,
  meta: { policyId: string; changedBy: string; at: string; reason?: string | null },
): ConfigureTriagePolicy => ({
  type: 'ConfigureTriagePolicy',
  data: {
    ...meta,
    expectedVersion: 0,
    scope: 'health_system',
    base: baseOf(policy),
    serviceLineOverrides: policy.serviceLineOverrides,
    locationOverrides: policy.locationOverrides,
  },
});
