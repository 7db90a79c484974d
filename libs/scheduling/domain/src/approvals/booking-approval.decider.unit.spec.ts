import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError, deciderSpec } from '@ringback/kernel';
import {
  bookingApprovalDecider,
  type BookingApprovalCommand,
  type BookingApprovalEvent,
} from './booking-approval.decider';

const spec = deciderSpec(bookingApprovalDecider);
const requested: BookingApprovalEvent = {
  type: 'BookingApprovalRequested',
  data: {
    approvalId: 'ap-1',
    slotId: 'dr-lee.2026-12-01T20:00:00.000Z',
    locationId: 'aurora',
    appointmentTypeId: 'procedure',
    newPatient: false,
    patient: {
      patientRef: 'mrn-1',
      phone: '+13035550101',
      email: null,
      preferredChannel: 'sms',
      language: 'en',
      bestTimeWindow: null,
      priorNoShows: 0,
    },
    source: 'callback',
    taskId: 't-1',
    reason: 'outside_own_authority',
    requestedBy: 'ann',
    dueAt: '2026-11-30T17:30:00.000Z',
    requestedAt: '2026-11-30T17:00:00.000Z',
  },
};
const decide = (
  decidedBy: string,
  at = '2026-11-30T17:10:00.000Z',
  decision: 'approved' | 'denied' = 'approved',
): BookingApprovalCommand => ({
  type: 'DecideApproval',
  data: {
    approvalId: 'ap-1',
    decision,
    decidedBy,
    note: null,
    appointmentId: decision === 'approved' ? 'a-1' : null,
    at,
  },
});
const code = (o: { error?: unknown }) => (o.error instanceof DomainError ? o.error.code : String(o.error));

describe('booking approvals', () => {
  it('someone else approves or denies before the due time, once', () => {
    spec
      .given([requested])
      .when(decide('sue'))
      .then((o) =>
        assert.deepEqual(
          o.events?.map((e) => [e.type, e.data]),
          [
            [
              'BookingApprovalDecided',
              {
                approvalId: 'ap-1',
                decision: 'approved',
                decidedBy: 'sue',
                note: null,
                appointmentId: 'a-1',
                withinSla: true,
                decidedAt: '2026-11-30T17:10:00.000Z',
              },
            ],
          ],
        ),
      );
    spec
      .given([requested])
      .when(decide('ann'))
      .then((o) => assert.equal(code(o), 'self_approval'));
    const approved = bookingApprovalDecider.decide(
      decide('sue'),
      bookingApprovalDecider.evolve({ status: 'none' }, requested),
    );
    spec
      .given([requested, ...approved])
      .when(decide('sue'))
      .then((o) => assert.deepEqual(o.events, []));
    spec
      .given([requested, ...approved])
      .when(decide('sue', undefined, 'denied'))
      .then((o) => assert.equal(code(o), 'approval_already_decided'));
    spec
      .given([])
      .when(decide('sue'))
      .then((o) => assert.equal(code(o), 'approval_not_found'));
  });

  it('expires at its due time: no decision after it', () => {
    spec
      .given([requested])
      .when(decide('sue', '2026-11-30T17:30:00.000Z'))
      .then((o) => assert.equal(code(o), 'approval_expired'));
    const expire = (at: string): BookingApprovalCommand => ({
      type: 'ExpireApproval',
      data: { approvalId: 'ap-1', at },
    });
    spec
      .given([requested])
      .when(expire('2026-11-30T17:29:00.000Z'))
      .then((o) => assert.deepEqual(o.events, []));
    spec
      .given([requested])
      .when(expire('2026-11-30T17:31:00.000Z'))
      .then((o) =>
        assert.deepEqual(
          o.events?.map((e) => e.type),
          ['BookingApprovalExpired'],
        ),
      );
  });
});
