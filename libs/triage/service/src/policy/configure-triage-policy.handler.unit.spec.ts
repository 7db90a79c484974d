import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SequentialIdGenerator, VirtualClock } from '@ringback/kernel';
import { InMemoryEventStore } from '@ringback/in-memory';
import { ApiError, RequestValidationError } from '@ringback/nest-platform';
import {
  baseOf,
  defaultTriagePolicy,
  triagePolicyDecider,
  type TriagePolicyChanged,
  type TriagePolicyOverride,
} from '@ringback/triage-domain';
import { triagePolicyStreamId } from '../open-task.consumer';
import {
  ConfigureTriagePolicyHandler,
  SEED_REASON,
  commandFor,
  decideWithSeed,
  type ConfigureTriagePolicyInput,
  type TriagePolicyChange,
} from './configure-triage-policy.handler';
import { expectedVersionOf } from './triage-policy.http.controller';

const AT = '2026-11-23T15:00:00.000Z';

function setup() {
  const store = new InMemoryEventStore();
  const handler = new ConfigureTriagePolicyHandler(
    store,
    new VirtualClock(AT),
    new SequentialIdGenerator(Date.parse(AT)),
  );
  const events = async () =>
    (await store.readStream(triagePolicyStreamId())).map(
      (r) => r.envelope as typeof r.envelope & { data: TriagePolicyChanged['data'] },
    );
  const change = (c: TriagePolicyChange, extra: Partial<ConfigureTriagePolicyInput> = {}) =>
    handler.handle({ change: c, changedBy: 'admin-1', correlationId: 'corr-1', ...extra });
  return { store, handler, events, change };
}

const slowerTier3 = {
  ...baseOf(defaultTriagePolicy),
  sla: { ...defaultTriagePolicy.sla, tier3: { targetMinutes: 90, mode: 'business' as const } },
};
const tighterLocation: TriagePolicyOverride = { sla: { tier3: { targetMinutes: 30, mode: 'business' } } };

describe('ConfigureTriagePolicyHandler', () => {
  it('answers version 0 and the default policy while nothing was recorded', async () => {
    const { handler } = setup();
    assert.deepEqual(await handler.current(), {
      policyId: 'default',
      version: 0,
      policy: defaultTriagePolicy,
    });
  });

  it('records the default policy as version 1 before the first change, in the same append', async () => {
    const { change, events, handler } = setup();
    const outcome = await change(
      { scope: 'health_system', base: slowerTier3 },
      { reason: 'routine calls can wait', expectedVersion: 0 },
    );
    assert.equal(outcome.version, 2);
    assert.equal(outcome.changed, true);
    assert.equal(outcome.appended, 2);
    const [seed, changed, ...rest] = await events();
    assert.equal(rest.length, 0);
    assert.deepEqual(seed!.data.policy, defaultTriagePolicy);
    assert.equal(seed!.data.reason, SEED_REASON);
    assert.equal(seed!.data.previousVersion, null);
    assert.equal(changed!.data.version, 2);
    assert.equal(changed!.data.previousVersion, 1);
    assert.equal(changed!.data.scope, 'health_system');
    assert.equal(changed!.data.reason, 'routine calls can wait');
    assert.equal(changed!.data.changedBy, 'admin-1');
    assert.equal(changed!.data.changedAt, AT);
    assert.equal(changed!.data.policy.sla.tier3.targetMinutes, 90);
    assert.deepEqual(changed!.data.policy.serviceLineOverrides, defaultTriagePolicy.serviceLineOverrides);
    for (const e of [seed!, changed!]) {
      assert.equal(e.correlationId, 'corr-1');
      assert.equal(e.locationId, null);
      assert.equal(e.occurredAt, AT);
    }
    assert.deepEqual(await handler.current(), {
      policyId: 'default',
      version: 2,
      policy: changed!.data.policy,
    });
  });

  it('seeds before a first change that is a location override, keeping the default service lines', async () => {
    const { change, events } = setup();
    const outcome = await change({ scope: 'location', locationId: 'boston', override: tighterLocation });
    assert.equal(outcome.version, 2);
    const recorded = await events();
    assert.deepEqual(
      recorded.map((e) => [e.data.version, e.data.scope, e.locationId]),
      [
        [1, 'health_system', null],
        [2, 'location', 'boston'],
      ],
    );
    assert.deepEqual(outcome.policy.locationOverrides, { boston: tighterLocation });
    assert.deepEqual(outcome.policy.serviceLineOverrides, defaultTriagePolicy.serviceLineOverrides);
  });

  it('records nothing, not even the seed, for a first change that is already in force', async () => {
    const { change, events } = setup();
    const outcome = await change({ scope: 'health_system', base: baseOf(defaultTriagePolicy) });
    assert.deepEqual([outcome.version, outcome.changed, outcome.appended], [0, false, 0]);
    const removal = await change({ scope: 'location', locationId: 'nowhere', override: null });
    assert.deepEqual([removal.version, removal.changed], [0, false]);
    assert.equal((await events()).length, 0);
  });

  it('answers the current version for a no-op change and removes overrides', async () => {
    const { change, events } = setup();
    await change({ scope: 'location', locationId: 'boston', override: tighterLocation });
    const again = await change({ scope: 'location', locationId: 'boston', override: tighterLocation });
    assert.deepEqual([again.version, again.changed], [2, false]);
    const removed = await change({ scope: 'location', locationId: 'boston', override: null });
    assert.equal(removed.version, 3);
    assert.deepEqual(removed.policy.locationOverrides, {});
    const removedAgain = await change({ scope: 'location', locationId: 'boston', override: null });
    assert.deepEqual([removedAgain.version, removedAgain.changed], [3, false]);
    const oncology = await change({ scope: 'service_line', serviceLine: 'oncology', override: null });
    assert.equal(oncology.version, 4);
    assert.equal('oncology' in oncology.policy.serviceLineOverrides, false);
    assert.equal((await events()).at(-1)!.data.removed, true);
  });

  it('refuses a stale expectedVersion with 409 version_conflict and records nothing', async () => {
    const { change, events } = setup();
    await assert.rejects(
      change({ scope: 'health_system', base: slowerTier3 }, { expectedVersion: 1 }),
      (e: unknown) =>
        e instanceof ApiError &&
        e.getStatus() === 409 &&
        e.code === 'version_conflict' &&
        JSON.stringify(e.details) === JSON.stringify([{ expectedVersion: 1, actualVersion: 0 }]),
    );
    await change({ scope: 'health_system', base: slowerTier3 }, { expectedVersion: 0 });
    await assert.rejects(
      change({ scope: 'location', locationId: 'boston', override: tighterLocation }, { expectedVersion: 0 }),
      (e: unknown) => e instanceof ApiError && e.getStatus() === 409,
    );
    assert.equal((await events()).length, 2);
  });

  it('answers 400 with body fields for a policy the decider finds invalid, recording nothing', async () => {
    const { change, events } = setup();
    await assert.rejects(
      change({
        scope: 'service_line',
        serviceLine: 'primary_care',
        override: { rules: { no_such_rule: { escalationMinutes: 5 } } },
      }),
      (e: unknown) => {
        assert.ok(e instanceof RequestValidationError);
        assert.deepEqual(e.issues, [
          {
            field: 'rules.no_such_rule',
            in: 'body',
            code: 'invalid_policy',
            message: 'unknown rule id no_such_rule',
          },
        ]);
        return true;
      },
    );
    // A base without a rule an override tunes: the issue names the override.
    await change({
      scope: 'location',
      locationId: 'aurora',
      override: { rules: { chest_pain: { escalationMinutes: 5 } } },
    });
    await assert.rejects(
      change({
        scope: 'health_system',
        base: {
          ...baseOf(defaultTriagePolicy),
          escalationMatrix: defaultTriagePolicy.escalationMatrix.filter((r) => r.id !== 'chest_pain'),
        },
      }),
      (e: unknown) =>
        e instanceof RequestValidationError &&
        e.issues[0]?.field === 'locationOverrides.aurora.rules.chest_pain',
    );
    assert.equal((await events()).length, 2);
  });
});

describe('decideWithSeed', () => {
  const at = AT;
  it('is the plain decider once the stream has events', () => {
    const seeded = triagePolicyDecider.evolve(triagePolicyDecider.initialState(), {
      type: 'TriagePolicyChanged',
      data: {
        policyId: 'default',
        version: 1,
        previousVersion: null,
        scope: 'health_system',
        serviceLine: null,
        locationId: null,
        removed: false,
        policy: defaultTriagePolicy,
        changedBy: 'x',
        reason: null,
        changedAt: at,
      },
    });
    const command = commandFor({ change: { scope: 'health_system', base: slowerTier3 }, changedBy: 'a' }, at);
    assert.deepEqual(decideWithSeed(command, seeded), triagePolicyDecider.decide(command, seeded));
  });

  it('maps each scope to its command', () => {
    const input = { changedBy: 'a', reason: 'r', expectedVersion: 4 };
    assert.deepEqual(
      commandFor({ ...input, change: { scope: 'service_line', serviceLine: 'oncology', override: null } }, at)
        .data,
      {
        policyId: 'default',
        changedBy: 'a',
        reason: 'r',
        at,
        expectedVersion: 4,
        scope: 'service_line',
        serviceLine: 'oncology',
        override: null,
      },
    );
    const loc = commandFor(
      { changedBy: 'a', change: { scope: 'location', locationId: 'x', override: {} } },
      at,
    ).data;
    assert.equal('expectedVersion' in loc, false);
    assert.equal(loc.reason, null);
  });
});

describe('expectedVersionOf', () => {
  it('reads a version from If-Match in its usual forms, * and absence check nothing', () => {
    assert.equal(expectedVersionOf(undefined, undefined), undefined);
    assert.equal(expectedVersionOf(3, undefined), 3);
    assert.equal(expectedVersionOf(undefined, '3'), 3);
    assert.equal(expectedVersionOf(undefined, '"3"'), 3);
    assert.equal(expectedVersionOf(undefined, 'W/"3"'), 3);
    assert.equal(expectedVersionOf(3, '"3"'), 3);
    assert.equal(expectedVersionOf(2, '*'), 2);
  });

  it('refuses a malformed header or one that disagrees with the body', () => {
    assert.throws(() => expectedVersionOf(undefined, 'abc'), RequestValidationError);
    assert.throws(
      () => expectedVersionOf(2, '"3"'),
      (e: unknown) => e instanceof RequestValidationError && e.issues[0]?.field === 'If-Match',
    );
  });
});
