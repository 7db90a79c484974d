// The demo health system `npm start` runs with DEMO_TRAFFIC=on: three regions, twenty clinics in
// five time zones, three central pods, eight coordinators. Plain data; demo-traffic.ts drives it.

type Hours = Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', [string, string][]>;

const weekdays = (intervals: [string, string][]): Hours => ({
  mon: intervals,
  tue: intervals,
  wed: intervals,
  thu: intervals,
  fri: intervals,
  sat: [],
  sun: [],
});
const dayAndLunch = weekdays([
  ['08:00', '12:00'],
  ['13:00', '17:00'],
]);
const longDay = weekdays([['07:00', '19:00']]);
const allWeek: Hours = {
  mon: [['00:00', '24:00']],
  tue: [['00:00', '24:00']],
  wed: [['00:00', '24:00']],
  thu: [['00:00', '24:00']],
  fri: [['00:00', '24:00']],
  sat: [['00:00', '24:00']],
  sun: [['00:00', '24:00']],
};

export interface DemoClinic {
  id: string;
  name: string;
  regionId: string;
  podId: string;
  timezone: string;
  hours: Hours;
  serviceLines: string[];
  /** Area code for simulated callers (E.164 +1 NPA 555 01xx). */
  areaCode: string;
}

const clinic = (
  id: string,
  name: string,
  regionId: string,
  podId: string,
  timezone: string,
  hours: Hours,
  serviceLines: string[],
  areaCode: string,
): DemoClinic => ({ id, name, regionId, podId, timezone, hours, serviceLines, areaCode });

export const DEMO_CLINICS: readonly DemoClinic[] = [
  clinic(
    'aurora',
    'Aurora Family Medicine',
    'west',
    'pod-mountain',
    'America/Denver',
    dayAndLunch,
    ['primary_care'],
    '303',
  ),
  clinic(
    'lakewood',
    'Lakewood Pediatrics',
    'west',
    'pod-mountain',
    'America/Denver',
    dayAndLunch,
    ['pediatrics'],
    '303',
  ),
  clinic(
    'boulder',
    'Boulder Orthopedics',
    'west',
    'pod-mountain',
    'America/Denver',
    longDay,
    ['orthopedics'],
    '720',
  ),
  clinic(
    'phoenix',
    'Desert Sun Primary Care',
    'west',
    'pod-mountain',
    'America/Phoenix',
    longDay,
    ['primary_care'],
    '602',
  ),
  clinic(
    'pasadena',
    'Pasadena Family Health',
    'west',
    'pod-pacific',
    'America/Los_Angeles',
    dayAndLunch,
    ['primary_care'],
    '626',
  ),
  clinic(
    'oakland',
    'Oakland Oncology',
    'west',
    'pod-pacific',
    'America/Los_Angeles',
    longDay,
    ['oncology'],
    '510',
  ),
  clinic(
    'seattle-uc',
    'Seattle Urgent Care',
    'west',
    'pod-pacific',
    'America/Los_Angeles',
    allWeek,
    ['primary_care'],
    '206',
  ),
  clinic(
    'chicago',
    'Lakeshore Internal Medicine',
    'central',
    'pod-mountain',
    'America/Chicago',
    dayAndLunch,
    ['primary_care'],
    '312',
  ),
  clinic(
    'evanston',
    'Evanston Pediatrics',
    'central',
    'pod-mountain',
    'America/Chicago',
    dayAndLunch,
    ['pediatrics'],
    '847',
  ),
  clinic(
    'dallas',
    'Dallas Heart Center',
    'central',
    'pod-harbor',
    'America/Chicago',
    longDay,
    ['cardiology'],
    '214',
  ),
  clinic(
    'austin',
    'Austin Behavioral Health',
    'central',
    'pod-harbor',
    'America/Chicago',
    longDay,
    ['behavioral_health'],
    '512',
  ),
  clinic(
    'houston-uc',
    'Houston Urgent Care',
    'central',
    'pod-harbor',
    'America/Chicago',
    allWeek,
    ['primary_care'],
    '713',
  ),
  clinic(
    'minneapolis',
    'North Star Family Medicine',
    'central',
    'pod-mountain',
    'America/Chicago',
    dayAndLunch,
    ['primary_care'],
    '612',
  ),
  clinic(
    'boston',
    'Back Bay Cardiology',
    'east',
    'pod-harbor',
    'America/New_York',
    dayAndLunch,
    ['cardiology'],
    '617',
  ),
  clinic(
    'cambridge',
    'Cambridge Primary Care',
    'east',
    'pod-harbor',
    'America/New_York',
    dayAndLunch,
    ['primary_care'],
    '617',
  ),
  clinic(
    'brooklyn',
    'Brooklyn Pediatrics',
    'east',
    'pod-harbor',
    'America/New_York',
    dayAndLunch,
    ['pediatrics'],
    '718',
  ),
  clinic('newark', 'Newark Oncology', 'east', 'pod-harbor', 'America/New_York', longDay, ['oncology'], '973'),
  clinic(
    'philly',
    'Philadelphia Family Health',
    'east',
    'pod-harbor',
    'America/New_York',
    dayAndLunch,
    ['primary_care'],
    '215',
  ),
  clinic(
    'miami',
    'Miami Behavioral Health',
    'east',
    'pod-pacific',
    'America/New_York',
    longDay,
    ['behavioral_health'],
    '305',
  ),
  clinic(
    'nyc-uc',
    'Manhattan Urgent Care',
    'east',
    'pod-harbor',
    'America/New_York',
    allWeek,
    ['primary_care'],
    '212',
  ),
];

export interface DemoCoordinator {
  id: string;
  name: string;
  podIds: string[];
  languages: string[];
  serviceLines: string[];
}

export const DEMO_COORDINATORS: readonly DemoCoordinator[] = [
  { id: 'ann', name: 'Ann Okafor', podIds: ['pod-mountain'], languages: ['en', 'es'], serviceLines: [] },
  { id: 'bo', name: 'Bo Lindqvist', podIds: ['pod-mountain'], languages: ['en'], serviceLines: [] },
  {
    id: 'carmen',
    name: 'Carmen Ruiz',
    podIds: ['pod-mountain'],
    languages: ['es', 'en'],
    serviceLines: ['pediatrics', 'primary_care'],
  },
  { id: 'cy', name: 'Cy Haddad', podIds: ['pod-harbor'], languages: ['en'], serviceLines: [] },
  { id: 'dee', name: 'Dee Nguyen', podIds: ['pod-harbor'], languages: ['en', 'vi'], serviceLines: [] },
  {
    id: 'eli',
    name: 'Eli Brooks',
    podIds: ['pod-harbor'],
    languages: ['en'],
    serviceLines: ['cardiology', 'oncology'],
  },
  { id: 'fia', name: 'Fia Martins', podIds: ['pod-pacific'], languages: ['en', 'es'], serviceLines: [] },
  { id: 'gus', name: 'Gus Tanaka', podIds: ['pod-pacific'], languages: ['en'], serviceLines: [] },
];

/** What simulated callers say: intent, an optional transcript, an optional language. */
export const DEMO_CALLS: readonly {
  weight: number;
  intent: string | null;
  transcript?: string;
  language?: string;
}[] = [
  {
    weight: 18,
    intent: 'new_patient',
    transcript: 'Hi, I would like to book a first visit, please call me back.',
  },
  { weight: 10, intent: 'returning_patient' },
  { weight: 8, intent: 'referral', transcript: 'My doctor referred me and I need to schedule.' },
  { weight: 5, intent: 'procedure_consult' },
  { weight: 12, intent: 'reschedule', transcript: 'I need to move my appointment to next week.' },
  { weight: 8, intent: 'records' },
  { weight: 8, intent: 'billing', transcript: 'I have a question about my bill.' },
  { weight: 6, intent: 'prescription' },
  { weight: 5, intent: 'results' },
  {
    weight: 4,
    intent: 'new_patient',
    transcript: 'Hola, quiero hacer una cita para mi hijo.',
    language: 'es',
  },
  {
    weight: 3,
    intent: 'reschedule',
    transcript: "I need to reschedule, and I've had chest pain since last night.",
  },
  { weight: 2, intent: 'urgent_symptom', transcript: 'My father is having trouble breathing.' },
  { weight: 1, intent: null, transcript: 'Mi bebé tiene fiebre muy alta.', language: 'es' },
];

/** What the demo clinics book: a new-patient visit, a follow-up, and a consult kept for protected slots. */
export const DEMO_APPOINTMENT_TYPES = [
  { id: 'new-visit', name: 'New patient visit', durationMinutes: 30, newPatientAllowed: true },
  { id: 'follow-up', name: 'Follow-up visit', durationMinutes: 30, newPatientAllowed: false },
  { id: 'consult', name: 'Specialist consult', durationMinutes: 30, newPatientAllowed: true },
] as const;

/** Coordinators book visits directly; consults need in-house approval. */
export const DEMO_SCHEDULING_AUTHORITY = ['new-visit', 'follow-up'] as const;

/**
 * One provider per clinic, seeing patients in the clinic's opening hours (clinics open around the
 * clock see them 08:00-18:00): 30-minute visits, the last hour of each day protected for consults.
 */
export function demoProvider(clinic: DemoClinic): {
  id: string;
  body: { name: string; locationId: string; serviceLine: string; weekly: Record<string, unknown[]> };
} {
  const weekly: Record<string, unknown[]> = {};
  for (const [day, intervals] of Object.entries(clinic.hours)) {
    const open = intervals.map(([start, end]) =>
      start === '00:00' && end === '24:00' ? ['08:00', '18:00'] : [start, end],
    );
    weekly[day] = open.flatMap(([start, end], i) => {
      const last = i === open.length - 1;
      const endH = Number(end!.slice(0, 2));
      if (!last || endH - Number(start!.slice(0, 2)) < 2)
        return [{ start, end, slotMinutes: 30, appointmentTypeIds: ['new-visit', 'follow-up'] }];
      const protectedFrom = `${String(endH - 1).padStart(2, '0')}:${end!.slice(3)}`;
      return [
        { start, end: protectedFrom, slotMinutes: 30, appointmentTypeIds: ['new-visit', 'follow-up'] },
        {
          start: protectedFrom,
          end,
          slotMinutes: 30,
          appointmentTypeIds: ['consult', 'new-visit'],
          protected: true,
        },
      ];
    });
  }
  return {
    id: `${clinic.id}-dr`,
    body: {
      name: `${clinic.name} provider`,
      locationId: clinic.id,
      serviceLine: clinic.serviceLines[0] ?? 'primary_care',
      weekly,
    },
  };
}
