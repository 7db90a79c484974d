// How the security specs try each route: where it sits in the scope, a valid body, the clinic
// fixtures its parameters name. Shared by the access-control and bad-input specs.
import type { UserRole } from '@ringback/auth';
import { drLee, patient } from './scheduling.fixture';
import type { ServedRoute } from './served-routes';

export type Json = Record<string, unknown>;
export type Side = 'in' | 'out';

export const boston = {
  name: 'Back Bay Cardiology',
  regionId: 'east',
  podId: 'pod-harbor',
  timezone: 'America/New_York',
  hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
  serviceLines: ['primary_care'],
};
export const drKim = { ...drLee, name: 'Dr. Kim', locationId: 'boston' };

/** Friday 27 November 2026, 10:00 in Denver. */
export const START = '2026-11-27T17:00:00.000Z';
/** Slot of a provider on Tuesday 1 December 2026 at local `hh:mm` (`offsetHours` from UTC). */
export const tuesday = (provider: string, offsetHours: number, hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return `${provider}.${new Date(Date.UTC(2026, 11, 1, h - offsetHours, m)).toISOString()}`;
};

/** Everything of one clinic the routes can name. */
export interface Place {
  locationId: string;
  regionId: string;
  podId: string;
  definition: Json;
  coordinatorId: string;
  coordinatorToken: string;
  providerId: string;
  providerDefinition: Json;
  taskId: string;
  alertId: string;
  appointmentId: string;
  bookedSlot: string;
  freeSlot: string;
  freeSlot2: string;
  protectedSlot: string;
  approvalId: string;
  entryId: string;
  offerId: string;
  followUpId: string;
  phone: string;
  /** The health-system base of the triage policy, as read back (PUT it unchanged). */
  basePolicy: Json;
}

/** How the table tries one route. */
export interface Plan {
  /**
   * `place`: the path or body names one clinic's resource (tried in and out of scope);
   * `list`: a collection, tried with a filter naming each clinic; `global`: not tied to a clinic.
   */
  scope: 'place' | 'list' | 'global';
  body?: (p: Place) => unknown;
  raw?: { contentType: string; text: string };
  query?: (p: Place) => string;
  /** In scope, roles refused for a documented rule beyond role and scope (the caller must be the subject). */
  subject?: Partial<Record<UserRole, 403 | 404>>;
  /** Out of scope, roles admitted anyway by a documented rule (with its reason). */
  outAdmits?: { roles: UserRole[]; why: string };
  /** Why an admitted answer may name the other clinic (no leak check). */
  shared?: string;
}

const task = (body: (p: Place) => unknown): Plan => ({ scope: 'place', body });
const SUPERVISORS_SEE_ALL_PODS =
  'coordinators are central: supervisors see and manage every pod (overflow routes across pods)';

/**
 * One entry per served route. A route served but missing here fails the suite, so whoever adds a
 * route says how it sits in the scope; its roles and authentication still come from the document.
 */
export const PLANS: Record<string, Plan> = {
  'PUT /api/v1/admin/locations/{locationId}': { scope: 'place', body: (p) => p.definition },
  'GET /api/v1/admin/locations/{locationId}': { scope: 'place' },
  'GET /api/v1/locations': { scope: 'global' },
  'GET /api/v1/locations/{locationId}': { scope: 'place' },
  'GET /api/v1/tasks': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'GET /api/v1/tasks/{taskId}': { scope: 'place' },
  'GET /api/v1/tasks/{taskId}/contact': {
    scope: 'place',
    // Caller details are for the coordinator working the task, supervisors and admins.
    subject: { coordinator: 403, clinic_staff: 403 },
  },
  'POST /api/v1/tasks/{taskId}/claim': task(() => ({})),
  'POST /api/v1/tasks/{taskId}/accept': task(() => ({ offerId: 'no-offer' })),
  'POST /api/v1/tasks/{taskId}/decline': task(() => ({ offerId: 'no-offer' })),
  'POST /api/v1/tasks/{taskId}/attempts': task(() => ({ outcome: 'no_answer' })),
  'POST /api/v1/tasks/{taskId}/escalate': task(() => ({ role: 'RN', reason: 'chest pain' })),
  'POST /api/v1/tasks/{taskId}/handoff/accept': task(() => ({})),
  'POST /api/v1/tasks/{taskId}/resolve': task(() => ({ resolution: 'handled_clinically' })),
  'POST /api/v1/tasks/{taskId}/unreachable': task(() => ({ followUp: 'sms' })),
  'POST /api/v1/tasks/{taskId}/reopen': task(() => ({ reason: 'caller rang back' })),
  'PUT /api/v1/admin/coordinators/{coordinatorId}': {
    scope: 'place',
    body: (p) => ({
      name: p.coordinatorId,
      podIds: [p.podId],
      languages: ['en', 'es'],
      schedulingAuthority: ['new-visit', 'follow-up'],
    }),
  },
  'GET /api/v1/coordinators': { scope: 'global', shared: SUPERVISORS_SEE_ALL_PODS },
  'GET /api/v1/coordinators/{coordinatorId}': {
    scope: 'place',
    outAdmits: { roles: ['supervisor'], why: SUPERVISORS_SEE_ALL_PODS },
  },
  'PUT /api/v1/coordinators/{coordinatorId}/presence': {
    scope: 'place',
    body: () => ({ presence: 'away' }),
    outAdmits: { roles: ['supervisor'], why: SUPERVISORS_SEE_ALL_PODS },
  },
  'GET /api/v1/alerts': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'POST /api/v1/alerts/{alertId}/acknowledge': { scope: 'place', body: () => ({}) },
  'PUT /api/v1/admin/appointment-types/{appointmentTypeId}': {
    scope: 'global',
    body: () => ({
      name: 'New patient visit',
      durationMinutes: 30,
      newPatientAllowed: true,
      serviceLine: 'primary_care',
    }),
  },
  'PUT /api/v1/admin/providers/{providerId}': { scope: 'place', body: (p) => p.providerDefinition },
  'GET /api/v1/appointment-types': { scope: 'global' },
  'GET /api/v1/providers': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'GET /api/v1/providers/{providerId}': { scope: 'place' },
  'GET /api/v1/slots': {
    scope: 'list',
    query: (p) => `providerId=${p.providerId}&from=2026-12-01T00:00:00.000Z&to=2026-12-02T00:00:00.000Z`,
  },
  'POST /api/v1/appointments': {
    scope: 'place',
    body: (p) => ({
      slotId: p.freeSlot,
      appointmentTypeId: 'new-visit',
      newPatient: true,
      patient: patient('mrn-ac-1'),
    }),
  },
  'GET /api/v1/appointments': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'GET /api/v1/appointments/{appointmentId}': { scope: 'place' },
  'POST /api/v1/appointments/{appointmentId}/cancel': { scope: 'place', body: () => ({}) },
  'POST /api/v1/appointments/{appointmentId}/reschedule': {
    scope: 'place',
    body: (p) => ({ slotId: p.freeSlot2 }),
  },
  'POST /api/v1/appointments/{appointmentId}/attendance': {
    scope: 'place',
    body: () => ({ attendance: 'arrived' }),
  },
  'GET /api/v1/fhir/Slot': {
    scope: 'list',
    query: (p) => `schedule=${p.providerId}&start=2026-12-01`,
  },
  'GET /api/v1/fhir/Slot/{id}': { scope: 'place' },
  'GET /api/v1/fhir/Appointment': { scope: 'list', query: (p) => `location=${p.locationId}` },
  'GET /api/v1/fhir/Appointment/{id}': { scope: 'place' },
  'POST /api/v1/booking-approvals': {
    scope: 'place',
    body: (p) => ({
      slotId: p.protectedSlot,
      appointmentTypeId: 'procedure',
      newPatient: true,
      patient: patient('mrn-ac-2'),
    }),
  },
  'GET /api/v1/booking-approvals': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'GET /api/v1/booking-approvals/{approvalId}': { scope: 'place' },
  'POST /api/v1/booking-approvals/{approvalId}/approve': { scope: 'place', body: () => ({}) },
  'POST /api/v1/booking-approvals/{approvalId}/deny': { scope: 'place', body: () => ({}) },
  'POST /api/v1/waitlist': {
    scope: 'place',
    body: (p) => ({
      locationId: p.locationId,
      appointmentTypeId: 'new-visit',
      newPatient: true,
      patient: patient('mrn-ac-3'),
    }),
  },
  'GET /api/v1/waitlist': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'POST /api/v1/waitlist/{entryId}/withdraw': { scope: 'place' },
  'GET /api/v1/waitlist/offers': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'POST /api/v1/waitlist/offers/{offerId}/confirm': { scope: 'place', body: (p) => ({ entryId: p.entryId }) },
  'POST /api/v1/waitlist/offers/{offerId}/decline': { scope: 'place', body: (p) => ({ entryId: p.entryId }) },
  'GET /api/v1/outbox': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'GET /api/v1/follow-ups': { scope: 'list', query: (p) => `locationId=${p.locationId}` },
  'POST /api/v1/follow-ups/{followUpId}/complete': { scope: 'place', body: () => ({}) },
  'GET /api/v1/reports/kpis': {
    scope: 'list',
    query: (p) => `from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z&locationId=${p.locationId}`,
  },
  'GET /api/v1/reports/timeseries': {
    scope: 'list',
    query: (p) =>
      `metric=inbound&bucket=day&from=2026-11-20T00:00:00Z&to=2026-12-02T00:00:00Z&locationId=${p.locationId}`,
  },
  'GET /api/v1/reports/heatmap': {
    scope: 'list',
    query: (p) => `from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z&locationId=${p.locationId}`,
  },
  'GET /api/v1/reports/diagnostic': {
    scope: 'list',
    query: (p) => `from=2026-11-20T00:00:00Z&to=2026-11-28T00:00:00Z&locationId=${p.locationId}`,
  },
  'POST /api/v1/admin/imports/call-logs': {
    scope: 'global',
    raw: {
      contentType: 'text/csv',
      text: 'call_id,location_id,started_at,outcome\nimp-ac-1,aurora,2026-11-20T16:00:00Z,missed\n',
    },
  },
  'GET /api/v1/admin/imports/{importId}': { scope: 'global' },
  'POST /api/v1/reports/simulations': {
    scope: 'list',
    body: (p) => ({
      from: '2026-11-20T00:00:00Z',
      to: '2026-11-28T00:00:00Z',
      locationId: p.locationId,
      staffing: { kind: 'recorded' },
    }),
  },
  'GET /api/v1/reports/simulations/staffing': {
    scope: 'list',
    query: (p) => `from=2026-11-20T00:00:00Z&to=2026-11-28T00:00:00Z&locationId=${p.locationId}`,
  },
  // A number no fixture uses: the table must not shred the PHI the other routes read.
  'POST /api/v1/admin/erasures': {
    scope: 'global',
    body: () => ({ phone: '+15550009999', reason: 'patient_request' }),
  },
  'GET /api/v1/admin/audit/phi-access': {
    scope: 'global',
    query: () => 'from=2026-11-20T00:00:00Z&to=2026-12-31T00:00:00Z',
  },
  'GET /api/v1/admin/triage-policy': {
    scope: 'global',
    shared: 'the triage policy is health-system configuration, read whole by supervisors',
  },
  'PUT /api/v1/admin/triage-policy': { scope: 'global', body: (p) => p.basePolicy },
  'PUT /api/v1/admin/triage-policy/service-lines/{serviceLine}': {
    scope: 'global',
    body: () => ({ intentTiers: { billing: 3 } }),
  },
  'DELETE /api/v1/admin/triage-policy/service-lines/{serviceLine}': { scope: 'global', body: () => ({}) },
  'PUT /api/v1/admin/triage-policy/locations/{locationId}': {
    scope: 'place',
    body: () => ({ intentTiers: { billing: 3 } }),
  },
  'DELETE /api/v1/admin/triage-policy/locations/{locationId}': { scope: 'place', body: () => ({}) },
};

/** Routes open to anyone; a new one fails the suite until it is added here on purpose. */
export const OPEN_ROUTES = new Set(['GET /api/v1/dev/demo-users']);
/** Signed webhooks: unsigned, they answer 401 and record nothing. */
export const isWebhook = (r: ServedRoute) => /^\/api\/v1\/(calls|messages)\//.test(r.path);
