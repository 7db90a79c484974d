import { DomainError, type Decider } from '@ringback/kernel';
import type {
  BookingApprovalDecidedV1,
  BookingApprovalExpiredV1,
  BookingApprovalRequestedV1,
} from '@ringback/contracts';

/**
 * An in-house approval request for a booking outside the requester's own authority (stream
 * `booking_approval-<approvalId>`). The slot is held for it until `dueAt`, the request's own SLA:
 * someone with the authority approves (the booking is made under the hold) or denies it by then, or
 * the request expires with the hold. Nobody approves their own request.
 */

export type BookingApprovalEvent =
  | { type: 'BookingApprovalRequested'; data: BookingApprovalRequestedV1 }
  | { type: 'BookingApprovalDecided'; data: BookingApprovalDecidedV1 }
  | { type: 'BookingApprovalExpired'; data: BookingApprovalExpiredV1 };

export type RequestApproval = {
  type: 'RequestApproval';
  data: Omit<BookingApprovalRequestedV1, 'requestedAt'> & { at: string };
};
export type DecideApproval = {
  type: 'DecideApproval';
  data: {
    approvalId: string;
    decision: BookingApprovalDecidedV1['decision'];
    decidedBy: string;
    note: string | null;
    appointmentId: string | null;
    at: string;
  };
};
export type ExpireApproval = { type: 'ExpireApproval'; data: { approvalId: string; at: string } };
export type BookingApprovalCommand = RequestApproval | DecideApproval | ExpireApproval;

export type BookingApprovalState =
  | { status: 'none' }
  | { status: 'pending'; request: BookingApprovalRequestedV1 }
  | { status: 'decided'; request: BookingApprovalRequestedV1; decision: BookingApprovalDecidedV1 }
  | { status: 'expired'; request: BookingApprovalRequestedV1; expiredAt: string };

const ms = (iso: string): number => Date.parse(iso);

export const bookingApprovalDecider: Decider<
  BookingApprovalState,
  BookingApprovalCommand,
  BookingApprovalEvent
> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    const { at } = command.data;
    switch (command.type) {
      case 'RequestApproval': {
        if (state.status !== 'none') return []; // a retried request
        const { at: _a, ...request } = command.data;
        if (ms(request.dueAt) <= ms(at))
          throw new DomainError('invalid_due_time', 'an approval is due in the future');
        return [{ type: 'BookingApprovalRequested', data: { ...request, requestedAt: at } }];
      }
      case 'DecideApproval': {
        const c = command.data;
        if (state.status === 'none')
          throw new DomainError('approval_not_found', `Unknown approval ${c.approvalId}`);
        if (state.status === 'decided') {
          if (state.decision.decision === c.decision) return [];
          throw new DomainError('approval_already_decided', `The request was ${state.decision.decision}`);
        }
        if (state.status === 'expired' || ms(at) >= ms(state.request.dueAt))
          throw new DomainError('approval_expired', `The request expired at ${state.request.dueAt}`);
        if (c.decidedBy === state.request.requestedBy)
          throw new DomainError('self_approval', 'a request is decided by someone other than the requester');
        if (c.decision === 'approved' && !c.appointmentId)
          throw new DomainError('appointment_required', 'an approval names the appointment it booked');
        return [
          {
            type: 'BookingApprovalDecided',
            data: {
              approvalId: c.approvalId,
              decision: c.decision,
              decidedBy: c.decidedBy,
              note: c.note,
              appointmentId: c.decision === 'approved' ? c.appointmentId : null,
              withinSla: true,
              decidedAt: at,
            },
          },
        ];
      }
      case 'ExpireApproval': {
        if (state.status !== 'pending' || ms(at) < ms(state.request.dueAt)) return [];
        return [
          {
            type: 'BookingApprovalExpired',
            data: {
              approvalId: state.request.approvalId,
              slotId: state.request.slotId,
              dueAt: state.request.dueAt,
              expiredAt: at,
            },
          },
        ];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'BookingApprovalRequested':
        return { status: 'pending', request: event.data };
      case 'BookingApprovalDecided':
        return state.status === 'pending'
          ? { status: 'decided', request: state.request, decision: event.data }
          : state;
      case 'BookingApprovalExpired':
        return state.status === 'pending'
          ? { status: 'expired', request: state.request, expiredAt: event.data.expiredAt }
          : state;
    }
  },
};
