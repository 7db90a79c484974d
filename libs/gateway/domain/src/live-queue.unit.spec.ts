import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TaskViewMessage } from '@ringback/contracts';
import {
  audienceOf,
  inQueue,
  inScopeOf,
  maySubscribe,
  mayView,
  podsOf,
  queueStats,
  scopeStats,
  type LocationPlace,
  type Viewer,
} from './live-queue';

const places: LocationPlace[] = [
  { locationId: 'aurora', regionId: 'west', podId: 'pod-mountain' },
  { locationId: 'lakewood', regionId: 'west', podId: 'pod-mountain' },
  { locationId: 'boston', regionId: 'east', podId: 'pod-harbor' },
  { locationId: 'pasadena', regionId: 'west', podId: 'pod-harbor' },
];
const viewer = (over: Partial<Viewer>): Viewer => ({
  role: 'supervisor',
  regions: [],
  locations: [],
  pods: [],
  ...over,
});
const task = (over: Partial<TaskViewMessage>): TaskViewMessage =>
  ({
    taskId: 't',
    locationId: 'aurora',
    regionId: 'west',
    podId: 'pod-mountain',
    status: 'open',
    tier: 2,
    intent: null,
    callCount: 1,
    sla: {
      targetMinutes: 15,
      startedAt: '2026-11-30T15:00:00.000Z',
      dueAt: '2026-11-30T15:15:00.000Z',
      status: 'on_track',
    },
    triage: { policyVersion: 1, rule: 'r', reasons: [] },
    handoff: null,
    assigneeId: null,
    attemptCount: 0,
    nextAttemptAt: null,
    offer: null,
    repeatCaller: null,
    ...over,
  }) as TaskViewMessage;

describe('live queue scope', () => {
  it('follows the contract per role', () => {
    const west = viewer({ regions: ['west'] });
    assert.equal(maySubscribe(west, { scope: 'region', id: 'west' }, places), true);
    assert.equal(maySubscribe(west, { scope: 'region', id: 'east' }, places), false);
    assert.equal(maySubscribe(west, { scope: 'location', id: 'aurora' }, places), true);
    assert.equal(maySubscribe(west, { scope: 'location', id: 'boston' }, places), false);
    assert.equal(maySubscribe(west, { scope: 'pod', id: 'pod-mountain' }, places), true);
    assert.equal(
      maySubscribe(west, { scope: 'pod', id: 'pod-harbor' }, places),
      false,
      'the pod also serves the east',
    );
    assert.equal(maySubscribe(west, { scope: 'location', id: 'nowhere' }, places), false);
    const coord = viewer({ role: 'coordinator', pods: ['pod-harbor'] });
    assert.equal(maySubscribe(coord, { scope: 'pod', id: 'pod-harbor' }, places), true);
    assert.equal(maySubscribe(coord, { scope: 'region', id: 'east' }, places), false);
    assert.equal(maySubscribe(coord, { scope: 'location', id: 'pasadena' }, places), true);
    const staff = viewer({ role: 'clinic_staff', locations: ['boston'] });
    assert.equal(maySubscribe(staff, { scope: 'location', id: 'boston' }, places), true);
    assert.equal(maySubscribe(staff, { scope: 'region', id: 'east' }, places), false);
    assert.equal(maySubscribe(viewer({ role: 'admin' }), { scope: 'pod', id: 'anything' }, places), true);
  });

  it('a subscription never lets anyone see a task their token does not cover (property)', () => {
    const arbViewer = fc.record({
      role: fc.constantFrom(
        'admin' as const,
        'supervisor' as const,
        'coordinator' as const,
        'clinic_staff' as const,
      ),
      regions: fc.subarray(['west', 'east']),
      locations: fc.subarray(places.map((p) => p.locationId)),
      pods: fc.subarray(['pod-mountain', 'pod-harbor']),
    });
    const arbScope = fc.record({
      scope: fc.constantFrom('location' as const, 'region' as const, 'pod' as const),
      id: fc.constantFrom('west', 'east', 'pod-mountain', 'pod-harbor', ...places.map((p) => p.locationId)),
    });
    fc.assert(
      fc.property(arbViewer, arbScope, fc.constantFrom(...places), (v, scope, place) => {
        const t = task(place);
        if (maySubscribe(v, scope, places) && inQueue(scope, t)) assert.ok(mayView(v, place));
      }),
      { numRuns: 2000 },
    );
  });

  it('viewers of one audience key see the same tasks of the scope; "*" sees all of them (property)', () => {
    const regions = ['west', 'east', 'north'];
    const pods = ['pod-mountain', 'pod-harbor', 'pod-x'];
    const locations = ['aurora', 'lakewood', 'boston', 'pasadena'];
    const arbViewer = fc.record({
      role: fc.constantFrom(
        'admin' as const,
        'supervisor' as const,
        'coordinator' as const,
        'clinic_staff' as const,
      ),
      regions: fc.array(fc.constantFrom(...regions), { maxLength: 3 }),
      locations: fc.array(fc.constantFrom(...locations), { maxLength: 3 }),
      pods: fc.array(fc.constantFrom(...pods), { maxLength: 3 }),
    });
    const arbScope = fc.oneof(
      fc.record({ scope: fc.constant('region' as const), id: fc.constantFrom(...regions) }),
      fc.record({ scope: fc.constant('pod' as const), id: fc.constantFrom(...pods) }),
      fc.record({ scope: fc.constant('location' as const), id: fc.constantFrom(...locations) }),
    );
    // Any combination, even one no configuration has (a clinic moved to another region since).
    const arbTask = fc.record({
      locationId: fc.constantFrom(...locations),
      regionId: fc.constantFrom(...regions),
      podId: fc.constantFrom(...pods),
    });
    fc.assert(
      fc.property(
        arbViewer,
        arbViewer,
        arbScope,
        fc.array(arbTask, { maxLength: 8 }),
        (a, b, scope, places) => {
          for (const place of places) {
            const t = task(place);
            if (!inScopeOf(scope, t)) continue;
            if (audienceOf(a, scope) === '*') assert.ok(mayView(a, t), 'a "*" audience sees every task');
            if (audienceOf(a, scope) === audienceOf(b, scope)) assert.equal(mayView(a, t), mayView(b, t));
          }
        },
      ),
      { numRuns: 3000 },
    );
    const west = viewer({ regions: ['west'] });
    assert.equal(audienceOf(west, { scope: 'region', id: 'west' }), '*');
    assert.equal(
      audienceOf(viewer({ regions: ['west', 'west'] }), { scope: 'pod', id: 'pod-mountain' }),
      audienceOf(west, { scope: 'pod', id: 'pod-mountain' }),
    );
    assert.notEqual(
      audienceOf(viewer({ role: 'coordinator', pods: ['west'] }), { scope: 'location', id: 'aurora' }),
      audienceOf(viewer({ role: 'supervisor', regions: ['west'] }), { scope: 'location', id: 'aurora' }),
    );
  });

  it('shows live work only, and counts it', () => {
    assert.equal(inQueue({ scope: 'region', id: 'west' }, task({ status: 'resolved' })), false);
    assert.equal(inQueue({ scope: 'pod', id: 'pod-mountain' }, task({ status: 'escalated' })), true);
    const stats = queueStats([
      task({
        taskId: 'a',
        tier: 1,
        sla: { ...task({}).sla, status: 'breached', startedAt: '2026-11-30T14:00:00.000Z' },
      }),
      task({ taskId: 'b', status: 'assigned', sla: { ...task({}).sla, status: 'at_risk' } }),
      task({ taskId: 'c', tier: 3 }),
    ]);
    assert.deepEqual(stats, {
      total: 3,
      waitingByTier: { 1: 1, 2: 0, 3: 1 },
      atRisk: 1,
      breached: 1,
      oldestWaitingSince: '2026-11-30T14:00:00.000Z',
    });
  });
});

describe('wallboard tile stats', () => {
  it('counts available coordinators of the pods serving the scope and the last 24 h SLA record', () => {
    const now = Date.parse('2026-11-30T18:00:00.000Z');
    const at = (h: number) => new Date(now - h * 3_600_000).toISOString();
    const all = [
      task({ taskId: 'met', status: 'resolved', sla: { ...task({}).sla, startedAt: at(2), status: 'met' } }),
      task({
        taskId: 'late',
        status: 'resolved',
        sla: { ...task({}).sla, startedAt: at(3), status: 'breached' },
      }),
      task({
        taskId: 'old',
        status: 'resolved',
        sla: { ...task({}).sla, startedAt: at(30), status: 'breached' },
      }),
      task({
        taskId: 'live',
        status: 'open',
        sla: { ...task({}).sla, startedAt: at(0), status: 'on_track' },
      }),
    ];
    const stats = scopeStats({
      scope: { scope: 'region', id: 'west' },
      live: all.filter((t) => t.status === 'open'),
      allTasks: all,
      coordinators: [
        { coordinatorId: 'a', podIds: ['pod-mountain'], presence: 'available' },
        { coordinatorId: 'b', podIds: ['pod-harbor'], presence: 'available' },
        { coordinatorId: 'c', podIds: ['pod-mountain'], presence: 'away' },
        { coordinatorId: 'd', podIds: ['pod-other'], presence: 'available' },
      ],
      places,
      nowMs: now,
    });
    // West is served by pod-mountain (aurora, lakewood) and pod-harbor (pasadena).
    assert.equal(stats.coordinatorsAvailable, 2);
    assert.deepEqual(stats.last24h, { met: 1, breached: 1, attainment: 0.5 });
    assert.equal(stats.total, 1);
    assert.deepEqual([...podsOf({ scope: 'location', id: 'boston' }, places)], ['pod-harbor']);
  });
});
