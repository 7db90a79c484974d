import {
  BOOKING_APPROVAL_CATEGORY,
  type BookingApprovalDecidedV1,
  type BookingApprovalExpiredV1,
  type BookingApprovalRequestedV1,
} from '@ringback/contracts';
import type { Projection } from '@ringback/platform-core';

export const APPROVALS_COLLECTION = 'scheduling_approvals';
export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export type ApprovalDoc = {
  id: string;
  approvalId: string;
  state: ApprovalState;
  locationId: string;
  /** Epoch ms of `dueAt`, for the expiry loop. */
  dueAtMs: number;
  request: BookingApprovalRequestedV1;
  decision: BookingApprovalDecidedV1 | null;
  expiredAt: string | null;
};

/** Booking approval requests and how they ended. */
export const bookingApprovalsProjection: Projection = {
  id: 'scheduling-approvals',
  version: 1,
  collections: [APPROVALS_COLLECTION],
  categories: [BOOKING_APPROVAL_CATEGORY],
  eventTypes: ['BookingApprovalRequested', 'BookingApprovalDecided', 'BookingApprovalExpired'],
  async handle(event, position, ctx) {
    const approvalId = (event.data as { approvalId: string }).approvalId;
    if (event.type === 'BookingApprovalRequested') {
      const request = event.data as BookingApprovalRequestedV1;
      const doc: ApprovalDoc = {
        id: approvalId,
        approvalId,
        state: 'pending',
        locationId: request.locationId,
        dueAtMs: Date.parse(request.dueAt),
        request,
        decision: null,
        expiredAt: null,
      };
      return [{ kind: 'upsert', collection: APPROVALS_COLLECTION, doc, position }];
    }
    const before = await ctx.get<ApprovalDoc>(APPROVALS_COLLECTION, approvalId);
    if (!before) return [];
    if (event.type === 'BookingApprovalDecided') {
      const decision = event.data as BookingApprovalDecidedV1;
      return [
        {
          kind: 'upsert',
          collection: APPROVALS_COLLECTION,
          doc: { ...before, state: decision.decision, decision },
          position,
        },
      ];
    }
    const expired = event.data as BookingApprovalExpiredV1;
    return [
      {
        kind: 'upsert',
        collection: APPROVALS_COLLECTION,
        doc: { ...before, state: 'expired', expiredAt: expired.expiredAt },
        position,
      },
    ];
  },
};
