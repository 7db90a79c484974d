import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope, TaskViewMessage } from '@ringback/contracts';
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
});
