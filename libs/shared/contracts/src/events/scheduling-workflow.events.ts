import { z } from 'zod';
import type { EventDefinition } from '../registry';
import type { PhiSpec } from '../phi';
import { bookingSourceSchema, patientContactPhi, patientContactSchema } from './scheduling.events';

/**
 * Scheduling workflows, produced by the scheduling service:
 * - `booking_approval-<approvalId>`: a booking outside the requester's own authority waits for
 *   in-house approval, with its own SLA (`dueAt`); the slot is held for it meanwhile (hold id = the
 *   approval id);
 * - `waitlist_entry-<entryId>`: a patient waiting for an appointment type (optionally a provider) at a
 *   location, with clinical priority, language and constraints;
 * - `waitlist_offer-<offerId>`: a freed slot offered to a ranked batch of waiting patients under a hold
 *   (hold id = the offer id) until `expiresAt`; the first confirmation books it, the rest are told it
 *   is filled, an expired batch moves on to the next.
 * Times are UTC ISO-8601 with `Z`.
 */

export const BOOKING_APPROVAL_CATEGORY = 'booking_approval';
export const WAITLIST_ENTRY_CATEGORY = 'waitlist_entry';
export const WAITLIST_OFFER_CATEGORY = 'waitlist_offer';
export const bookingApprovalStreamId = (id: string): string => `${BOOKING_APPROVAL_CATEGORY}-${id}`;
export const waitlistEntryStreamId = (id: string): string => `${WAITLIST_ENTRY_CATEGORY}-${id}`;
export const waitlistOfferStreamId = (id: string): string => `${WAITLIST_OFFER_CATEGORY}-${id}`;

const isoUtc = z.iso.datetime({ offset: false });
const id = z.string().min(1).max(200);
const slug = z.string().min(1).max(64);
const clockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM');

export const bookingApprovalRequestedV1 = z.object({
  approvalId: id,
  slotId: id,
  locationId: id,
  appointmentTypeId: slug,
  newPatient: z.boolean(),
  patient: patientContactSchema,
  source: bookingSourceSchema,
  taskId: id.nullable(),
  /** Why the requester could not book directly. */
  reason: z.enum(['outside_own_authority', 'protected_slot']),
  requestedBy: id,
  /** The approval's own SLA: decided by then, or the hold lapses and the request expires. */
  dueAt: isoUtc,
  requestedAt: isoUtc,
});

export const bookingApprovalDecidedV1 = z.object({
  approvalId: id,
  decision: z.enum(['approved', 'denied']),
  decidedBy: id,
  note: z.string().max(500).nullable(),
  /** The appointment booked on approval. */
  appointmentId: id.nullable(),
  /** Decided by `dueAt`. */
  withinSla: z.boolean(),
  decidedAt: isoUtc,
});

export const bookingApprovalExpiredV1 = z.object({
  approvalId: id,
  slotId: id,
  dueAt: isoUtc,
  expiredAt: isoUtc,
});

export const waitlistConstraintsSchema = z.object({
  /** Not before / not after these instants. */
  earliest: isoUtc.nullable(),
  latest: isoUtc.nullable(),
  /** Local weekdays the patient can come (empty: any). */
  weekdays: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])),
  /** Local time-of-day window of the appointment start (null: any). */
  timeOfDay: z.object({ start: clockTime, end: clockTime }).nullable(),
});

export const waitlistEntryAddedV1 = z.object({
  entryId: id,
  locationId: id,
  appointmentTypeId: slug,
  /** A specific provider, or any provider at the location. */
  providerId: slug.nullable(),
  newPatient: z.boolean(),
  patient: patientContactSchema,
  /** 1 urgent, 2 soon, 3 routine: higher priority is offered first, then the longest wait. */
  clinicalPriority: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  constraints: waitlistConstraintsSchema,
  taskId: id.nullable(),
  addedBy: id,
  addedAt: isoUtc,
});

export const waitlistEntryRemovedV1 = z.object({
  entryId: id,
  reason: z.enum(['booked', 'withdrawn']),
  appointmentId: id.nullable(),
  removedBy: id,
  removedAt: isoUtc,
});

export const waitlistOfferMadeV1 = z.object({
  offerId: id,
  slotId: id,
  locationId: id,
  providerId: slug,
  start: isoUtc,
  end: isoUtc,
  appointmentTypeId: slug,
  /** The batch, best ranked first. */
  entryIds: z.array(id).min(1),
  /** 1 for the first batch for this freed slot, then +1 per batch. */
  round: z.number().int().positive(),
  /** Entries offered this slot in earlier rounds (never offered it again). */
  previouslyOffered: z.array(id),
  /** The bookings cancellation that freed the slot. */
  freedBy: id,
  expiresAt: isoUtc,
  offeredAt: isoUtc,
});

export const waitlistOfferConfirmedV1 = z.object({
  offerId: id,
  slotId: id,
  entryId: id,
  appointmentId: id,
  /** How the patient answered: an SMS reply, or staff on the patient's behalf. */
  via: z.enum(['sms', 'staff']),
  confirmedAt: isoUtc,
});

export const waitlistOfferDeclinedV1 = z.object({
  offerId: id,
  entryId: id,
  via: z.enum(['sms', 'staff']),
  declinedAt: isoUtc,
});

export const waitlistOfferExpiredV1 = z.object({
  offerId: id,
  slotId: id,
  /** Why the batch ended without a booking. */
  reason: z.enum(['expired', 'all_declined', 'slot_taken']),
  expiredAt: isoUtc,
});

export const schedulingWorkflowEventSchemas = {
  BookingApprovalRequested: bookingApprovalRequestedV1,
  BookingApprovalDecided: bookingApprovalDecidedV1,
  BookingApprovalExpired: bookingApprovalExpiredV1,
  WaitlistEntryAdded: waitlistEntryAddedV1,
  WaitlistEntryRemoved: waitlistEntryRemovedV1,
  WaitlistOfferMade: waitlistOfferMadeV1,
  WaitlistOfferConfirmed: waitlistOfferConfirmedV1,
  WaitlistOfferDeclined: waitlistOfferDeclinedV1,
  WaitlistOfferExpired: waitlistOfferExpiredV1,
} as const;

export type SchedulingWorkflowEventType = keyof typeof schedulingWorkflowEventSchemas;
export type BookingApprovalRequestedV1 = z.infer<typeof bookingApprovalRequestedV1>;
export type BookingApprovalDecidedV1 = z.infer<typeof bookingApprovalDecidedV1>;
export type BookingApprovalExpiredV1 = z.infer<typeof bookingApprovalExpiredV1>;
export type WaitlistConstraints = z.infer<typeof waitlistConstraintsSchema>;
export type WaitlistEntryAddedV1 = z.infer<typeof waitlistEntryAddedV1>;
export type WaitlistEntryRemovedV1 = z.infer<typeof waitlistEntryRemovedV1>;
export type WaitlistOfferMadeV1 = z.infer<typeof waitlistOfferMadeV1>;
export type WaitlistOfferConfirmedV1 = z.infer<typeof waitlistOfferConfirmedV1>;
export type WaitlistOfferDeclinedV1 = z.infer<typeof waitlistOfferDeclinedV1>;
export type WaitlistOfferExpiredV1 = z.infer<typeof waitlistOfferExpiredV1>;

const categoryOf: Record<SchedulingWorkflowEventType, string> = {
  BookingApprovalRequested: BOOKING_APPROVAL_CATEGORY,
  BookingApprovalDecided: BOOKING_APPROVAL_CATEGORY,
  BookingApprovalExpired: BOOKING_APPROVAL_CATEGORY,
  WaitlistEntryAdded: WAITLIST_ENTRY_CATEGORY,
  WaitlistEntryRemoved: WAITLIST_ENTRY_CATEGORY,
  WaitlistOfferMade: WAITLIST_OFFER_CATEGORY,
  WaitlistOfferConfirmed: WAITLIST_OFFER_CATEGORY,
  WaitlistOfferDeclined: WAITLIST_OFFER_CATEGORY,
  WaitlistOfferExpired: WAITLIST_OFFER_CATEGORY,
};

const summaries: Record<SchedulingWorkflowEventType, string> = {
  BookingApprovalRequested:
    'A booking outside the requester’s own authority (or in a protected slot) waits for in-house approval; the slot is held until dueAt',
  BookingApprovalDecided: 'Someone with the authority approved (and so booked) or denied the request',
  BookingApprovalExpired: 'Nobody decided the request by its due time: the hold lapsed',
  WaitlistEntryAdded: 'A patient joined the waitlist for an appointment type at a location',
  WaitlistEntryRemoved: 'A patient left the waitlist (booked, or withdrawn)',
  WaitlistOfferMade: 'A freed slot was offered to a ranked batch of waiting patients, held until expiresAt',
  WaitlistOfferConfirmed:
    'The first patient of the batch to confirm got the slot (the others are told it is filled)',
  WaitlistOfferDeclined: 'A patient of the batch said no',
  WaitlistOfferExpired:
    'The batch ended without a booking (expired, all declined, or the slot was taken); the next batch follows',
};

const phi: Partial<Record<SchedulingWorkflowEventType, PhiSpec>> = {
  BookingApprovalRequested: patientContactPhi,
  BookingApprovalDecided: { fields: { note: 'content' } },
  WaitlistEntryAdded: patientContactPhi,
};

export const schedulingWorkflowEventDefinitions: EventDefinition[] = (
  Object.keys(schedulingWorkflowEventSchemas) as SchedulingWorkflowEventType[]
).map((type) => ({
  type,
  category: categoryOf[type],
  summary: summaries[type],
  producer: 'scheduling',
  ...(phi[type] ? { phi: phi[type] } : {}),
  versions: [{ version: 1, schema: schedulingWorkflowEventSchemas[type] }],
}));
