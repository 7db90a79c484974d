import { z } from 'zod';
import type { PhiSpec } from '../phi';
import type { EventDefinition } from '../registry';
import { WEEKDAYS } from './location.events';
import { e164Schema } from './task.events';

/**
 * Scheduling events, produced by the scheduling service. Three stream categories:
 * - `appointment_type-<appointmentTypeId>`: what can be booked (duration, new patients, service line);
 * - `provider-<providerId>`: a provider at a location with the weekly template that produces slots in
 *   the location's time zone;
 * - `slot-<slotId>`: one bookable slot and what happened to it (held, booked, cancelled, attended).
 *   The slot's stream is the unit of consistency: two bookings of one slot decide on the same
 *   revision and only one append is accepted. A slot stream exists only once someone touches the
 *   slot: free slots are computed from the templates, so a template never writes thousands of events.
 *
 * An appointment (`appointmentId`) is the patient's visit; it keeps its id when rescheduled to another
 * slot, while each booking of a slot has its own `bookingId`. Times are UTC ISO-8601 with `Z`.
 */

export const APPOINTMENT_TYPE_CATEGORY = 'appointment_type';
export const PROVIDER_CATEGORY = 'provider';
export const SLOT_CATEGORY = 'slot';
export const appointmentTypeStreamId = (id: string): string => `${APPOINTMENT_TYPE_CATEGORY}-${id}`;
export const providerStreamId = (id: string): string => `${PROVIDER_CATEGORY}-${id}`;
export const slotStreamId = (slotId: string): string => `${SLOT_CATEGORY}-${slotId}`;

const isoUtc = z.iso.datetime({ offset: false });
const id = z.string().min(1).max(200);
const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _');
const clockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM');

export const BOOKING_SOURCES = ['callback', 'direct', 'web', 'waitlist'] as const;
export const bookingSourceSchema = z.enum(BOOKING_SOURCES);
export const MESSAGE_CHANNELS = ['sms', 'voice', 'email'] as const;
export const messageChannelSchema = z.enum(MESSAGE_CHANNELS);
export const ATTENDANCE_OUTCOMES = ['arrived', 'no_show'] as const;
export const attendanceSchema = z.enum(ATTENDANCE_OUTCOMES);
export const CANCELLATION_CAUSES = ['staff', 'patient', 'rescheduled'] as const;
export const cancellationCauseSchema = z.enum(CANCELLATION_CAUSES);

export const appointmentTypeConfiguredV1 = z.object({
  appointmentTypeId: slug,
  name: z.string().min(1).max(200),
  durationMinutes: z.number().int().min(5).max(480),
  newPatientAllowed: z.boolean(),
  serviceLine: slug,
  /** 1 for the first configuration, then +1 per change. */
  version: z.number().int().positive(),
  configuredBy: id,
  configuredAt: isoUtc,
});

export const templateIntervalSchema = z.object({
  start: clockTime,
  end: clockTime,
  slotMinutes: z.number().int().min(5).max(480),
  appointmentTypeIds: z.array(slug).min(1),
  protected: z.boolean(),
});

export const weeklyTemplateSchema = z.object(
  Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(templateIntervalSchema)])) as Record<
    (typeof WEEKDAYS)[number],
    z.ZodArray<typeof templateIntervalSchema>
  >,
);

export const providerConfiguredV1 = z.object({
  providerId: slug,
  name: z.string().min(1).max(200),
  locationId: id,
  serviceLine: slug,
  /** Local times of the location; every weekday present (empty: no slots that day). */
  weekly: weeklyTemplateSchema,
  /** Changes with every template change: slots keep the template they were cut from. */
  templateId: id,
  version: z.number().int().positive(),
  configuredBy: id,
  configuredAt: isoUtc,
});

const slotFields = {
  slotId: id,
  providerId: slug,
  locationId: id,
  templateId: id,
  start: isoUtc,
  end: isoUtc,
  appointmentTypeIds: z.array(slug).min(1),
  protected: z.boolean(),
};

export const slotOpenedV1 = z.object({ ...slotFields, openedAt: isoUtc });

export const slotHeldV1 = z.object({
  slotId: id,
  holdId: id,
  purpose: z.enum(['waitlist_offer', 'approval']),
  until: isoUtc,
  heldAt: isoUtc,
});

export const slotHoldReleasedV1 = z.object({
  slotId: id,
  holdId: id,
  reason: z.enum(['released', 'expired']),
  releasedAt: isoUtc,
});

/**
 * How to reach the patient about the appointment. `phone` and `email` are PHI: never logged, shown
 * only to those who work the appointment.
 */
export const patientContactSchema = z.object({
  /** An opaque reference (MRN, or the caller line's id); never a name. */
  patientRef: id,
  phone: e164Schema.nullable(),
  email: z.email().max(254).nullable(),
  preferredChannel: messageChannelSchema,
  /** BCP 47 primary language tag, lower case (`en`, `es`). */
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/)
    .max(3),
  /** Local `HH:MM` window the patient prefers messages in; null: any time outside quiet hours. */
  bestTimeWindow: z.object({ start: clockTime, end: clockTime }).nullable(),
  /** No-shows on record before this booking: two or more make the appointment high risk. */
  priorNoShows: z.number().int().min(0).max(1000),
});

export const slotBookedV1 = z.object({
  slotId: id,
  start: isoUtc,
  end: isoUtc,
  providerId: slug,
  locationId: id,
  appointmentId: id,
  bookingId: id,
  appointmentTypeId: slug,
  newPatient: z.boolean(),
  patient: patientContactSchema,
  source: bookingSourceSchema,
  /** The callback task the booking came from (source `callback`). */
  taskId: id.nullable(),
  /** A booking under a hold (a waitlist confirmation, an approved request). */
  holdId: id.nullable(),
  /** Direct authority, or approved in house (the approval request and who approved it). */
  authority: z.object({
    kind: z.enum(['direct', 'approved']),
    approvalId: id.nullable(),
    approvedBy: id.nullable(),
  }),
  /** Set when the appointment moved here from another slot; that booking is then cancelled. */
  rescheduledFrom: z.object({ slotId: id, bookingId: id }).nullable(),
  bookedBy: id,
  bookedAt: isoUtc,
});

export const bookingCancelledV1 = z.object({
  slotId: id,
  appointmentId: id,
  bookingId: id,
  cause: cancellationCauseSchema,
  cancelledBy: id,
  reason: z.string().max(500).nullable(),
  /** Less than 24 hours before the start: a late cancellation (attendance KPI). */
  late: z.boolean(),
  /** The slot is still in the future, so it can be offered again (waitlist). */
  slotReusable: z.boolean(),
  cancelledAt: isoUtc,
});

export const attendanceRecordedV1 = z.object({
  slotId: id,
  appointmentId: id,
  bookingId: id,
  attendance: attendanceSchema,
  source: bookingSourceSchema,
  recordedBy: id,
  recordedAt: isoUtc,
});

export const schedulingEventSchemas = {
  AppointmentTypeConfigured: appointmentTypeConfiguredV1,
  ProviderConfigured: providerConfiguredV1,
  SlotOpened: slotOpenedV1,
  SlotHeld: slotHeldV1,
  SlotHoldReleased: slotHoldReleasedV1,
  SlotBooked: slotBookedV1,
  BookingCancelled: bookingCancelledV1,
  AttendanceRecorded: attendanceRecordedV1,
} as const;

export type SchedulingEventType = keyof typeof schedulingEventSchemas;
export type AppointmentTypeConfiguredV1 = z.infer<typeof appointmentTypeConfiguredV1>;
export type ProviderConfiguredV1 = z.infer<typeof providerConfiguredV1>;
export type SlotOpenedV1 = z.infer<typeof slotOpenedV1>;
export type SlotHeldV1 = z.infer<typeof slotHeldV1>;
export type SlotHoldReleasedV1 = z.infer<typeof slotHoldReleasedV1>;
export type SlotBookedV1 = z.infer<typeof slotBookedV1>;
export type BookingCancelledV1 = z.infer<typeof bookingCancelledV1>;
export type AttendanceRecordedV1 = z.infer<typeof attendanceRecordedV1>;
export type PatientContact = z.infer<typeof patientContactSchema>;

const categoryOf: Record<SchedulingEventType, string> = {
  AppointmentTypeConfigured: APPOINTMENT_TYPE_CATEGORY,
  ProviderConfigured: PROVIDER_CATEGORY,
  SlotOpened: SLOT_CATEGORY,
  SlotHeld: SLOT_CATEGORY,
  SlotHoldReleased: SLOT_CATEGORY,
  SlotBooked: SLOT_CATEGORY,
  BookingCancelled: SLOT_CATEGORY,
  AttendanceRecorded: SLOT_CATEGORY,
};

const summaries: Record<SchedulingEventType, string> = {
  AppointmentTypeConfigured:
    'An admin created or changed an appointment type: duration, whether new patients may book it, service line',
  ProviderConfigured:
    "An admin created or changed a provider at a location and the weekly template of the provider's slots",
  SlotOpened: 'A slot of a provider template was materialised (the first time anyone held or booked it)',
  SlotHeld: 'The slot was reserved until `until` for a waitlist offer or an approval in progress',
  SlotHoldReleased: 'A hold on the slot ended without a booking (released, or expired)',
  SlotBooked:
    'An appointment was booked into the slot (source callback, direct, web or waitlist; never two at once)',
  BookingCancelled:
    'A booking was cancelled (by staff, by the patient, or because the appointment moved); the slot is free again',
  AttendanceRecorded: 'The patient arrived, or did not show, for the booked appointment',
};

/** The patient's contact details; the subject is the patient (number, else email, else reference). */
export const patientContactPhi: PhiSpec = {
  subject: ['patient.phone', 'patient.email', 'patient.patientRef'],
  fields: { 'patient.phone': 'contact', 'patient.email': 'contact' },
};

export const schedulingEventDefinitions: EventDefinition[] = (
  Object.keys(schedulingEventSchemas) as SchedulingEventType[]
).map((type) => ({
  type,
  category: categoryOf[type],
  summary: summaries[type],
  producer: 'scheduling',
  ...(type === 'SlotBooked'
    ? { phi: patientContactPhi }
    : type === 'BookingCancelled'
      ? { phi: { fields: { reason: 'content' } } satisfies PhiSpec }
      : {}),
  versions: [{ version: 1, schema: schedulingEventSchemas[type] }],
}));
