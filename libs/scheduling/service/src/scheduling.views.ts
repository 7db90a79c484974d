import {
  BOOKING_SOURCES,
  MESSAGE_CHANNELS,
  WEEKDAYS,
  attendanceSchema,
  cancellationCauseSchema,
  type PatientContact,
} from '@ringback/contracts';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import type { SlotAvailability } from './catalog/scheduling-catalog';
import type {
  AppointmentTypeDoc,
  ProviderDoc,
  SchedulingLocationDoc,
} from './catalog/scheduling-catalog.projection';
import { APPOINTMENT_STATUSES, type AppointmentDoc } from './slots/slots.projection';
import { APPROVAL_STATES, type ApprovalDoc } from './approvals/booking-approvals.projection';
import type { WaitlistEntryDoc, WaitlistOfferDoc } from './waitlist/waitlist.projection';

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _');
const locationId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/);
const clockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM');
const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString());
const slotIdSchema = z
  .string()
  .min(3)
  .max(120)
  .regex(
    /^[a-z0-9][a-z0-9_-]*\.\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    '<providerId>.<start UTC ISO-8601>',
  );
const HIGH_RISK_NO_SHOWS = 2;

// ---- catalogue -----------------------------------------------------------------------------

export const appointmentTypeParamsSchema = z.object({ appointmentTypeId: slug });
export const appointmentTypeBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  durationMinutes: z.number().int().min(5).max(480),
  newPatientAllowed: z.boolean(),
  serviceLine: slug,
});
export const appointmentTypeViewSchema = z.object({
  appointmentTypeId: z.string(),
  name: z.string(),
  durationMinutes: z.number().int(),
  newPatientAllowed: z.boolean(),
  serviceLine: z.string(),
  version: z.number().int(),
});
export const appointmentTypeListSchema = z.object({ items: z.array(appointmentTypeViewSchema) });
export const configuredSchema = z.object({ id: z.string(), version: z.number().int() });

const intervalInput = z.strictObject({
  start: clockTime,
  end: clockTime,
  slotMinutes: z.number().int().min(5).max(480),
  appointmentTypeIds: z.array(slug).min(1).max(50),
  protected: z.boolean().default(false),
});
export const providerParamsSchema = z.object({ providerId: slug });
export const providerBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  locationId,
  serviceLine: slug,
  /** A missing weekday has no slots. */
  weekly: z.strictObject(
    Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(intervalInput).max(24).optional()])) as Record<
      (typeof WEEKDAYS)[number],
      z.ZodOptional<z.ZodArray<typeof intervalInput>>
    >,
  ),
});
export type ProviderBody = z.output<typeof providerBodySchema>;
export const providerViewSchema = z.object({
  providerId: z.string(),
  name: z.string(),
  locationId: z.string(),
  serviceLine: z.string(),
  weekly: z.record(
    z.string(),
    z.array(
      z.object({
        start: z.string(),
        end: z.string(),
        slotMinutes: z.number().int(),
        appointmentTypeIds: z.array(z.string()),
        protected: z.boolean(),
      }),
    ),
  ),
  templateId: z.string(),
  version: z.number().int(),
});
export const providerListSchema = z.object({ items: z.array(providerViewSchema) });
export const providerListQuerySchema = z.strictObject({ locationId: locationId.optional() });

export const appointmentTypeView = (d: AppointmentTypeDoc): z.output<typeof appointmentTypeViewSchema> => ({
  appointmentTypeId: d.appointmentTypeId,
  name: d.name,
  durationMinutes: d.durationMinutes,
  newPatientAllowed: d.newPatientAllowed,
  serviceLine: d.serviceLine,
  version: d.version,
});
export const providerView = (d: ProviderDoc): z.output<typeof providerViewSchema> => ({
  providerId: d.providerId,
  name: d.name,
  locationId: d.locationId,
  serviceLine: d.serviceLine,
  weekly: d.weekly,
  templateId: d.templateId,
  version: d.version,
});

// ---- slots ---------------------------------------------------------------------------------

const MAX_RANGE_MS = 31 * 24 * 60 * 60_000;
export const slotListQuerySchema = z
  .strictObject({
    providerId: slug.optional(),
    locationId: locationId.optional(),
    appointmentTypeId: slug.optional(),
    from: instant,
    to: instant,
    status: z.enum(['free', 'all']).default('free'),
  })
  .refine((q) => q.providerId || q.locationId, {
    message: 'providerId or locationId is required',
    path: ['providerId'],
  })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'to is after from', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_RANGE_MS, {
    message: 'at most 31 days',
    path: ['to'],
  });
export type SlotListQuery = z.output<typeof slotListQuerySchema>;
/** The route's documented query (the refinements above are checked at runtime). */
export const slotListQueryDocSchema = z.object({
  providerId: slug.optional(),
  locationId: locationId.optional(),
  appointmentTypeId: slug.optional(),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  status: z.enum(['free', 'all']).optional(),
});

export const slotViewSchema = z.object({
  slotId: z.string(),
  providerId: z.string(),
  locationId: z.string(),
  start: z.string(),
  end: z.string(),
  appointmentTypeIds: z.array(z.string()),
  protected: z.boolean(),
  status: z.enum(['free', 'held', 'booked']),
  heldUntil: z.string().nullable(),
  appointmentId: z.string().nullable(),
});
export type SlotView = z.output<typeof slotViewSchema>;
export const slotListSchema = z.object({ items: z.array(slotViewSchema) });

/** A slot's status at `nowMs`: a hold past its end counts as free. */
export function slotView(a: SlotAvailability, nowMs: number): SlotView {
  const state = a.doc?.state;
  const heldLive = state?.status === 'held' && Date.parse(state.hold.until) > nowMs;
  const status = state?.status === 'booked' ? 'booked' : heldLive ? 'held' : 'free';
  return {
    slotId: a.spec.slotId,
    providerId: a.spec.providerId,
    locationId: a.spec.locationId,
    start: a.spec.start,
    end: a.spec.end,
    appointmentTypeIds: a.spec.appointmentTypeIds,
    protected: a.spec.protected,
    status,
    heldUntil: heldLive && state?.status === 'held' ? state.hold.until : null,
    appointmentId: state?.status === 'booked' ? state.booking.appointmentId : null,
  };
}

// ---- appointments --------------------------------------------------------------------------

const phone = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const parsed = parsePhoneNumberFromString(v);
    if (parsed?.isPossible()) return parsed.number as string;
    ctx.addIssue({ code: 'custom', message: 'a phone number in international format (+<country code>...)' });
    return z.NEVER;
  });

export const patientInputSchema = z
  .strictObject({
    patientRef: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._:-]+$/, 'an opaque reference (MRN): letters, digits, . _ : -'),
    phone: phone.nullable().default(null),
    email: z.email().max(254).nullable().default(null),
    preferredChannel: z.enum(MESSAGE_CHANNELS).default('sms'),
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag')
      .transform((v) => v.slice(0, v.indexOf('-') < 0 ? v.length : v.indexOf('-')).toLowerCase())
      .default('en'),
    bestTimeWindow: z.strictObject({ start: clockTime, end: clockTime }).nullable().default(null),
    /** No-shows the EHR knows of; Ringback adds those it recorded for the same patient. */
    priorNoShows: z.number().int().min(0).max(1000).optional(),
  })
  .refine((p) => (p.preferredChannel === 'email' ? p.email !== null : p.phone !== null), {
    message: 'the preferred channel needs its contact (phone for sms and voice, email for email)',
    path: ['preferredChannel'],
  });

export const bookBodySchema = z
  .strictObject({
    slotId: slotIdSchema,
    appointmentTypeId: slug,
    newPatient: z.boolean().default(false),
    patient: patientInputSchema,
    /** Default `callback` with a taskId, else `direct`. */
    source: z
      .enum(BOOKING_SOURCES.filter((s) => s !== 'waitlist') as ['callback', 'direct', 'web'])
      .optional(),
    taskId: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._-]+$/)
      .optional(),
  })
  .refine((b) => b.source !== 'callback' || b.taskId, {
    message: 'a callback booking names its task',
    path: ['taskId'],
  });
export type BookBody = z.output<typeof bookBodySchema>;

export const appointmentParamsSchema = z.object({
  appointmentId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export const cancelBodySchema = z.preprocess(
  (v) => v ?? {},
  z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }),
);
export const rescheduleBodySchema = z.strictObject({ slotId: slotIdSchema });
export const attendanceBodySchema = z.strictObject({ attendance: attendanceSchema });
export const appointmentListQuerySchema = z.strictObject({
  locationId: locationId.optional(),
  providerId: slug.optional(),
  taskId: z.string().min(1).max(200).optional(),
  status: z.enum(APPOINTMENT_STATUSES).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

const patientViewSchema = z.object({
  patientRef: z.string(),
  preferredChannel: z.enum(MESSAGE_CHANNELS),
  language: z.string(),
  bestTimeWindow: z.object({ start: z.string(), end: z.string() }).nullable(),
  priorNoShows: z.number().int(),
  /** Two or more prior no-shows: reminders become coordinator outreach. */
  highNoShowRisk: z.boolean(),
  /** Contact details (PHI): only on the single-appointment read and on write answers. */
  phone: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
});

export const appointmentViewSchema = z.object({
  appointmentId: z.string(),
  bookingId: z.string(),
  status: z.enum(APPOINTMENT_STATUSES),
  slotId: z.string(),
  providerId: z.string(),
  locationId: z.string(),
  regionId: z.string(),
  podId: z.string(),
  start: z.string(),
  end: z.string(),
  appointmentTypeId: z.string(),
  newPatient: z.boolean(),
  source: z.enum(BOOKING_SOURCES),
  taskId: z.string().nullable(),
  bookedBy: z.string(),
  bookedAt: z.string(),
  cancelledAt: z.string().nullable(),
  cancellation: z
    .object({ cause: cancellationCauseSchema, reason: z.string().nullable(), late: z.boolean() })
    .nullable(),
  previousBookings: z.array(z.object({ bookingId: z.string(), slotId: z.string(), start: z.string() })),
  patient: patientViewSchema,
});
export type AppointmentView = z.output<typeof appointmentViewSchema>;
export const appointmentListSchema = z.object({ items: z.array(appointmentViewSchema) });

export function appointmentView(
  d: AppointmentDoc,
  location: Pick<SchedulingLocationDoc, 'regionId' | 'podId'>,
  withContact: boolean,
): AppointmentView {
  return {
    appointmentId: d.appointmentId,
    bookingId: d.bookingId,
    status: d.status,
    slotId: d.slotId,
    providerId: d.providerId,
    locationId: d.locationId,
    regionId: location.regionId,
    podId: location.podId,
    start: d.start,
    end: d.end,
    appointmentTypeId: d.appointmentTypeId,
    newPatient: d.newPatient,
    source: d.source,
    taskId: d.taskId,
    bookedBy: d.bookedBy,
    bookedAt: d.bookedAt,
    cancelledAt: d.cancelledAt,
    cancellation: d.cancellation,
    previousBookings: d.previousBookings,
    patient: {
      patientRef: d.patient.patientRef,
      preferredChannel: d.patient.preferredChannel,
      language: d.patient.language,
      bestTimeWindow: d.patient.bestTimeWindow,
      priorNoShows: d.patient.priorNoShows,
      highNoShowRisk: d.patient.priorNoShows >= HIGH_RISK_NO_SHOWS,
      ...(withContact ? { phone: d.patient.phone, email: d.patient.email } : {}),
    },
  };
}

// ---- approvals -----------------------------------------------------------------------------

export const approvalParamsSchema = z.object({
  approvalId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export const decideBodySchema = z.preprocess(
  (v) => v ?? {},
  z.strictObject({ note: z.string().trim().min(1).max(500).optional() }),
);
export const approvalListQuerySchema = z.strictObject({
  state: z.enum(APPROVAL_STATES).optional(),
  locationId: locationId.optional(),
});
const patientSummarySchema = patientViewSchema.omit({ phone: true, email: true });
export const approvalViewSchema = z.object({
  approvalId: z.string(),
  state: z.enum(APPROVAL_STATES),
  slotId: z.string(),
  locationId: z.string(),
  appointmentTypeId: z.string(),
  newPatient: z.boolean(),
  source: z.enum(BOOKING_SOURCES),
  taskId: z.string().nullable(),
  reason: z.enum(['outside_own_authority', 'protected_slot']),
  requestedBy: z.string(),
  requestedAt: z.string(),
  /** The approval's own SLA. */
  dueAt: z.string(),
  decision: z
    .object({
      decision: z.enum(['approved', 'denied']),
      decidedBy: z.string(),
      note: z.string().nullable(),
      appointmentId: z.string().nullable(),
      withinSla: z.boolean(),
      decidedAt: z.string(),
    })
    .nullable(),
  expiredAt: z.string().nullable(),
  patient: patientSummarySchema,
});
export type ApprovalView = z.output<typeof approvalViewSchema>;
export const approvalListSchema = z.object({ items: z.array(approvalViewSchema) });

const patientSummary = (p: PatientContact): z.output<typeof patientSummarySchema> => ({
  patientRef: p.patientRef,
  preferredChannel: p.preferredChannel,
  language: p.language,
  bestTimeWindow: p.bestTimeWindow,
  priorNoShows: p.priorNoShows,
  highNoShowRisk: p.priorNoShows >= HIGH_RISK_NO_SHOWS,
});

export function approvalView(d: ApprovalDoc): ApprovalView {
  const r = d.request;
  return {
    approvalId: d.approvalId,
    state: d.state,
    slotId: r.slotId,
    locationId: r.locationId,
    appointmentTypeId: r.appointmentTypeId,
    newPatient: r.newPatient,
    source: r.source,
    taskId: r.taskId,
    reason: r.reason,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt,
    dueAt: r.dueAt,
    decision: d.decision
      ? {
          decision: d.decision.decision,
          decidedBy: d.decision.decidedBy,
          note: d.decision.note,
          appointmentId: d.decision.appointmentId,
          withinSla: d.decision.withinSla,
          decidedAt: d.decision.decidedAt,
        }
      : null,
    expiredAt: d.expiredAt,
    patient: patientSummary(r.patient),
  };
}

// ---- waitlist ------------------------------------------------------------------------------

const weekday = z.enum(WEEKDAYS);
export const waitlistBodySchema = z.strictObject({
  locationId,
  appointmentTypeId: slug,
  providerId: slug.optional(),
  newPatient: z.boolean().default(false),
  patient: patientInputSchema,
  /** 1 urgent, 2 soon, 3 routine (default). */
  clinicalPriority: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(3),
  constraints: z
    .strictObject({
      earliest: instant.optional(),
      latest: instant.optional(),
      weekdays: z.array(weekday).max(7).optional(),
      timeOfDay: z.strictObject({ start: clockTime, end: clockTime }).optional(),
    })
    .default({}),
  taskId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/)
    .optional(),
});
export const waitlistEntryParamsSchema = z.object({
  entryId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export const waitlistListQuerySchema = z.strictObject({
  locationId: locationId.optional(),
  state: z.enum(['waiting', 'removed']).optional(),
});
export const waitlistEntryViewSchema = z.object({
  entryId: z.string(),
  state: z.enum(['waiting', 'removed']),
  locationId: z.string(),
  appointmentTypeId: z.string(),
  providerId: z.string().nullable(),
  newPatient: z.boolean(),
  clinicalPriority: z.number().int(),
  constraints: z.object({
    earliest: z.string().nullable(),
    latest: z.string().nullable(),
    weekdays: z.array(z.string()),
    timeOfDay: z.object({ start: z.string(), end: z.string() }).nullable(),
  }),
  taskId: z.string().nullable(),
  addedBy: z.string(),
  addedAt: z.string(),
  openOfferId: z.string().nullable(),
  removal: z
    .object({
      reason: z.enum(['booked', 'withdrawn']),
      appointmentId: z.string().nullable(),
      removedAt: z.string(),
    })
    .nullable(),
  patient: patientSummarySchema,
});
export const waitlistListSchema = z.object({ items: z.array(waitlistEntryViewSchema) });

export function waitlistEntryView(d: WaitlistEntryDoc): z.output<typeof waitlistEntryViewSchema> {
  const e = d.entry;
  return {
    entryId: d.entryId,
    state: d.state,
    locationId: d.locationId,
    appointmentTypeId: e.appointmentTypeId,
    providerId: e.providerId,
    newPatient: e.newPatient,
    clinicalPriority: e.clinicalPriority,
    constraints: e.constraints,
    taskId: e.taskId,
    addedBy: e.addedBy,
    addedAt: e.addedAt,
    openOfferId: d.openOfferId,
    removal: d.removal
      ? { reason: d.removal.reason, appointmentId: d.removal.appointmentId, removedAt: d.removal.removedAt }
      : null,
    patient: patientSummary(e.patient),
  };
}

export const offerParamsSchema = z.object({
  offerId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export const offerAnswerBodySchema = z.strictObject({
  entryId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export const offerListQuerySchema = z.strictObject({
  state: z.enum(['open', 'confirmed', 'ended']).optional(),
  locationId: locationId.optional(),
});
export const offerViewSchema = z.object({
  offerId: z.string(),
  state: z.enum(['open', 'confirmed', 'ended']),
  slotId: z.string(),
  locationId: z.string(),
  providerId: z.string(),
  start: z.string(),
  end: z.string(),
  appointmentTypeId: z.string(),
  entryIds: z.array(z.string()),
  round: z.number().int(),
  offeredAt: z.string(),
  expiresAt: z.string(),
  declined: z.array(z.string()),
  confirmedEntryId: z.string().nullable(),
  endReason: z.enum(['expired', 'all_declined', 'slot_taken']).nullable(),
});
export const offerListSchema = z.object({ items: z.array(offerViewSchema) });

export const offerView = (d: WaitlistOfferDoc): z.output<typeof offerViewSchema> => ({
  offerId: d.offerId,
  state: d.state,
  slotId: d.slotId,
  locationId: d.locationId,
  providerId: d.offer.providerId,
  start: d.offer.start,
  end: d.offer.end,
  appointmentTypeId: d.offer.appointmentTypeId,
  entryIds: d.offer.entryIds,
  round: d.offer.round,
  offeredAt: d.offer.offeredAt,
  expiresAt: d.offer.expiresAt,
  declined: d.declined,
  confirmedEntryId: d.confirmedEntryId,
  endReason: d.endReason,
});
