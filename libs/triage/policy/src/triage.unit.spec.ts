import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  INTENTS,
  compilePattern,
  defaultTriagePolicy,
  findPhrase,
  normalizeWords,
  triagePolicySchema,
  type Intent,
  type TriagePolicy,
} from './triage-policy';
import { resolveEffectivePolicy, triage, type TriageInput } from './triage';

const p = defaultTriagePolicy;
const run = (input: TriageInput, policy: TriagePolicy = p) => triage(input, policy);

describe('default triage policy', () => {
  it('is valid against its own schema and is version 1', () => {
    const parsed = triagePolicySchema.safeParse(p);
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    assert.equal(p.version, 1);
  });

  it('maps every contract intent to its tier (table)', () => {
    const table: [Intent, 1 | 2 | 3, number, 'wall_clock' | 'business'][] = [
      ['urgent_symptom', 1, 15, 'wall_clock'],
      ['new_patient', 2, 15, 'business'],
      ['referral', 2, 15, 'business'],
      ['procedure_consult', 2, 15, 'business'],
      ['reschedule', 3, 60, 'business'],
      ['records', 3, 60, 'business'],
      ['billing', 3, 60, 'business'],
      // not fixed by the contract; see defaultTriagePolicy's doc comment
      ['returning_patient', 2, 15, 'business'],
      ['prescription', 2, 15, 'business'],
      ['results', 3, 60, 'business'],
      ['other', 3, 60, 'business'],
    ];
    assert.equal(table.length, INTENTS.length);
    for (const [intent, tier, targetMinutes, mode] of table) {
      const r = run({ intent, transcript: 'Hi, please call me back.' });
      assert.equal(r.tier, tier, intent);
      assert.equal(r.rule, `intent:${intent}`);
      assert.deepEqual(r.sla, { targetMinutes, mode }, intent);
      assert.equal(r.policyVersion, 1);
      assert.equal(r.crisis, false);
      assert.deepEqual(r.handoff, tier === 1 ? { role: 'RN' } : null, intent);
      assert.ok(r.reasons.some((x) => x.includes(intent)));
    }
  });

  it('no intent and no phrase is Tier 3 by the default rule', () => {
    for (const transcript of [undefined, null, '', 'Hello, call me back when you can.']) {
      const r = run({ transcript });
      assert.equal(r.tier, 3);
      assert.equal(r.rule, 'default');
      assert.deepEqual(r.sla, { targetMinutes: 60, mode: 'business' });
      assert.equal(r.handoff, null);
      assert.ok(r.reasons.length > 0);
    }
  });

  it('escalates every contract symptom phrase to Tier 1, whatever the stated intent (table)', () => {
    const table: [string, string, 'RN' | 'crisis_line', boolean][] = [
      ['I have chest pain since this morning', 'phrase:chest pain', 'RN', false],
      ['my husband is short of breath', 'phrase:shortness of breath', 'RN', false],
      ['shortness of breath when walking', 'phrase:shortness of breath', 'RN', false],
      ['she has trouble breathing', 'phrase:shortness of breath', 'RN', false],
      ["I can't breathe well", 'phrase:shortness of breath', 'RN', false],
      ['there is severe bleeding from the cut', 'phrase:severe bleeding', 'RN', false],
      ['I have been having suicidal thoughts', 'phrase:suicidal thoughts', 'crisis_line', true],
      ['I want to kill myself', 'phrase:suicidal thoughts', 'crisis_line', true],
      ['my dad shows signs of stroke', 'phrase:signs of stroke', 'RN', false],
      ['her face is drooping on one side', 'phrase:signs of stroke', 'RN', false],
      ['he has slurred speech', 'phrase:signs of stroke', 'RN', false],
      ['sudden arm weakness', 'phrase:signs of stroke', 'RN', false],
      ['allergic reaction and my lips are swelling', 'phrase:allergic reaction with swelling', 'RN', false],
      ['she fainted at work', 'phrase:fainting', 'RN', false],
      ['tengo dolor de pecho', 'phrase:chest pain', 'RN', false],
      ['no puedo respirar bien', 'phrase:shortness of breath', 'RN', false],
    ];
    for (const [transcript, rule, role, crisis] of table) {
      for (const intent of ['billing', 'new_patient', undefined] as const) {
        const r = run({ intent, transcript });
        assert.equal(r.tier, 1, `${transcript} / ${intent}`);
        assert.equal(r.rule, rule, transcript);
        assert.deepEqual(r.handoff, { role }, transcript);
        assert.equal(r.crisis, crisis, transcript);
        assert.deepEqual(r.sla, { targetMinutes: 15, mode: 'wall_clock' });
        assert.ok(r.requiredDocumentation.includes('handoff_recipient'));
        if (intent === 'billing') assert.ok(r.reasons.some((x) => /symptom phrase always wins/.test(x)));
      }
    }
  });

  it('matches case-insensitively, through punctuation, apostrophes and accents, on word boundaries', () => {
    const hits = [
      'CHEST PAIN!!!',
      'Chest-pain, since 9am.',
      'chest…pain',
      'I can’t breathe',
      'i CANT breathe',
      'severe   bleeding',
      '"Suicidal" thoughts',
      'Me duele el pecho',
      'Tengo DOLOR DE PÉCHO',
      'chest pains',
      'pain in my chest',
    ];
    for (const transcript of hits) assert.equal(run({ transcript }).tier, 1, transcript);
    const misses = [
      'chestpain',
      'I had a painting lesson',
      'the chest of drawers is in pain free shape',
      'unbleeding',
    ];
    for (const transcript of misses) assert.equal(run({ transcript }).tier, 3, transcript);
  });

  it('routes crisis phrases to the crisis path even when a clinical phrase is also present', () => {
    const r = run({ intent: 'urgent_symptom', transcript: 'chest pain and honestly I want to die' });
    assert.equal(r.crisis, true);
    assert.equal(r.rule, 'phrase:suicidal thoughts');
    assert.deepEqual(r.handoff, { role: 'crisis_line' });
    assert.ok(r.reasons.some((x) => x.includes('chest pain')));
    // documentation of both matched rows
    assert.ok(r.requiredDocumentation.includes('caller_current_location'));
    assert.ok(r.requiredDocumentation.includes('symptom_onset_as_reported'));
  });

  it('never produces advice: no field other than reasons carries prose, and reasons stay routing-only', () => {
    const r = run({ intent: 'urgent_symptom', transcript: 'chest pain' });
    assert.deepEqual(Object.keys(r).sort(), [
      'crisis',
      'handoff',
      'policyVersion',
      'reasons',
      'requiredDocumentation',
      'rule',
      'sla',
      'tier',
    ]);
    for (const reason of r.reasons)
      assert.doesNotMatch(reason, /\b(take|call 911|go to|should|aspirin|rest)\b/i);
  });
});

describe('service-line and location overrides', () => {
  it('oncology: results are Tier 2 with its own thresholds; fever escalates', () => {
    const results = run({ intent: 'results', serviceLine: 'oncology' });
    assert.equal(results.tier, 2);
    assert.deepEqual(results.sla, { targetMinutes: 10, mode: 'business' });
    assert.ok(results.reasons.some((x) => x.includes('oncology')));
    assert.equal(run({ intent: 'results' }).tier, 3);

    const fever = run({
      intent: 'returning_patient',
      transcript: 'I have a fever of 101',
      serviceLine: 'oncology',
    });
    assert.equal(fever.tier, 1);
    assert.equal(fever.rule, 'phrase:fever during cancer treatment');
    assert.deepEqual(fever.sla, { targetMinutes: 10, mode: 'wall_clock' });
    assert.ok(fever.requiredDocumentation.includes('current_treatment_as_reported'));
    // the same words elsewhere stay routine
    assert.equal(run({ intent: 'returning_patient', transcript: 'I have a fever of 101' }).tier, 2);
  });

  it('pediatrics: infant fever is Tier 1 with a 10-minute handoff and guardian documentation', () => {
    const r = run({ transcript: 'My baby has a high fever!', serviceLine: 'pediatrics' });
    assert.equal(r.tier, 1);
    assert.equal(r.rule, 'phrase:high fever in infant');
    assert.deepEqual(r.handoff, { role: 'RN' });
    assert.deepEqual(r.sla, { targetMinutes: 10, mode: 'wall_clock' });
    assert.ok(r.requiredDocumentation.includes('guardian_name'));
    assert.equal(run({ transcript: 'Mi bebé tiene fiebre', serviceLine: 'pediatrics' }).tier, 1);
    assert.equal(run({ transcript: 'My baby has a high fever!' }).tier, 3);
  });

  it('behavioral_health: crisis handoff within 5 minutes, provider line for clinical, longer admin target', () => {
    const crisis = run({ transcript: 'I keep thinking about suicide', serviceLine: 'behavioral_health' });
    assert.equal(crisis.crisis, true);
    assert.deepEqual(crisis.handoff, { role: 'crisis_line' });
    assert.deepEqual(crisis.sla, { targetMinutes: 5, mode: 'wall_clock' });
    assert.ok(crisis.requiredDocumentation.includes('safety_plan_on_file_checked'));

    const urgent = run({ intent: 'urgent_symptom', serviceLine: 'behavioral_health' });
    assert.deepEqual(urgent.handoff, { role: 'provider_line' });
    assert.deepEqual(urgent.sla, { targetMinutes: 10, mode: 'wall_clock' });

    const clinical = run({ transcript: 'chest pain', serviceLine: 'behavioral_health' });
    assert.deepEqual(clinical.handoff, { role: 'provider_line' });

    assert.deepEqual(run({ intent: 'records', serviceLine: 'behavioral_health' }).sla, {
      targetMinutes: 120,
      mode: 'business',
    });
  });

  it('a location override is applied after the service line one and only adds documentation', () => {
    const policy: TriagePolicy = {
      ...p,
      version: 7,
      locationOverrides: {
        aurora: {
          intentTiers: { billing: 2, results: 3 },
          sla: { tier2: { targetMinutes: 30, mode: 'business' } },
          rules: {
            chest_pain: { handoffRole: 'MA', escalationMinutes: 5, requiredDocumentation: ['site_code'] },
          },
        },
      },
    };
    assert.ok(triagePolicySchema.safeParse(policy).success);
    const billing = run({ intent: 'billing', locationId: 'aurora' }, policy);
    assert.equal(billing.tier, 2);
    assert.deepEqual(billing.sla, { targetMinutes: 30, mode: 'business' });
    assert.equal(billing.policyVersion, 7);
    // location beats service line
    assert.equal(run({ intent: 'results', locationId: 'aurora', serviceLine: 'oncology' }, policy).tier, 3);
    const chest = run({ transcript: 'chest pain', locationId: 'aurora' }, policy);
    assert.deepEqual(chest.handoff, { role: 'MA' });
    assert.deepEqual(chest.sla, { targetMinutes: 5, mode: 'wall_clock' });
    assert.ok(chest.requiredDocumentation.includes('site_code'));
    assert.ok(chest.requiredDocumentation.includes('caller_words_verbatim'));
    // other locations unaffected
    assert.equal(run({ intent: 'billing', locationId: 'boulder' }, policy).tier, 3);
  });

  it('an unknown service line or location falls back to the health-system policy', () => {
    const eff = resolveEffectivePolicy(p, { serviceLine: 'dermatology', locationId: 'nowhere' });
    assert.equal(eff.sla.tier2.source, 'health_system');
    assert.equal(eff.rules.length, p.escalationMatrix.length);
  });
});

describe('policy validation', () => {
  it('rejects unknown rule ids in overrides, duplicate ids, bad patterns and a business-hours Tier 1', () => {
    const bad = (patch: Partial<TriagePolicy>) => triagePolicySchema.safeParse({ ...p, ...patch }).success;
    assert.equal(bad({ locationOverrides: { x: { rules: { nope: { handoffRole: 'MA' } } } } }), false);
    assert.equal(bad({ escalationMatrix: [p.escalationMatrix[0]!, p.escalationMatrix[0]!] }), false);
    const rule = { ...p.escalationMatrix[1]!, id: 'odd', patterns: [{ text: '* pain', lang: 'en' }] };
    assert.equal(bad({ escalationMatrix: [...p.escalationMatrix, rule] }), false);
    assert.equal(
      triagePolicySchema.safeParse({
        ...p,
        sla: { ...p.sla, tier1: { targetMinutes: 15, mode: 'business' } },
      }).success,
      false,
    );
  });

  it('pattern compiler: prefixes, gaps and normalization', () => {
    assert.deepEqual(compilePattern('Pain in * CHEST*'), [
      { kind: 'word', value: 'pain' },
      { kind: 'word', value: 'in' },
      { kind: 'gap' },
      { kind: 'prefix', value: 'chest' },
    ]);
    assert.deepEqual(normalizeWords("  Can't—BREATHE!! ¿Qué? "), ['cant', 'breathe', 'que']);
    assert.equal(
      findPhrase(normalizeWords('pain in my left chest'), 'pain in * chest'),
      'pain in my left chest',
    );
    assert.equal(findPhrase(normalizeWords('pain in a b c d e chest'), 'pain in * chest'), null);
    assert.throws(() => compilePattern('pa*in'));
  });
});

describe('triage properties', () => {
  const tier1Phrases = p.escalationMatrix.flatMap((r) =>
    r.patterns.filter((x) => !x.text.includes('*')).map((x) => x.text),
  );
  const filler = fc.array(
    fc.constantFrom('hi', 'please', 'call', 'me', 'back', 'about', 'my', 'visit', '.', ',', '!'),
    {
      maxLength: 8,
    },
  );
  const anyIntent = fc.option(fc.constantFrom(...INTENTS), { nil: undefined });
  const anyServiceLine = fc.option(
    fc.constantFrom('oncology', 'pediatrics', 'behavioral_health', 'primary_care'),
    {
      nil: undefined,
    },
  );
  const casing = fc.constantFrom(
    (s: string) => s,
    (s: string) => s.toUpperCase(),
    (s: string) => s.replace(/ /g, ', '),
  );

  it('any transcript containing a Tier-1 phrase is Tier 1, whatever the intent or service line', () => {
    fc.assert(
      fc.property(
        filler,
        fc.constantFrom(...tier1Phrases),
        casing,
        filler,
        anyIntent,
        anyServiceLine,
        (before, phrase, shape, after, intent, serviceLine) => {
          const transcript = [...before, shape(phrase), ...after].join(' ');
          const r = triage({ intent, transcript, serviceLine, locationId: 'aurora' }, p);
          assert.equal(r.tier, 1, transcript);
          assert.ok(r.rule.startsWith('phrase:'));
          assert.ok(r.handoff !== null);
          assert.equal(r.sla.mode, 'wall_clock');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is deterministic, and Tier 1 always comes with a handoff (and only Tier 1)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        anyIntent,
        anyServiceLine,
        (transcript, intent, serviceLine) => {
          const input = { intent, transcript, serviceLine };
          const a = triage(input, p);
          assert.deepEqual(triage(input, p), a);
          assert.equal(a.tier === 1, a.handoff !== null);
          assert.ok(a.reasons.length > 0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
