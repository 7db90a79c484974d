import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deciderSpec, DomainError, deterministicUuidV7 } from '@ringback/kernel';
import {
  callerLineDecider,
  callerLineStreamId,
  type CallerLineEvent,
  type EnvelopeStamp,
  type RecordInboundContact,
} from './caller-line.decider';
import { normalizePhoneNumber } from './phone-number';

const streamId = callerLineStreamId('aurora', '+13035550101');
let n = 0;
const stamp = (): EnvelopeStamp => ({
  eventId: deterministicUuidV7(Date.UTC(2026, 10, 23, 18, 50), 'spec', String(++n)),
  streamId,
  occurredAt: '2026-11-23T18:50:00.000Z',
  recordedAt: '2026-11-23T18:50:01.000Z',
  correlationId: 'corr',
  causationId: null,
  traceparent: null,
});

const contact = (providerCallId: string, newTaskId: string): RecordInboundContact => ({
  type: 'RecordInboundContact',
  stamp: stamp(),
  newTaskId,
  providerCallId,
  channel: 'missed_call',
  locationId: 'aurora',
  from: '+13035550101',
  callerName: 'Dana Reyes',
  intent: 'new_patient',
  transcript: null,
  preferredWindow: null,
  language: 'es',
  notes: null,
});

const recorded = (providerCallId: string, taskId: string, callCount: number): CallerLineEvent => {
  const { stamp: s, newTaskId: _t, type: _c, ...rest } = contact(providerCallId, taskId);
  return {
    ...s,
    type: 'InboundContactRecorded',
    schemaVersion: 1,
    locationId: 'aurora',
    data: { ...rest, taskId, joinedOpenTask: callCount > 1, callCount },
  };
};

const closed = (taskId: string): CallerLineEvent => ({
  ...stamp(),
  type: 'CallerLineTaskClosed',
  schemaVersion: 1,
  locationId: 'aurora',
  data: { taskId, reason: 'resolved' },
});

const spec = deciderSpec(callerLineDecider);

describe('caller line', () => {
  it('a first missed call opens a new task', () =>
    spec
      .given([])
      .when(contact('CA1', 'task-a'))
      .then(({ events }) => {
        assert.equal(events?.length, 1);
        const e = events![0]!;
        assert.equal(e.type, 'InboundContactRecorded');
        assert.deepEqual(
          e.type === 'InboundContactRecorded' && [e.data.taskId, e.data.joinedOpenTask, e.data.callCount],
          ['task-a', false, 1],
        );
      }));

  it('a repeat call while the task is open joins it and counts', () =>
    spec
      .given([recorded('CA1', 'task-a', 1)])
      .when(contact('CA2', 'task-b'))
      .then(({ events }) => {
        const e = events![0]!;
        assert.deepEqual(
          e.type === 'InboundContactRecorded' && [e.data.taskId, e.data.joinedOpenTask, e.data.callCount],
          ['task-a', true, 2],
        );
      }));

  it('the same providerCallId again changes nothing', () =>
    spec
      .given([recorded('CA1', 'task-a', 1)])
      .when(contact('CA1', 'task-z'))
      .then(({ events }) => assert.deepEqual(events, [])));

  it('after the task closes, the next call opens a new task', () =>
    spec
      .given([recorded('CA1', 'task-a', 1), closed('task-a')])
      .when(contact('CA3', 'task-b'))
      .then(({ events }) => {
        const e = events![0]!;
        assert.deepEqual(e.type === 'InboundContactRecorded' && [e.data.taskId, e.data.callCount], [
          'task-b',
          1,
        ]);
      }));

  it('closing a task twice is a no-op; closing an unknown task is refused', () => {
    spec
      .given([recorded('CA1', 'task-a', 1), closed('task-a')])
      .when({
        type: 'CloseLineTask',
        stamp: stamp(),
        locationId: 'aurora',
        taskId: 'task-a',
        reason: 'resolved',
      })
      .then(({ events }) => assert.deepEqual(events, []));
    spec
      .given([])
      .when({
        type: 'CloseLineTask',
        stamp: stamp(),
        locationId: 'aurora',
        taskId: 'task-x',
        reason: 'resolved',
      })
      .then(({ error }) => assert.ok(error instanceof DomainError && error.code === 'task_not_on_line'));
  });

  it('answered calls are recorded once and never open tasks', () =>
    spec
      .given([])
      .when({
        type: 'RecordAnsweredCall',
        stamp: stamp(),
        providerCallId: 'CA9',
        locationId: 'aurora',
        from: '+13035550101',
        durationSeconds: 95,
      })
      .then(({ events }) => assert.equal(events?.[0]?.type, 'AnsweredCallRecorded')));
});

describe('phone numbers', () => {
  it('normalizes to E.164 in the clinic country', () => {
    assert.equal(normalizePhoneNumber('+1 303 555 0101'), '+13035550101');
    assert.equal(normalizePhoneNumber('(303) 555-0101'), '+13035550101');
    assert.equal(normalizePhoneNumber('020 7946 0958', 'GB'), '+442079460958');
    assert.equal(normalizePhoneNumber('anonymous'), null);
    assert.equal(normalizePhoneNumber('12'), null);
  });
});
