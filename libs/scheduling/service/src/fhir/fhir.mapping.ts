import type { AppointmentDoc } from '../slots/slots.projection';
import type { SlotView } from '../scheduling.views';

/**
 * FHIR R4 representations of slots and appointments, for EHR integrations. Ringback's own ids appear
 * as identifiers; FHIR resource ids are derived to fit the FHIR id rule (`[A-Za-z0-9\-\.]{1,64}`).
 */

export const FHIR_JSON = 'application/fhir+json';
export const SYSTEM = {
  slot: 'urn:ringback:slot',
  appointment: 'urn:ringback:appointment',
  appointmentType: 'urn:ringback:appointment-type',
  patientRef: 'urn:ringback:patient-ref',
  callbackTask: 'urn:ringback:callback-task',
} as const;
export const BOOKING_SOURCE_EXTENSION = 'https://ringback.dev/fhir/StructureDefinition/booking-source';
export const CALLBACK_TASK_EXTENSION = 'https://ringback.dev/fhir/StructureDefinition/callback-task';

type Json = Record<string, unknown>;

/** `dr-lee.2026-12-02T15:00:00.000Z` -> `dr-lee.1764687600000` (a valid FHIR id). */
export function fhirSlotId(slotId: string): string {
  const dot = slotId.indexOf('.');
  return `${slotId.slice(0, dot)}.${Date.parse(slotId.slice(dot + 1))}`;
}

/** The inverse of {@link fhirSlotId}; null when `id` is not of that shape. */
export function slotIdOfFhir(id: string): string | null {
  const m = /^([a-z0-9][a-z0-9_-]*)\.(\d{1,15})$/.exec(id);
  if (!m) return null;
  const ms = Number(m[2]);
  return Number.isSafeInteger(ms) ? `${m[1]}.${new Date(ms).toISOString()}` : null;
}

const codeable = (code: string): Json => ({ coding: [{ system: SYSTEM.appointmentType, code }], text: code });

const SLOT_STATUS: Record<SlotView['status'], string> = {
  free: 'free',
  held: 'busy-tentative',
  booked: 'busy',
};

export function slotToFhir(slot: SlotView): Json {
  return {
    resourceType: 'Slot',
    id: fhirSlotId(slot.slotId),
    identifier: [{ system: SYSTEM.slot, value: slot.slotId }],
    serviceType: slot.appointmentTypeIds.map(codeable),
    ...(slot.appointmentTypeIds.length === 1
      ? { appointmentType: codeable(slot.appointmentTypeIds[0]!) }
      : {}),
    schedule: { reference: `Schedule/${slot.providerId}` },
    status: SLOT_STATUS[slot.status],
    start: slot.start,
    end: slot.end,
    ...(slot.protected ? { comment: 'protected: booking needs explicit authority' } : {}),
  };
}

const APPOINTMENT_STATUS: Record<AppointmentDoc['status'], string> = {
  booked: 'booked',
  cancelled: 'cancelled',
  arrived: 'arrived',
  no_show: 'noshow',
};

export function appointmentToFhir(a: AppointmentDoc): Json {
  return {
    resourceType: 'Appointment',
    id: a.appointmentId,
    identifier: [{ system: SYSTEM.appointment, value: a.appointmentId }],
    extension: [
      { url: BOOKING_SOURCE_EXTENSION, valueCode: a.source },
      ...(a.taskId
        ? [
            {
              url: CALLBACK_TASK_EXTENSION,
              valueIdentifier: { system: SYSTEM.callbackTask, value: a.taskId },
            },
          ]
        : []),
    ],
    status: APPOINTMENT_STATUS[a.status],
    ...(a.cancellation
      ? {
          cancelationReason: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason',
                code: a.cancellation.cause === 'patient' ? 'pat' : 'prov',
              },
            ],
            text: a.cancellation.reason ?? a.cancellation.cause,
          },
        }
      : {}),
    appointmentType: codeable(a.appointmentTypeId),
    start: a.start,
    end: a.end,
    minutesDuration: Math.round((Date.parse(a.end) - Date.parse(a.start)) / 60_000),
    slot: [{ reference: `Slot/${fhirSlotId(a.slotId)}` }],
    created: a.bookedAt.slice(0, 10),
    participant: [
      {
        actor: { identifier: { system: SYSTEM.patientRef, value: a.patient.patientRef } },
        required: 'required',
        status: 'accepted',
      },
      { actor: { reference: `Practitioner/${a.providerId}` }, required: 'required', status: 'accepted' },
      { actor: { reference: `Location/${a.locationId}` }, required: 'required', status: 'accepted' },
    ],
  };
}

export function searchBundle(baseUrl: string, resources: Json[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({
      fullUrl: `${baseUrl}/${String(resource['resourceType'])}/${String(resource['id'])}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}
