import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken, type DevTokenClaims } from '@ringback/auth';
import { slotStreamId, type EventEnvelope } from '@ringback/contracts';
import { VirtualClock } from '@ringback/kernel';
import {
  E2E_SECRET,
  aurora,
  boston,
  configureLocations,
  inboundContact,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { settleRingback } from './test-fixtures/day-host';
import { configureScheduling, drLee, patient } from './test-fixtures/scheduling.fixture';

interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}
interface SlotBody {
  slotId: string;
  start: string;
  status: string;
  protected: boolean;
  appointmentTypeIds: string[];
  appointmentId: string | null;
}
interface AppointmentBody {
  appointmentId: string;
  bookingId: string;
  status: string;
  slotId: string;
  source: string;
  taskId: string | null;
  start: string;
  cancellation: { cause: string; late: boolean } | null;
  previousBookings: { slotId: string }[];
  patient: { patientRef: string; phone?: string | null; priorNoShows: number; highNoShowRisk: boolean };
}
type Json = Record<string, unknown>;

// Monday 30 November 2026, 10:00 in Denver (MST, UTC-7).
const MONDAY_10 = '2026-11-30T17:00:00.000Z';
/** Tuesday 1 December, 08:00 MST. */
const TUE_0800 = 'dr-lee.2026-12-01T15:00:00.000Z';
const TUE_0830 = 'dr-lee.2026-12-01T15:30:00.000Z';
const TUE_0900 = 'dr-lee.2026-12-01T16:00:00.000Z';
const TUE_0930 = 'dr-lee.2026-12-01T16:30:00.000Z';
/** Tuesday 13:00 MST: a protected procedure slot. */
const TUE_1300 = 'dr-lee.2026-12-01T20:00:00.000Z';

describe('scheduling over the all-in-one process: templates, slots, bookings within authority, FHIR', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-scheduling-'));
  const clock = new VirtualClock(MONDAY_10);
  let rb: RunningRingback;
  const tokens = {} as Record<'admin' | 'ann' | 'bo' | 'harbor' | 'desk' | 'supervisor', string>;
  const token = (claims: DevTokenClaims) => signDevToken(claims, E2E_SECRET);
  const request = (method: string, url: string, tk?: string, body?: unknown) =>
    fetch(`${rb.service.url}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(tk ? { authorization: `Bearer ${tk}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const expectStatus = async <T = Json>(res: Response, status: number, code?: string): Promise<T> => {
    const text = await res.text();
    assert.equal(res.status, status, text);
    const body = JSON.parse(text) as T;
    if (code) assert.equal((body as unknown as ErrorBody).error.code, code, text);
    return body;
  };
  const settle = () => settleRingback(rb.service, rb.adapters);
  const slots = async (query: string, tk = tokens.ann) =>
    (await expectStatus<{ items: SlotBody[] }>(await request('GET', `/api/v1/slots?${query}`, tk), 200))
      .items;
  const book = (tk: string, body: Json) => request('POST', '/api/v1/appointments', tk, body);
  const streamTypes = async (streamId: string) =>
    (await rb.adapters.eventStore.readStream(streamId)).map((r) => r.envelope.type);
  const append = async (event: EventEnvelope) => {
    await rb.adapters.eventStore.appendToStream(event.streamId, [event], { expectedRevision: 'any' });
    await settle();
  };

  before(async () => {
    rb = await startRingback(dataDir, {
      clock,
      env: { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0', SCHEDULING_INTERVAL_MS: '0' },
    });
    tokens.admin = await token({ sub: 'root', role: 'admin' });
    tokens.ann = await token({ sub: 'ann', role: 'coordinator', pods: ['pod-mountain'] });
    tokens.bo = await token({ sub: 'bo', role: 'coordinator', pods: ['pod-mountain'] });
    tokens.harbor = await token({ sub: 'hal', role: 'coordinator', pods: ['pod-harbor'] });
    tokens.desk = await token({ sub: 'desk-aurora', role: 'clinic_staff', locations: ['aurora'] });
    tokens.supervisor = await token({ sub: 'sue', role: 'supervisor', regions: ['west'] });
    await configureLocations(rb, tokens.admin, { aurora, boston });
    await configureScheduling(rb.service.url, tokens.admin);
    assert.equal(
      (
        await expectStatus<{ version: number }>(
          await request('GET', '/api/v1/providers/dr-lee', tokens.ann),
          200,
        )
      ).version,
      1,
    );
    await settle();
  });

  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses unusable catalogue changes with a clear 4xx and records nothing', async () => {
    const put = (id: string, body: unknown, tk = tokens.admin) =>
      request('PUT', `/api/v1/admin/providers/${id}`, tk, body);
    await expectStatus(await put('dr-x', { ...drLee, locationId: 'nowhere' }), 404, 'location_not_found');
    const overlapping = {
      ...drLee,
      weekly: {
        mon: [
          { start: '08:00', end: '10:00', slotMinutes: 30, appointmentTypeIds: ['new-visit'] },
          { start: '09:30', end: '11:00', slotMinutes: 30, appointmentTypeIds: ['surgery'] },
        ],
      },
    };
    const invalid = await expectStatus<ErrorBody>(await put('dr-x', overlapping), 422, 'invalid_template');
    assert.ok(JSON.stringify(invalid.error.details).includes('unknown appointment type surgery'));
    assert.ok(JSON.stringify(invalid.error.details).includes('do not overlap'));
    await expectStatus(
      await put('dr-x', { ...drLee, weekly: { mon: [{ start: '8am' }] } }),
      400,
      'validation_failed',
    );
    await expectStatus(await put('Dr X', drLee), 400);
    await expectStatus(await put('dr-x', drLee, tokens.ann), 403);
    await expectStatus(await request('PUT', '/api/v1/admin/providers/dr-x', undefined, drLee), 401);
    assert.deepEqual(await streamTypes('provider-dr-x'), []);
    // The same template again is a no-op answering the same version.
    assert.deepEqual(await expectStatus(await put('dr-lee', drLee), 200), { id: 'dr-lee', version: 1 });
    assert.deepEqual(await streamTypes('provider-dr-lee'), ['ProviderConfigured']);
  });

  it('cuts the template into slots in the location’s time zone, none on its holidays, writing no events', async () => {
    const tuesday = await slots(
      'providerId=dr-lee&from=2026-12-01T00:00:00-07:00&to=2026-12-02T00:00:00-07:00',
    );
    assert.equal(tuesday.length, 8 + 2);
    assert.equal(tuesday[0]!.slotId, TUE_0800);
    assert.equal(tuesday.at(-1)!.slotId, 'dr-lee.2026-12-01T20:30:00.000Z');
    assert.deepEqual(
      tuesday.filter((s) => s.protected).map((s) => s.slotId),
      [TUE_1300, 'dr-lee.2026-12-01T20:30:00.000Z'],
    );
    const withType = await slots(
      'locationId=aurora&appointmentTypeId=procedure&from=2026-12-01T00:00:00Z&to=2026-12-02T12:00:00Z',
    );
    assert.equal(withType.length, 2);
    // Friday 18 December has slots, Friday 25 December (a holiday of the location) none.
    assert.equal(
      (await slots('providerId=dr-lee&from=2026-12-18T00:00:00-07:00&to=2026-12-19T00:00:00-07:00')).length,
      10,
    );
    assert.equal(
      (await slots('providerId=dr-lee&from=2026-12-25T00:00:00-07:00&to=2026-12-26T00:00:00-07:00')).length,
      0,
    );
    assert.deepEqual(await streamTypes(slotStreamId(TUE_0800)), []);
    // Out of scope: a harbor coordinator does not see Aurora's provider.
    await expectStatus(
      await request(
        'GET',
        '/api/v1/slots?providerId=dr-lee&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z',
        tokens.harbor,
      ),
      404,
    );
    await expectStatus(
      await request(
        'GET',
        '/api/v1/slots?providerId=dr-lee&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z',
        tokens.ann,
      ),
      400,
    );
    await expectStatus(
      await request(
        'GET',
        '/api/v1/slots?providerId=dr-lee&from=2026-12-01T00:00:00Z&to=2027-02-01T00:00:00Z',
        tokens.ann,
      ),
      400,
    );
  });

  it('books from a callback task: the task resolves as booked and the booking records its source', async () => {
    await append(
      inboundContact(
        { taskId: 'task-np-1', providerCallId: 'CA-np-1', intent: 'new_patient' },
        '2026-11-30T16:55:00.000Z',
      ),
    );
    const appointment = await expectStatus<AppointmentBody>(
      await book(tokens.ann, {
        slotId: TUE_0800,
        appointmentTypeId: 'new-visit',
        newPatient: true,
        patient: patient(),
        taskId: 'task-np-1',
      }),
      201,
    );
    assert.equal(appointment.status, 'booked');
    assert.equal(appointment.source, 'callback');
    assert.equal(appointment.taskId, 'task-np-1');
    assert.equal(appointment.patient.phone, '+13035550101');
    await settle();
    const task = await expectStatus<{ status: string }>(
      await request('GET', '/api/v1/tasks/task-np-1', tokens.ann),
      200,
    );
    assert.equal(task.status, 'resolved');
    const resolved = (await rb.adapters.eventStore.readStream('task-task-np-1')).find(
      (r) => r.envelope.type === 'TaskResolved',
    );
    assert.equal((resolved?.envelope.data as { resolution: string }).resolution, 'booked');
    assert.deepEqual(await streamTypes(slotStreamId(TUE_0800)), ['SlotOpened', 'SlotBooked']);
    const free = await slots('providerId=dr-lee&from=2026-12-01T15:00:00Z&to=2026-12-01T16:00:00Z');
    assert.deepEqual(
      free.map((s) => s.slotId),
      [TUE_0830],
    );
    const all = await slots('providerId=dr-lee&status=all&from=2026-12-01T15:00:00Z&to=2026-12-01T16:00:00Z');
    assert.deepEqual(
      all.map((s) => [s.status, s.appointmentId]),
      [
        ['booked', appointment.appointmentId],
        ['free', null],
      ],
    );
    // Booking a closed task again is refused, and so is an unknown task.
    await expectStatus(
      await book(tokens.ann, {
        slotId: TUE_0830,
        appointmentTypeId: 'new-visit',
        patient: patient(),
        taskId: 'task-np-1',
      }),
      409,
      'task_already_closed',
    );
    await expectStatus(
      await book(tokens.ann, {
        slotId: TUE_0830,
        appointmentTypeId: 'new-visit',
        patient: patient(),
        taskId: 'nope',
      }),
      422,
      'unknown_task',
    );
    // The task list shows the closed task; the booking list filters by task.
    const byTask = await expectStatus<{ items: AppointmentBody[] }>(
      await request('GET', '/api/v1/appointments?taskId=task-np-1', tokens.supervisor),
      200,
    );
    assert.deepEqual(
      byTask.items.map((a) => a.appointmentId),
      [appointment.appointmentId],
    );
    assert.equal(byTask.items[0]!.patient.phone, undefined, 'no contact details in lists');
  });

  it('two coordinators booking the same slot at the same moment: exactly one wins, the other gets a conflict', async () => {
    const results = await Promise.all(
      ['ann', 'bo'].map((who) =>
        book(tokens[who as 'ann' | 'bo'], {
          slotId: TUE_0830,
          appointmentTypeId: 'follow-up',
          patient: patient(`mrn-${who}`),
        }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    const loser = results.find((r) => r.status === 409)!;
    assert.equal(((await loser.json()) as ErrorBody).error.code, 'slot_already_booked');
    assert.deepEqual(await streamTypes(slotStreamId(TUE_0830)), ['SlotOpened', 'SlotBooked']);
  });

  it('books only within scheduling authority and scope', async () => {
    // Outside Ann's own authority, and a protected slot: in-house approval needed.
    await expectStatus(
      await book(tokens.ann, { slotId: TUE_0900, appointmentTypeId: 'procedure', patient: patient() }),
      403,
      'approval_required',
    );
    await expectStatus(
      await book(tokens.ann, { slotId: TUE_1300, appointmentTypeId: 'new-visit', patient: patient() }),
      403,
      'approval_required',
    );
    // Another pod's coordinator: a write outside the scope.
    await expectStatus(
      await book(tokens.harbor, { slotId: TUE_0900, appointmentTypeId: 'new-visit', patient: patient() }),
      403,
    );
    // Business rules of the slot and the type.
    await expectStatus(
      await book(tokens.ann, {
        slotId: TUE_0900,
        appointmentTypeId: 'follow-up',
        newPatient: true,
        patient: patient(),
      }),
      422,
      'new_patients_not_allowed',
    );
    await expectStatus(
      await book(tokens.ann, { slotId: TUE_0900, appointmentTypeId: 'procedure-x', patient: patient() }),
      422,
      'unknown_appointment_type',
    );
    await expectStatus(
      await book(tokens.ann, {
        slotId: 'dr-lee.2026-12-01T15:10:00.000Z',
        appointmentTypeId: 'new-visit',
        patient: patient(),
      }),
      404,
      'slot_not_found',
    );
    await expectStatus(
      await book(tokens.ann, {
        slotId: 'dr-lee.2026-11-30T15:00:00.000Z',
        appointmentTypeId: 'new-visit',
        patient: patient(),
      }),
      404,
      'slot_not_found',
    );
    assert.deepEqual(await streamTypes(slotStreamId(TUE_0900)), []);
    assert.deepEqual(await streamTypes(slotStreamId(TUE_1300)), []);
    // Clinic staff book the protected procedure slot directly.
    const procedure = await expectStatus<AppointmentBody>(
      await book(tokens.desk, {
        slotId: TUE_1300,
        appointmentTypeId: 'procedure',
        patient: patient('mrn-2002'),
      }),
      201,
    );
    assert.equal(procedure.source, 'direct');
  });

  it('rejects bad booking bodies with field-level 400s and records nothing', async () => {
    const bad: Json[] = [
      { slotId: TUE_0900, appointmentTypeId: 'new-visit', patient: patient('mrn-1', { phone: '12' }) },
      {
        slotId: TUE_0900,
        appointmentTypeId: 'new-visit',
        patient: patient('mrn-1', { preferredChannel: 'email' }),
      },
      { slotId: TUE_0900, appointmentTypeId: 'new-visit', patient: { ...patient(), extra: 1 } },
      { slotId: 'not-a-slot', appointmentTypeId: 'new-visit', patient: patient() },
      { slotId: TUE_0900, appointmentTypeId: 'new-visit', patient: patient(), source: 'callback' },
      { slotId: TUE_0900, appointmentTypeId: 'new-visit', patient: patient(), source: 'waitlist' },
      { slotId: TUE_0900, appointmentTypeId: 'new-visit' },
    ];
    for (const body of bad) {
      const error = await expectStatus<ErrorBody>(await book(tokens.ann, body), 400, 'validation_failed');
      assert.ok(error.error.details.length > 0, JSON.stringify(body));
    }
    assert.deepEqual(await streamTypes(slotStreamId(TUE_0900)), []);
  });

  it('cancels (late within 24 h), reschedules keeping the appointment, records attendance and no-show history', async () => {
    const a = await expectStatus<AppointmentBody>(
      await book(tokens.ann, {
        slotId: TUE_0900,
        appointmentTypeId: 'new-visit',
        patient: patient('mrn-3003'),
      }),
      201,
    );
    const moved = await expectStatus<AppointmentBody>(
      await request('POST', `/api/v1/appointments/${a.appointmentId}/reschedule`, tokens.bo, {
        slotId: TUE_0930,
      }),
      200,
    );
    assert.equal(moved.appointmentId, a.appointmentId);
    assert.equal(moved.slotId, TUE_0930);
    assert.equal(moved.status, 'booked');
    assert.deepEqual(
      moved.previousBookings.map((b) => b.slotId),
      [TUE_0900],
    );
    await settle();
    assert.deepEqual(await streamTypes(slotStreamId(TUE_0900)), [
      'SlotOpened',
      'SlotBooked',
      'BookingCancelled',
    ]);
    const freed = await slots('providerId=dr-lee&from=2026-12-01T16:00:00Z&to=2026-12-01T16:30:00Z');
    assert.deepEqual(
      freed.map((s) => s.slotId),
      [TUE_0900],
    );
    // Attendance: not before the start; then a no-show, which the next booking of the patient carries.
    const attend = (attendance: string) =>
      request('POST', `/api/v1/appointments/${a.appointmentId}/attendance`, tokens.desk, { attendance });
    await expectStatus(await attend('no_show'), 422, 'too_early');
    clock.set('2026-12-01T16:45:00.000Z');
    await expectStatus(
      await request('POST', `/api/v1/appointments/${a.appointmentId}/cancel`, tokens.ann, {}),
      422,
      'slot_started',
    );
    const noShow = await expectStatus<AppointmentBody>(await attend('no_show'), 200);
    assert.equal(noShow.status, 'no_show');
    const next = await expectStatus<AppointmentBody>(
      await book(tokens.ann, {
        slotId: 'dr-lee.2026-12-01T18:00:00.000Z',
        appointmentTypeId: 'follow-up',
        patient: patient('mrn-3003', { priorNoShows: 1 }),
      }),
      201,
    );
    assert.equal(next.patient.priorNoShows, 1);
    const again = await expectStatus<AppointmentBody>(
      await book(tokens.ann, {
        slotId: 'dr-lee.2026-12-01T18:30:00.000Z',
        appointmentTypeId: 'follow-up',
        patient: patient('mrn-3003', { priorNoShows: 2 }),
      }),
      201,
    );
    assert.equal(again.patient.highNoShowRisk, true);
    // Cancelling an hour ahead is a late cancellation; the slot is free again.
    const cancelled = await expectStatus<AppointmentBody>(
      await request('POST', `/api/v1/appointments/${next.appointmentId}/cancel`, tokens.ann, {
        reason: 'patient called',
      }),
      200,
    );
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(cancelled.cancellation, { cause: 'staff', reason: 'patient called', late: true });
    assert.equal(
      (await slots('providerId=dr-lee&from=2026-12-01T18:00:00Z&to=2026-12-01T18:30:00Z')).length,
      1,
    );
    await expectStatus(
      await request('POST', `/api/v1/appointments/${next.appointmentId}/cancel`, tokens.harbor, {}),
      403,
    );
    await expectStatus(
      await request('GET', `/api/v1/appointments/${next.appointmentId}`, tokens.harbor),
      404,
    );
    await expectStatus(
      await request('POST', '/api/v1/appointments/nope/cancel', tokens.ann, {}),
      404,
      'appointment_not_found',
    );
  });

  it('serves FHIR R4 Slot and Appointment resources', async () => {
    const res = await request(
      'GET',
      '/api/v1/fhir/Slot?schedule=Schedule/dr-lee&start=ge2026-12-01T15:00:00Z&start=lt2026-12-01T16:00:00Z',
      tokens.ann,
    );
    assert.match(res.headers.get('content-type') ?? '', /application\/fhir\+json/);
    const bundle = await expectStatus<{
      resourceType: string;
      type: string;
      total: number;
      entry: { resource: Json }[];
    }>(res, 200);
    assert.equal(bundle.resourceType, 'Bundle');
    assert.equal(bundle.type, 'searchset');
    assert.deepEqual(
      bundle.entry.map((e) => [e.resource['id'], e.resource['status']]),
      [
        [`dr-lee.${Date.parse('2026-12-01T15:00:00Z')}`, 'busy'],
        [`dr-lee.${Date.parse('2026-12-01T15:30:00Z')}`, 'busy'],
      ],
    );
    const slot = bundle.entry[0]!.resource;
    assert.deepEqual(slot['schedule'], { reference: 'Schedule/dr-lee' });
    assert.equal(slot['start'], '2026-12-01T15:00:00.000Z');
    const read = await expectStatus<Json>(
      await request('GET', `/api/v1/fhir/Slot/${String(slot['id'])}`, tokens.ann),
      200,
    );
    assert.deepEqual(read, slot);

    const list = await expectStatus<{ items: AppointmentBody[] }>(
      await request('GET', '/api/v1/appointments?taskId=task-np-1', tokens.ann),
      200,
    );
    const appointment = await expectStatus<Json>(
      await request('GET', `/api/v1/fhir/Appointment/${list.items[0]!.appointmentId}`, tokens.ann),
      200,
    );
    assert.equal(appointment['resourceType'], 'Appointment');
    assert.equal(appointment['status'], 'booked');
    assert.deepEqual(appointment['slot'], [{ reference: `Slot/${String(slot['id'])}` }]);
    assert.equal(appointment['minutesDuration'], 30);
    assert.ok(JSON.stringify(appointment['extension']).includes('"valueCode":"callback"'));
    assert.ok(JSON.stringify(appointment['extension']).includes('task-np-1'));
    const search = await expectStatus<{ entry: { resource: Json }[] }>(
      await request(
        'GET',
        '/api/v1/fhir/Appointment?location=Location/aurora&status=noshow&date=ge2026-12-01&date=lt2026-12-02',
        tokens.supervisor,
      ),
      200,
    );
    assert.equal(search.entry.length, 1);
    assert.equal(search.entry[0]!.resource['status'], 'noshow');
    await expectStatus(await request('GET', '/api/v1/fhir/Slot?start=ge2026-12-01', tokens.ann), 400);
    await expectStatus(
      await request('GET', '/api/v1/fhir/Slot?schedule=dr-lee&start=around-noon', tokens.ann),
      400,
    );
    await expectStatus(
      await request('GET', `/api/v1/fhir/Appointment/${list.items[0]!.appointmentId}`, tokens.harbor),
      404,
    );
    const outOfScope = await expectStatus<{ total: number }>(
      await request('GET', '/api/v1/fhir/Appointment?location=aurora', tokens.harbor),
      200,
    );
    assert.equal(outOfScope.total, 0);
  });

  it('documents the scheduling routes in OpenAPI', async () => {
    const doc = (await (await fetch(`${rb.service.url}/api/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      '/api/v1/appointments',
      '/api/v1/slots',
      '/api/v1/fhir/Slot',
      '/api/v1/admin/providers/{providerId}',
    ])
      assert.ok(doc.paths[p], p);
  });
});
