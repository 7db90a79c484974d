import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope, TaskViewMessage } from '@ringback/contracts';
import type { QueueTask } from '@ringback/gateway-domain';
import type { Bus } from '@ringback/platform-core';
import { LiveQueueState, type TaskChange } from './live-queue.state';

const view = (taskId: string, status: TaskViewMessage['status'], startedAt: string): TaskViewMessage => ({
  taskId,
  locationId: 'aurora',
  regionId: 'west',
  podId: 'pod-mountain',
  status,
  tier: 2,
  intent: null,
  callCount: 1,
  sla: { targetMinutes: 15, startedAt, dueAt: startedAt, status: 'met' },
  triage: { policyVersion: 1, rule: 'r', reasons: [] },
  handoff: null,
  assigneeId: null,
  attemptCount: 0,
  nextAttemptAt: null,
  offer: null,
  repeatCaller: null,
});
const changed = (v: TaskViewMessage, position: number, at: string): EventEnvelope => ({
  eventId: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
  type: 'TaskViewChanged',
  schemaVersion: 1,
  streamId: `task_view-${v.taskId}`,
  occurredAt: at,
  recordedAt: at,
  correlationId: 'c',
  causationId: null,
  locationId: v.locationId,
  traceparent: null,
  data: { taskId: v.taskId, position: String(position), view: v },
});

describe('LiveQueueState', () => {
  it('keeps the newest view per task, ignores older ones, and lets old closed tasks go', async () => {
    const state = new LiveQueueState({} as Bus);
    const seen: TaskChange[] = [];
    state.onChange((c) => seen.push(c));
    await state.handle(changed(view('a', 'open', '2026-11-30T10:00:00.000Z'), 5, '2026-11-30T10:00:00.000Z'));
    await state.handle(
      changed(view('a', 'assigned', '2026-11-30T10:00:00.000Z'), 4, '2026-11-30T10:01:00.000Z'),
    );
    assert.equal(state.tasks()[0]!.status, 'open', 'an older position does not win');
    assert.equal(seen.length, 1);
    await state.handle(
      changed(view('a', 'resolved', '2026-11-30T10:00:00.000Z'), 6, '2026-11-30T10:05:00.000Z'),
    );
    assert.equal(state.tasks()[0]!.status, 'resolved', 'kept for the last-24-hours figures');
    // A task closed two days after its clock started is told to listeners (a removal) and dropped.
    await state.handle(
      changed(view('b', 'resolved', '2026-11-28T10:00:00.000Z'), 7, '2026-11-30T10:06:00.000Z'),
    );
    assert.equal(seen.at(-1)!.after.taskId, 'b');
    assert.deepEqual(
      state.tasks().map((t) => t.taskId),
      ['a'],
    );
  });

  it('sweeps a large backlog of open tasks seldom, and still drops old closed tasks', async () => {
    const state = new LiveQueueState({} as Bus);
    let sweeps = 0;
    const spied = state as unknown as { prune: (nowMs: number) => void };
    const prune = spied.prune.bind(state);
    spied.prune = (nowMs) => {
      sweeps += 1;
      prune(nowMs);
    };
    const start = Date.parse('2026-11-30T10:00:00.000Z');
    const at = (ms: number) => new Date(ms).toISOString();
    // 100 tasks closed at once, then 25,000 open ones a second apart: nothing of the open ones can go.
    for (let i = 0; i < 100; i += 1)
      await state.handle(changed(view(`c${i}`, 'resolved', at(start)), i + 1, at(start)));
    for (let i = 0; i < 25_000; i += 1) {
      const t = start + i * 1000;
      await state.handle(changed(view(`o${i}`, 'open', at(t)), 1_000 + i, at(t)));
    }
    // Every event over 20,000 views used to sweep all of them (5,000 sweeps here): a quadratic cost.
    assert.ok(sweeps <= 1 + Math.ceil((25_000 * 1000) / (10 * 60_000)), `${sweeps} sweeps`);
    assert.equal(state.size, 25_100, 'open tasks and recently closed ones stay');
    // A day and a half after the closed ones started, the next sweep lets them go.
    const later = start + 37 * 60 * 60_000;
    await state.handle(changed(view('late', 'open', at(later)), 100_000, at(later)));
    assert.equal(state.size, 25_001);
    assert.ok(state.tasks().every((t) => t.status === 'open'));
  });

  it('gives back each held view whole, as a copy, and the queue fields as the view has them', async () => {
    const state = new LiveQueueState({} as Bus);
    const full: TaskViewMessage = {
      ...view('a', 'escalated', '2026-11-30T10:00:00.000Z'),
      tier: 1,
      intent: 'urgent_symptom',
      sla: {
        targetMinutes: 15,
        startedAt: '2026-11-30T10:00:00.000Z',
        dueAt: '2026-11-30T10:15:00.000Z',
        status: 'at_risk',
      },
      triage: { policyVersion: 3, rule: 'chest-pain', reasons: ['keyword: chest pain'] },
      handoff: { role: 'RN', accepted: false },
      offer: { coordinatorId: 'co-1', expiresAt: '2026-11-30T10:02:00.000Z' },
      repeatCaller: { otherTasks: [{ taskId: 'z', locationId: 'boulder' }] },
    };
    await state.handle(changed(full, 9, '2026-11-30T10:01:00.000Z'));
    await state.handle(
      changed(view('b', 'open', '2026-11-30T10:00:00.000Z'), 10, '2026-11-30T10:01:00.000Z'),
    );
    const [a, b] = state.tasks();
    assert.deepEqual(a!.view(), full);
    assert.notEqual(a!.view(), a!.view(), 'each call parses a fresh copy');
    const fields = ({ taskId, locationId, regionId, podId, status, tier, sla }: QueueTask) => ({
      taskId,
      locationId,
      regionId,
      podId,
      status,
      tier,
      sla: { status: sla.status, startedAt: sla.startedAt, dueAt: sla.dueAt },
    });
    assert.deepEqual(fields(a!), fields(full));
    assert.deepEqual({ ...fields(b!) }, fields(b!.view()));
    // A later change replaces the held view; an earlier position than the one held does not.
    await state.handle(changed({ ...full, status: 'resolved' }, 11, '2026-11-30T10:03:00.000Z'));
    await state.handle(changed({ ...full, status: 'open' }, 2, '2026-11-30T10:04:00.000Z'));
    assert.equal(state.tasks()[0]!.view().status, 'resolved');
    assert.equal(state.tasks()[0]!.status, 'resolved');
  });
});
