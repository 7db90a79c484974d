import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deciderSpec, DomainError } from '@ringback/kernel';
import { slaAlertDecider, type AcknowledgeAlert, type SlaAlertEvent } from './sla-alert.decider';

const spec = deciderSpec(slaAlertDecider);
const ack = (over: Partial<AcknowledgeAlert> = {}): AcknowledgeAlert => ({
  type: 'AcknowledgeAlert',
  taskId: 't-1',
  clockVersion: 1,
  breachedVersions: [1],
  acknowledgedBy: 'sup-1',
  note: null,
  at: '2026-11-30T12:31:00.000Z',
  ...over,
});
const acknowledged: SlaAlertEvent = {
  type: 'SlaAlertAcknowledged',
  data: {
    taskId: 't-1',
    clockVersion: 1,
    acknowledgedBy: 'sup-1',
    note: null,
    acknowledgedAt: '2026-11-30T12:31:00.000Z',
  },
};

describe('SLA alert', () => {
  it('acknowledges a breach once; the first acknowledgement stands', () => {
    spec
      .given([])
      .when(ack())
      .then(({ events }) => assert.deepEqual(events, [acknowledged]));
    spec
      .given([acknowledged])
      .when(ack({ acknowledgedBy: 'sup-2' }))
      .then(({ events }) => assert.deepEqual(events, []));
    // A later clock (retriage) breaching is a new alert.
    spec
      .given([acknowledged])
      .when(ack({ clockVersion: 2, breachedVersions: [1, 2] }))
      .then(({ events }) => assert.equal(events?.length, 1));
  });

  it('there is nothing to acknowledge without a breach of that clock', () => {
    spec
      .given([])
      .when(ack({ breachedVersions: [] }))
      .then(({ error }) => assert.ok(error instanceof DomainError && error.code === 'alert_not_found'));
  });
});
