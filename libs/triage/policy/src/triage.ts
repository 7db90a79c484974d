import {
  INTENTS,
  findPhrase,
  normalizeWords,
  type EscalationPath,
  type EscalationRule,
  type HandoffRole,
  type HandoffStandard,
  type Intent,
  type SlaMode,
  type SlaTargets,
  type Tier,
  type TriagePolicy,
  type TriagePolicyOverride,
} from './triage-policy';

export interface TriageInput {
  intent?: Intent | null;
  transcript?: string | null;
  locationId?: string | null;
  serviceLine?: string | null;
}

/**
 * Explainable routing decision. Deliberately has no free-text advice field: the only text is
 * `reasons`, which says why the call was routed, never what the caller should do.
 */
export interface TriageResult {
  tier: Tier;
  /** `phrase:<label>`, `intent:<intent>` or `default`. */
  rule: string;
  reasons: string[];
  policyVersion: number;
  handoff: { role: HandoffRole } | null;
  sla: { targetMinutes: number; mode: SlaMode };
  crisis: boolean;
  requiredDocumentation: string[];
}

/** Where a setting came from: `health_system`, `service_line:<id>` or `location:<id>`. */
export type PolicySource = string;

export interface EffectiveRule extends EscalationRule {
  source: PolicySource;
}

/** The policy after applying the overrides for one location and service line. */
export interface EffectivePolicy {
  version: number;
  defaultTier: Tier;
  intentTiers: Record<Intent, { tier: Tier; source: PolicySource }>;
  sla: { [K in keyof SlaTargets]: SlaTargets[K] & { source: PolicySource } };
  urgentHandoff: HandoffStandard & { source: PolicySource };
  rules: EffectiveRule[];
}

const union = (a: readonly string[], b: readonly string[] = []): string[] => [...new Set([...a, ...b])];

const applyStandard = <T extends HandoffStandard>(
  target: T,
  patch: Partial<HandoffStandard> | undefined,
): T =>
  patch
    ? {
        ...target,
        handoffRole: patch.handoffRole ?? target.handoffRole,
        escalationMinutes: patch.escalationMinutes ?? target.escalationMinutes,
        requiredDocumentation: union(target.requiredDocumentation, patch.requiredDocumentation),
      }
    : target;

const describeSource = (source: PolicySource): string =>
  source === 'health_system'
    ? 'health-system policy'
    : `${source.replace(':', ' ').replace('_', ' ')} override`;

/** Applies the service-line override, then the location override (more specific wins). */
export function resolveEffectivePolicy(
  policy: TriagePolicy,
  where: { locationId?: string | null; serviceLine?: string | null } = {},
): EffectivePolicy {
  const base = 'health_system';
  const effective: EffectivePolicy = {
    version: policy.version,
    defaultTier: policy.defaultTier,
    intentTiers: Object.fromEntries(
      INTENTS.map((i) => [i, { tier: policy.intentTiers[i], source: base }]),
    ) as EffectivePolicy['intentTiers'],
    sla: {
      tier1: { ...policy.sla.tier1, source: base },
      tier2: { ...policy.sla.tier2, source: base },
      tier3: { ...policy.sla.tier3, source: base },
    },
    urgentHandoff: { ...policy.urgentHandoff, source: base },
    rules: policy.escalationMatrix.map((r) => ({ ...r, source: base })),
  };

  const layers: [PolicySource, TriagePolicyOverride | undefined][] = [
    [
      `service_line:${where.serviceLine}`,
      where.serviceLine ? policy.serviceLineOverrides[where.serviceLine] : undefined,
    ],
    [
      `location:${where.locationId}`,
      where.locationId ? policy.locationOverrides[where.locationId] : undefined,
    ],
  ];
  for (const [source, o] of layers) {
    if (!o) continue;
    for (const [intent, tier] of Object.entries(o.intentTiers ?? {}) as [Intent, Tier | undefined][]) {
      if (tier !== undefined) effective.intentTiers[intent] = { tier, source };
    }
    if (o.sla?.tier1) effective.sla.tier1 = { ...o.sla.tier1, source };
    if (o.sla?.tier2) effective.sla.tier2 = { ...o.sla.tier2, source };
    if (o.sla?.tier3) effective.sla.tier3 = { ...o.sla.tier3, source };
    if (o.clinicalHandoff)
      effective.urgentHandoff = { ...applyStandard(effective.urgentHandoff, o.clinicalHandoff), source };
    const added = (o.additionalRules ?? []).map((r): EffectiveRule => ({ ...r, source }));
    effective.rules = [...effective.rules, ...added].map((r) => {
      const byPath = r.path === 'crisis' ? o.crisisHandoff : o.clinicalHandoff;
      const patch = o.rules?.[r.id];
      if (!byPath && !patch) return r;
      return { ...applyStandard(applyStandard(r, byPath), patch), source };
    });
  }
  return effective;
}

interface PhraseMatch {
  rule: EffectiveRule;
  matched: string;
  lang: string;
}

function matchRules(rules: readonly EffectiveRule[], transcript: string): PhraseMatch[] {
  const words = normalizeWords(transcript);
  if (words.length === 0) return [];
  const matches: PhraseMatch[] = [];
  for (const rule of rules) {
    for (const pattern of rule.patterns) {
      const matched = findPhrase(words, pattern.text);
      if (matched !== null) {
        matches.push({ rule, matched, lang: pattern.lang });
        break;
      }
    }
  }
  return matches;
}

const PATH_ORDER: Record<EscalationPath, number> = { crisis: 0, clinical: 1 };

const tierSla = (eff: EffectivePolicy, tier: Tier) =>
  tier === 1 ? eff.sla.tier1 : tier === 2 ? eff.sla.tier2 : eff.sla.tier3;

/**
 * Routes one call. Order: a crisis phrase, then a clinical phrase (matrix order), then the stated
 * intent, then the default tier. A symptom phrase always wins over the stated intent. Pure and
 * deterministic: same input and policy, same result.
 */
export function triage(input: TriageInput, policy: TriagePolicy): TriageResult {
  const eff = resolveEffectivePolicy(policy, input);
  const intent = input.intent ?? null;
  const matches = matchRules(eff.rules, input.transcript ?? '').sort(
    (a, b) => PATH_ORDER[a.rule.path] - PATH_ORDER[b.rule.path],
  );

  const primary = matches[0];
  if (primary) {
    const crisis = primary.rule.path === 'crisis';
    const t1 = eff.sla.tier1;
    const targetMinutes = Math.min(t1.targetMinutes, primary.rule.escalationMinutes);
    const reasons = [
      `Transcript mentions "${primary.matched}" (${primary.rule.label}${primary.lang === 'en' ? '' : `, ${primary.lang}`}), ` +
        `a ${crisis ? 'crisis' : 'Tier 1 symptom'} phrase in the ${describeSource(primary.rule.source)}.`,
      ...matches
        .slice(1)
        .map((m) => `Also mentions "${m.matched}" (${m.rule.label}); its documentation is required too.`),
    ];
    if (intent && eff.intentTiers[intent].tier !== 1) {
      reasons.push(
        `Stated intent ${intent} (Tier ${eff.intentTiers[intent].tier}) is overridden: a symptom phrase always wins.`,
      );
    }
    reasons.push(
      crisis
        ? `Crisis path: warm handoff to ${primary.rule.handoffRole} within ${targetMinutes} wall-clock minutes, 24/7.`
        : `Clinical handoff to ${primary.rule.handoffRole} within ${targetMinutes} wall-clock minutes, 24/7 (on-call after hours).`,
    );
    return {
      tier: 1,
      rule: `phrase:${primary.rule.label}`,
      reasons,
      policyVersion: eff.version,
      handoff: { role: primary.rule.handoffRole },
      sla: { targetMinutes, mode: t1.mode },
      crisis,
      requiredDocumentation: matches.reduce<string[]>(
        (acc, m) => union(acc, m.rule.requiredDocumentation),
        [],
      ),
    };
  }

  if (intent) {
    const { tier, source } = eff.intentTiers[intent];
    const sla = tierSla(eff, tier);
    const reasons = [`Stated intent ${intent} maps to Tier ${tier} in the ${describeSource(source)}.`];
    if (tier === 1) {
      const h = eff.urgentHandoff;
      const targetMinutes = Math.min(sla.targetMinutes, h.escalationMinutes);
      reasons.push(
        `Clinical handoff to ${h.handoffRole} within ${targetMinutes} wall-clock minutes, 24/7 (on-call after hours).`,
      );
      return {
        tier,
        rule: `intent:${intent}`,
        reasons,
        policyVersion: eff.version,
        handoff: { role: h.handoffRole },
        sla: { targetMinutes, mode: sla.mode },
        crisis: false,
        requiredDocumentation: [...h.requiredDocumentation],
      };
    }
    reasons.push(slaReason(sla));
    return {
      tier,
      rule: `intent:${intent}`,
      reasons,
      policyVersion: eff.version,
      handoff: null,
      sla: { targetMinutes: sla.targetMinutes, mode: sla.mode },
      crisis: false,
      requiredDocumentation: [],
    };
  }

  const tier = eff.defaultTier;
  const sla = tierSla(eff, tier);
  const h = eff.urgentHandoff;
  return {
    tier,
    rule: 'default',
    reasons: ['No intent stated and no escalation phrase found: default tier.', slaReason(sla)],
    policyVersion: eff.version,
    handoff: tier === 1 ? { role: h.handoffRole } : null,
    sla: { targetMinutes: sla.targetMinutes, mode: sla.mode },
    crisis: false,
    requiredDocumentation: tier === 1 ? [...h.requiredDocumentation] : [],
  };
}

const slaReason = (sla: { targetMinutes: number; mode: SlaMode; source: PolicySource }): string =>
  `Callback target ${sla.targetMinutes} ${sla.mode === 'business' ? 'business' : 'wall-clock'} minutes (${describeSource(sla.source)}).`;
