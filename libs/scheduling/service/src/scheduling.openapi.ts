import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import { z } from 'zod';
import {
  fhirAppointmentQuerySchema,
  fhirIdParamsSchema,
  fhirSlotQuerySchema,
} from './fhir/fhir.http.controller';
import { FHIR_JSON } from './fhir/fhir.mapping';
import {
  appointmentListQuerySchema,
  appointmentListSchema,
  appointmentParamsSchema,
  appointmentTypeBodySchema,
  appointmentTypeListSchema,
  appointmentTypeParamsSchema,
  appointmentViewSchema,
  attendanceBodySchema,
  bookBodySchema,
  cancelBodySchema,
  configuredSchema,
  providerBodySchema,
  providerListQuerySchema,
  providerListSchema,
  providerParamsSchema,
  providerViewSchema,
  rescheduleBodySchema,
  slotListQueryDocSchema,
  slotListSchema,
  approvalListQuerySchema,
  approvalListSchema,
  approvalParamsSchema,
  approvalViewSchema,
  decideBodySchema,
  offerAnswerBodySchema,
  offerListQuerySchema,
  offerListSchema,
  offerParamsSchema,
  offerViewSchema,
  waitlistBodySchema,
  waitlistEntryParamsSchema,
  waitlistEntryViewSchema,
  waitlistListQuerySchema,
  waitlistListSchema,
} from './scheduling.views';

const fhirResource = z.record(z.string(), z.unknown());

/** Describes the scheduling endpoints in the process's OpenAPI document. */
@Injectable()
export class SchedulingOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const admin = ['scheduling admin'];
    const tags = ['scheduling'];
    const fhir = ['FHIR R4'];
    const approvals = ['booking approvals'];
    const waitlist = ['waitlist'];
    const writeErrors = {
      404: {
        description: '`appointment_not_found` / `slot_not_found` (also outside the caller’s scope)',
        schema: 'error' as const,
      },
      409: {
        description:
          '`slot_already_booked`, `slot_already_held`, `appointment_not_booked`, `task_already_closed`',
        schema: 'error' as const,
      },
      422: {
        description:
          'A business rule said no (`slot_in_past`, `appointment_type_not_offered`, `new_patients_not_allowed`, `hold_expired`, `slot_started`, `appointment_attended`, `too_early`, `unknown_task`, `unknown_appointment_type`)',
        schema: 'error' as const,
      },
    };
    this.openApi.register(
      {
        method: 'put',
        path: '/api/v1/admin/appointment-types/{appointmentTypeId}',
        summary: 'Create or replace an appointment type',
        description:
          'Admins. Duration, whether new patients may book it, service line. The same body again is a no-op answering the same version.',
        tags: admin,
        security: 'bearer',
        roles: ['admin'],
        params: appointmentTypeParamsSchema,
        body: appointmentTypeBodySchema,
        responses: { 200: { description: 'The version now current', schema: configuredSchema } },
      },
      {
        method: 'put',
        path: '/api/v1/admin/providers/{providerId}',
        summary: 'Create or replace a provider and their weekly template',
        description:
          'Admins. The template gives, per weekday, intervals in the location’s local time cut into slots of `slotMinutes` ' +
          '(DST-safe: slots are cut in real time), the appointment types each offers, and whether they are protected. ' +
          'A missing weekday has no slots; the location’s holidays have none. Unknown location: 404 `location_not_found`; ' +
          'overlapping intervals or unknown appointment types: 422 `invalid_template` with details. Each change is a new template ' +
          'version; booked slots of an earlier version stay booked.',
        tags: admin,
        security: 'bearer',
        roles: ['admin'],
        params: providerParamsSchema,
        body: providerBodySchema,
        responses: {
          200: { description: 'The version now current', schema: configuredSchema },
          404: { description: '`location_not_found`', schema: 'error' },
          422: { description: '`invalid_template`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/appointment-types',
        summary: 'Appointment types',
        tags,
        security: 'bearer',
        responses: { 200: { description: 'Every appointment type', schema: appointmentTypeListSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/providers',
        summary: 'Providers in the caller’s scope',
        tags,
        security: 'bearer',
        query: providerListQuerySchema,
        responses: { 200: { description: 'Providers', schema: providerListSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/providers/{providerId}',
        summary: 'One provider and their template',
        tags,
        security: 'bearer',
        params: providerParamsSchema,
        responses: {
          200: { description: 'The provider', schema: providerViewSchema },
          404: { description: '`provider_not_found`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/slots',
        summary: 'Slots of a provider or a location in a time range',
        description:
          '`providerId` or `locationId`, and `from`/`to` (ISO-8601, at most 31 days). `status=free` (default): bookable now ' +
          '(free, not started, no live hold); `all`: held and booked slots too. Optional `appointmentTypeId`. Scope as for tasks.',
        tags,
        security: 'bearer',
        query: slotListQueryDocSchema,
        responses: {
          200: { description: 'Slots in time order', schema: slotListSchema },
          404: { description: '`provider_not_found`', schema: 'error' },
        },
      },
      {
        method: 'post',
        path: '/api/v1/appointments',
        summary: 'Book an appointment into a slot',
        description:
          'Within the caller’s scope (slot’s location; otherwise 403) and scheduling authority: a coordinator books directly ' +
          'the appointment types of their own authority in unprotected slots; anything else answers 403 `approval_required` ' +
          '(or `not_authorized_to_book`). With `taskId` the source is `callback` and the callback task is resolved as booked. ' +
          'Two bookings of one slot at the same moment: exactly one wins, the other answers 409 `slot_already_booked`. ' +
          'The answer includes the patient’s contact details (no-store).',
        tags,
        security: 'bearer',
        body: bookBodySchema,
        responses: { 201: { description: 'The appointment', schema: appointmentViewSchema }, ...writeErrors },
      },
      {
        method: 'get',
        path: '/api/v1/appointments',
        summary: 'Appointments in the caller’s scope',
        description:
          'Equality filters `locationId`, `providerId`, `taskId`, `status`; `from`/`to` on the start. No contact details.',
        tags,
        security: 'bearer',
        query: appointmentListQuerySchema,
        responses: { 200: { description: 'Appointments by start', schema: appointmentListSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/appointments/{appointmentId}',
        summary: 'One appointment, with the patient’s contact details',
        tags,
        security: 'bearer',
        params: appointmentParamsSchema,
        responses: {
          200: { description: 'The appointment', schema: appointmentViewSchema },
          404: { description: '`appointment_not_found`', schema: 'error' },
        },
      },
      {
        method: 'post',
        path: '/api/v1/appointments/{appointmentId}/cancel',
        summary: 'Cancel an appointment (the slot is free again)',
        description:
          'Less than 24 h before the start it counts as a late cancellation. After the start: 422 `slot_started`.',
        tags,
        security: 'bearer',
        params: appointmentParamsSchema,
        body: cancelBodySchema,
        responses: { 200: { description: 'The appointment', schema: appointmentViewSchema }, ...writeErrors },
      },
      {
        method: 'post',
        path: '/api/v1/appointments/{appointmentId}/reschedule',
        summary: 'Move an appointment to another slot',
        description:
          'Books the new slot (same authority rules), then releases the old one. The appointment keeps its id.',
        tags,
        security: 'bearer',
        params: appointmentParamsSchema,
        body: rescheduleBodySchema,
        responses: {
          200: { description: 'The appointment at its new slot', schema: appointmentViewSchema },
          ...writeErrors,
        },
      },
      {
        method: 'post',
        path: '/api/v1/appointments/{appointmentId}/attendance',
        summary: 'Record arrival or no-show',
        description:
          '`arrived` from an hour before the start, `no_show` from the start; a later call corrects an earlier one.',
        tags,
        security: 'bearer',
        params: appointmentParamsSchema,
        body: attendanceBodySchema,
        responses: { 200: { description: 'The appointment', schema: appointmentViewSchema }, ...writeErrors },
      },
      {
        method: 'get',
        path: '/api/v1/fhir/Slot',
        summary: 'FHIR R4 Slot search (Bundle searchset)',
        description:
          '`schedule=Schedule/<providerId>` or `location=Location/<locationId>`; `start=ge…`/`start=lt…` (default: the next 7 days; ' +
          'at most 31), `status` (free, busy, busy-tentative), `service-type` (an appointment type). Resource ids are ' +
          '`<providerId>.<epoch ms>`; the Ringback slot id is the identifier (`urn:ringback:slot`).',
        tags: fhir,
        security: 'bearer',
        query: fhirSlotQuerySchema,
        responses: { 200: { description: 'Bundle of Slot', schema: fhirResource, contentType: FHIR_JSON } },
      },
      {
        method: 'get',
        path: '/api/v1/fhir/Slot/{id}',
        summary: 'FHIR R4 Slot read',
        tags: fhir,
        security: 'bearer',
        params: fhirIdParamsSchema,
        responses: {
          200: { description: 'Slot', schema: fhirResource, contentType: FHIR_JSON },
          404: { description: '`slot_not_found`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/fhir/Appointment',
        summary: 'FHIR R4 Appointment search (Bundle searchset)',
        description:
          '`location`, `practitioner`, `date=ge…`/`date=lt…`, `status` (booked, cancelled, arrived, noshow). The booking source ' +
          'and the callback task are extensions.',
        tags: fhir,
        security: 'bearer',
        query: fhirAppointmentQuerySchema,
        responses: {
          200: { description: 'Bundle of Appointment', schema: fhirResource, contentType: FHIR_JSON },
        },
      },
      {
        method: 'get',
        path: '/api/v1/fhir/Appointment/{id}',
        summary: 'FHIR R4 Appointment read',
        tags: fhir,
        security: 'bearer',
        params: fhirIdParamsSchema,
        responses: {
          200: { description: 'Appointment', schema: fhirResource, contentType: FHIR_JSON },
          404: { description: '`appointment_not_found`', schema: 'error' },
        },
      },
      {
        method: 'post',
        path: '/api/v1/booking-approvals',
        summary: 'Ask for in-house approval of a booking outside one’s own authority',
        description:
          'Same body as a booking. Holds the slot for the request until its due time (`BOOKING_APPROVAL_MINUTES`, never past ' +
          'the start). 422 `approval_not_needed` when the caller may book directly; 403 `not_authorized_to_book` when nobody ' +
          'of the caller’s role may; 409 `slot_already_booked` / `slot_already_held`.',
        tags: approvals,
        security: 'bearer',
        body: bookBodySchema,
        responses: {
          201: { description: 'The pending request', schema: approvalViewSchema },
          ...writeErrors,
        },
      },
      {
        method: 'get',
        path: '/api/v1/booking-approvals',
        summary: 'Approval requests in the caller’s scope, earliest due first',
        tags: approvals,
        security: 'bearer',
        query: approvalListQuerySchema,
        responses: { 200: { description: 'Requests', schema: approvalListSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/booking-approvals/{approvalId}',
        summary: 'One approval request',
        tags: approvals,
        security: 'bearer',
        params: approvalParamsSchema,
        responses: {
          200: { description: 'The request', schema: approvalViewSchema },
          404: { description: '`approval_not_found`', schema: 'error' },
        },
      },
      {
        method: 'post',
        path: '/api/v1/booking-approvals/{approvalId}/approve',
        summary: 'Approve: book the held slot for the requester’s patient',
        description:
          'Someone in scope with direct authority for the type (403 `not_authorized_to_approve`), not the requester (422 ' +
          '`self_approval`), before the due time (409 `approval_expired`); a decided request: 409 `approval_already_decided`.',
        tags: approvals,
        security: 'bearer',
        params: approvalParamsSchema,
        body: decideBodySchema,
        responses: {
          200: { description: 'The request, approved, with the appointment', schema: approvalViewSchema },
          ...writeErrors,
        },
      },
      {
        method: 'post',
        path: '/api/v1/booking-approvals/{approvalId}/deny',
        summary: 'Deny: the slot is free again',
        tags: approvals,
        security: 'bearer',
        params: approvalParamsSchema,
        body: decideBodySchema,
        responses: {
          200: { description: 'The request, denied', schema: approvalViewSchema },
          ...writeErrors,
        },
      },
      {
        method: 'post',
        path: '/api/v1/waitlist',
        summary: 'Put a patient on the waitlist',
        description:
          'For an appointment type at a location (optionally one provider), with clinical priority (1 urgent .. 3 routine) and ' +
          'constraints (earliest, latest, weekdays, local time of day). A cancelled future slot is offered to the best-ranked ' +
          'matching patients (priority, then the longest wait) in batches of `WAITLIST_BATCH_SIZE`.',
        tags: waitlist,
        security: 'bearer',
        body: waitlistBodySchema,
        responses: { 201: { description: 'The entry', schema: waitlistEntryViewSchema }, ...writeErrors },
      },
      {
        method: 'get',
        path: '/api/v1/waitlist',
        summary: 'Waitlist entries in the caller’s scope, by priority then wait',
        tags: waitlist,
        security: 'bearer',
        query: waitlistListQuerySchema,
        responses: { 200: { description: 'Entries', schema: waitlistListSchema } },
      },
      {
        method: 'post',
        path: '/api/v1/waitlist/{entryId}/withdraw',
        summary: 'Take a patient off the waitlist',
        tags: waitlist,
        security: 'bearer',
        params: waitlistEntryParamsSchema,
        responses: {
          200: { description: 'The entry', schema: waitlistEntryViewSchema },
          404: { description: '`waitlist_entry_not_found`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/waitlist/offers',
        summary: 'Offers of freed slots to the waitlist',
        tags: waitlist,
        security: 'bearer',
        query: offerListQuerySchema,
        responses: { 200: { description: 'Offers, soonest expiry first', schema: offerListSchema } },
      },
      {
        method: 'post',
        path: '/api/v1/waitlist/offers/{offerId}/confirm',
        summary: 'A patient of the batch takes the slot (staff answering for the patient)',
        description:
          'Books the slot under the offer’s hold: the first confirmation wins, a later one answers 409 `offer_already_filled`; ' +
          'after the expiry 409 `offer_closed`; someone not in the batch 422 `not_offered`.',
        tags: waitlist,
        security: 'bearer',
        params: offerParamsSchema,
        body: offerAnswerBodySchema,
        responses: { 200: { description: 'The offer, confirmed', schema: offerViewSchema }, ...writeErrors },
      },
      {
        method: 'post',
        path: '/api/v1/waitlist/offers/{offerId}/decline',
        summary: 'A patient of the batch says no (when everyone has, the next batch is asked)',
        tags: waitlist,
        security: 'bearer',
        params: offerParamsSchema,
        body: offerAnswerBodySchema,
        responses: { 200: { description: 'The offer', schema: offerViewSchema }, ...writeErrors },
      },
    );
  }
}
