import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compareTasks,
  hasSkills,
  isRoutable,
  planOffers,
  type RoutableCoordinator,
  type RoutableTask,
} from './routing-plan';

const NOW = Date.parse('2026-11-23T16:00:00Z');
const pods = ['pod-a', 'pod-b', 'pod-c'];

const task = (over: Partial<RoutableTask> & { taskId: string }): RoutableTask => ({
  podId: 'pod-a',
  tier: 2,
  dueAtMs: NOW + 10 * 60_000,
  occurredAtMs: NOW - 5 * 60_000,
  language: null,
  serviceLines: [],
  breach: null,
  availableAtMs: null,
  passedBy: [],
  ...over,
});
const coord = (over: Partial<RoutableCoordinator> & { coordinatorId: string }): RoutableCoordinator => ({
  podIds: ['pod-a'],
  languages: ['en'],
  serviceLines: [],
  presence: 'available',
  holdsOffer: false,
  presenceSinceMs: NOW - 60_000,
  ...over,
});

describe('routing plan: examples', () => {
  it('orders by tier, then least slack, then age', () => {
    const urgent = task({ taskId: 'tier1', tier: 1, dueAtMs: NOW + 14 * 60_000 });
    const tight = task({ taskId: 'tight', dueAtMs: NOW + 60_000 });
    const older = task({ taskId: 'older', occurredAtMs: NOW - 50 * 60_000 });
    const newer = task({ taskId: 'newer' });
    const order = [newer, older, tight, urgent].sort(compareTasks).map((t) => t.taskId);
    assert.deepEqual(order, ['tier1', 'tight', 'older', 'newer']);
    // A breached Tier 3 bumped by one ranks with Tier 2s.
    const bumped = task({
      taskId: 'bumped',
      tier: 3,
      dueAtMs: NOW - 1,
      breach: { priorityBump: 1, overflow: false },
    });
    assert.equal([newer, bumped].sort(compareTasks)[0]!.taskId, 'bumped');
  });

  it('the only free coordinator gets the most urgent task; the idle-longest coordinator goes first', () => {
    const plan = planOffers({
      nowMs: NOW,
      tasks: [task({ taskId: 't3', tier: 3 }), task({ taskId: 't1', tier: 1 })],
      coordinators: [
        coord({ coordinatorId: 'late', presenceSinceMs: NOW - 1000 }),
        coord({ coordinatorId: 'early', presenceSinceMs: NOW - 99_000 }),
      ],
    });
    assert.deepEqual(plan, [
      { taskId: 't1', coordinatorId: 'early', overflow: false },
      { taskId: 't3', coordinatorId: 'late', overflow: false },
    ]);
  });

  it('overflows only when the pod has no one available, or the breach allows it; own pod first', () => {
    const harbor = coord({ coordinatorId: 'harbor', podIds: ['pod-b'], presenceSinceMs: NOW - 99_000 });
    const awayLocal = coord({ coordinatorId: 'local', presence: 'away' });
    assert.deepEqual(
      planOffers({ nowMs: NOW, tasks: [task({ taskId: 't' })], coordinators: [harbor, awayLocal] }),
      [{ taskId: 't', coordinatorId: 'harbor', overflow: true }],
    );
    // Someone local is available but holds an offer: wait for them, no overflow.
    const busyLocal = coord({ coordinatorId: 'local', holdsOffer: true });
    assert.deepEqual(
      planOffers({ nowMs: NOW, tasks: [task({ taskId: 't' })], coordinators: [harbor, busyLocal] }),
      [],
    );
    const breached = task({ taskId: 't', breach: { priorityBump: 1, overflow: true } });
    assert.deepEqual(planOffers({ nowMs: NOW, tasks: [breached], coordinators: [harbor, busyLocal] }), [
      { taskId: 't', coordinatorId: 'harbor', overflow: true },
    ]);
    const freeLocal = coord({ coordinatorId: 'local', presenceSinceMs: NOW });
    assert.deepEqual(planOffers({ nowMs: NOW, tasks: [breached], coordinators: [harbor, freeLocal] }), [
      { taskId: 't', coordinatorId: 'local', overflow: false },
    ]);
  });

  it('needs the language until the SLA is breached; waits for the retry time; skips who passed', () => {
    const es = task({ taskId: 'es', language: 'es-MX' });
    const en = coord({ coordinatorId: 'en' });
    assert.deepEqual(planOffers({ nowMs: NOW, tasks: [es], coordinators: [en] }), []);
    assert.equal(
      planOffers({
        nowMs: NOW,
        tasks: [es],
        coordinators: [coord({ coordinatorId: 'bi', languages: ['en', 'es'] })],
      }).length,
      1,
    );
    assert.equal(
      planOffers({
        nowMs: NOW,
        tasks: [{ ...es, breach: { priorityBump: 1, overflow: false } }],
        coordinators: [en],
      }).length,
      1,
    );
    assert.deepEqual(
      planOffers({ nowMs: NOW, tasks: [task({ taskId: 'r', availableAtMs: NOW + 1 })], coordinators: [en] }),
      [],
    );
    assert.deepEqual(
      planOffers({ nowMs: NOW, tasks: [task({ taskId: 'p', passedBy: ['en'] })], coordinators: [en] }),
      [],
    );
  });
});

const arbTask = fc.record({
  taskId: fc.string({ minLength: 1, maxLength: 4 }),
  podId: fc.constantFrom(...pods),
  tier: fc.constantFrom(1 as const, 2 as const, 3 as const),
  dueAtMs: fc.integer({ min: NOW - 3_600_000, max: NOW + 3_600_000 }),
  occurredAtMs: fc.integer({ min: NOW - 7_200_000, max: NOW }),
  language: fc.option(fc.constantFrom('en', 'es', 'vi'), { nil: null }),
  serviceLines: fc.subarray(['oncology', 'pediatrics', 'primary_care']),
  breach: fc.option(fc.record({ priorityBump: fc.integer({ min: 1, max: 2 }), overflow: fc.boolean() }), {
    nil: null,
  }),
  availableAtMs: fc.option(fc.integer({ min: NOW - 60_000, max: NOW + 60_000 }), { nil: null }),
  passedBy: fc.subarray(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']),
});
const arbCoordinator = (i: number) =>
  fc.record({
    coordinatorId: fc.constant(`c${i}`),
    podIds: fc.subarray(pods, { minLength: 1 }),
    languages: fc.subarray(['en', 'es', 'vi'], { minLength: 1 }),
    serviceLines: fc.subarray(['oncology', 'pediatrics', 'primary_care']),
    presence: fc.constantFrom(
      'available' as const,
      'busy' as const,
      'wrap_up' as const,
      'away' as const,
      'offline' as const,
    ),
    holdsOffer: fc.boolean(),
    presenceSinceMs: fc.integer({ min: NOW - 3_600_000, max: NOW }),
  });
const arbInput = fc.record({
  tasks: fc.uniqueArray(arbTask, { selector: (t) => t.taskId, maxLength: 12 }),
  coordinators: fc.tuple(...[0, 1, 2, 3, 4, 5].map(arbCoordinator)).chain((cs) => fc.subarray(cs)),
});

describe('routing plan: properties', () => {
  it('never offers two tasks to one coordinator, nor one task twice, and only to free, eligible coordinators', () => {
    fc.assert(
      fc.property(arbInput, ({ tasks, coordinators }) => {
        const plan = planOffers({ nowMs: NOW, tasks, coordinators });
        assert.equal(new Set(plan.map((p) => p.coordinatorId)).size, plan.length);
        assert.equal(new Set(plan.map((p) => p.taskId)).size, plan.length);
        const anyoneAvailable = (pod: string) =>
          coordinators.some((c) => c.presence === 'available' && c.podIds.includes(pod));
        for (const p of plan) {
          const t = tasks.find((x) => x.taskId === p.taskId)!;
          const c = coordinators.find((x) => x.coordinatorId === p.coordinatorId)!;
          assert.equal(c.presence, 'available');
          assert.equal(c.holdsOffer, false);
          assert.ok(isRoutable(t, NOW));
          assert.ok(hasSkills(c, t));
          assert.ok(!t.passedBy.includes(c.coordinatorId));
          assert.equal(p.overflow, !c.podIds.includes(t.podId));
          if (p.overflow) assert.ok(t.breach?.overflow || !anyoneAvailable(t.podId));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('leaves no waiting task and free coordinator that could have been paired, and serves urgency first', () => {
    fc.assert(
      fc.property(arbInput, ({ tasks, coordinators }) => {
        const plan = planOffers({ nowMs: NOW, tasks, coordinators });
        const usedC = new Set(plan.map((p) => p.coordinatorId));
        const offered = new Set(plan.map((p) => p.taskId));
        const anyoneAvailable = (pod: string) =>
          coordinators.some((c) => c.presence === 'available' && c.podIds.includes(pod));
        const eligible = (t: RoutableTask, c: RoutableCoordinator) =>
          c.presence === 'available' &&
          !c.holdsOffer &&
          hasSkills(c, t) &&
          !t.passedBy.includes(c.coordinatorId) &&
          (c.podIds.includes(t.podId) || t.breach?.overflow === true || !anyoneAvailable(t.podId));
        for (const t of tasks.filter((x) => isRoutable(x, NOW) && !offered.has(x.taskId)))
          for (const c of coordinators.filter((x) => !usedC.has(x.coordinatorId)))
            assert.ok(!eligible(t, c), `${t.taskId} could have gone to ${c.coordinatorId}`);
        // A task that went unserved never lost its coordinator to a less urgent task it could have taken.
        for (const t of tasks.filter((x) => isRoutable(x, NOW) && !offered.has(x.taskId)))
          for (const p of plan) {
            const c = coordinators.find((x) => x.coordinatorId === p.coordinatorId)!;
            const other = tasks.find((x) => x.taskId === p.taskId)!;
            if (eligible(t, c))
              assert.ok(compareTasks(other, t) < 0, `${c.coordinatorId} went to less urgent ${other.taskId}`);
          }
      }),
      { numRuns: 400 },
    );
  });
});
