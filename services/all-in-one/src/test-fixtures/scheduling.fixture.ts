// The scheduling catalogue of the scheduling e2e specs: Aurora's appointment types, two coordinators
// with their own authority, and Dr. Lee's template (Tuesdays and Fridays in Denver).

type Json = Record<string, unknown>;

const week = (intervals: Json[]) => ({ tue: intervals, fri: intervals });
export const drLee = {
  name: 'Dr. Lee',
  locationId: 'aurora',
  serviceLine: 'primary_care',
  weekly: week([
    { start: '08:00', end: '12:00', slotMinutes: 30, appointmentTypeIds: ['new-visit', 'follow-up'] },
    {
      start: '13:00',
      end: '14:00',
      slotMinutes: 30,
      appointmentTypeIds: ['procedure', 'new-visit'],
      protected: true,
    },
  ]),
};

/** A slot of Dr. Lee on Tuesday 1 December 2026 at local (MST) `hh:mm`. */
export const drLeeTuesday = (hhmm: string): string => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return `dr-lee.${new Date(Date.UTC(2026, 11, 1, h + 7, m)).toISOString()}`;
};

export const patient = (ref = 'mrn-1001', over: Json = {}): Json => ({
  patientRef: ref,
  phone: '+1 303 555 0101',
  preferredChannel: 'sms',
  language: 'es',
  ...over,
});

async function put(baseUrl: string, token: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

/** Appointment types, coordinators Ann and Bo (pod-mountain) and Dr. Lee, through the admin API. */
export async function configureScheduling(baseUrl: string, adminToken: string): Promise<void> {
  for (const [id, name, newPatientAllowed] of [
    ['new-visit', 'New patient visit', true],
    ['follow-up', 'Follow-up', false],
    ['procedure', 'Minor procedure', true],
  ] as const)
    await put(baseUrl, adminToken, `/api/v1/admin/appointment-types/${id}`, {
      name,
      durationMinutes: 30,
      newPatientAllowed,
      serviceLine: 'primary_care',
    });
  for (const [id, name] of [
    ['ann', 'Ann'],
    ['bo', 'Bo'],
  ] as const)
    await put(baseUrl, adminToken, `/api/v1/admin/coordinators/${id}`, {
      name,
      podIds: ['pod-mountain'],
      languages: ['en', 'es'],
      schedulingAuthority: ['new-visit', 'follow-up'],
    });
  await put(baseUrl, adminToken, '/api/v1/admin/providers/dr-lee', drLee);
}
