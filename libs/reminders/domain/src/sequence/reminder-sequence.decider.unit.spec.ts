import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError, deciderSpec, foldEvents } from '@ringback/kernel';
import {
  reminderSequenceDecider,
  type PlanSequence,
  type ReminderSequenceCommand,
} from './reminder-sequence.decider';

const spec = deciderSpec(reminderSequenceDecider);
const plan = (bookingId: string): PlanSequence => ({
  type: 'PlanSequence',
  data: {
    appointmentId: 'a-1',
    bookingId,
    locationId: 'aurora',
    start: '2026-12-03T17:00:00.000Z',
    channel: 'sms',
    language: 'es',
    messages: [
      { messageId: `${bookingId}.confirmation`, kind: 'confirmation', sendAt: '2026-11-30T18:00:00.000Z' },
    ],
    outreachAt: null,
    followUpAt: '2026-12-02T21:00:00.000Z',
    at: '2026-11-30T18:00:00.000Z',
  },
});
const planned = (bookingId: string) =>
  reminderSequenceDecider.decide(plan(bookingId), reminderSequenceDecider.initialState());
const followUp = (bookingId = 'b-1'): ReminderSequenceCommand => ({
  type: 'RequestFollowUp',
  data: {
    appointmentId: 'a-1',
    bookingId,
    followUpId: `${bookingId}.no_reply`,
    locationId: 'aurora',
    reason: 'no_reply',
    dueAt: '2026-12-02T22:00:00.000Z',
    at: '2026-12-02T21:00:00.000Z',
  },
});
const confirm: ReminderSequenceCommand = {
  type: 'RecordPatientConfirmation',
  data: { appointmentId: 'a-1', bookingId: 'b-1', inboundId: 'in-1', at: '2026-12-01T10:00:00.000Z' },
};

describe('reminder sequence', () => {
  it('plans a booking once; a reschedule stops the old booking’s sequence and plans the new one', () => {
    spec
      .given(planned('b-1'))
      .when(plan('b-1'))
      .then((o) => assert.deepEqual(o.events, []));
    spec
      .given(planned('b-1'))
      .when(plan('b-2'))
      .then((o) =>
        assert.deepEqual(
          o.events?.map((e) => e.type),
          ['ReminderSequenceStopped', 'ReminderSequencePlanned'],
        ),
      );
  });

  it('a confirmed patient gets no no-reply follow-up; an unconfirmed one gets it once', () => {
    const confirmed = reminderSequenceDecider.decide(
      confirm,
      foldEvents(reminderSequenceDecider, planned('b-1')),
    );
    spec
      .given([...planned('b-1'), ...confirmed])
      .when(followUp())
      .then((o) => assert.deepEqual(o.events, []));
    const requested = reminderSequenceDecider.decide(
      followUp(),
      foldEvents(reminderSequenceDecider, planned('b-1')),
    );
    assert.deepEqual(
      requested.map((e) => e.type),
      ['FollowUpRequested'],
    );
    spec
      .given([...planned('b-1'), ...requested])
      .when(followUp())
      .then((o) => assert.deepEqual(o.events, []));
  });

  it('a stopped sequence takes no confirmation and raises no follow-up', () => {
    const stopped = reminderSequenceDecider.decide(
      {
        type: 'StopSequence',
        data: { appointmentId: 'a-1', bookingId: 'b-1', reason: 'cancelled', at: '2026-12-01T09:00:00.000Z' },
      },
      foldEvents(reminderSequenceDecider, planned('b-1')),
    );
    spec
      .given([...planned('b-1'), ...stopped])
      .when(confirm)
      .then((o) => assert.equal(o.error instanceof DomainError ? o.error.code : '', 'sequence_not_active'));
    spec
      .given([...planned('b-1'), ...stopped])
      .when(followUp())
      .then((o) => assert.deepEqual(o.events, []));
  });
});
