import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '@ringback/contracts';
import type { ReadModelDoc, ReadModelOp } from '@ringback/platform-core';
import {
  APPOINTMENTS_COLLECTION,
  SLOTS_COLLECTION,
  slotsProjection,
  type AppointmentDoc,
  type SlotDoc,
} from './slots.projection';

const patient = {
  patientRef: 'mrn-1',
  phone: '+13035550101',
  email: null,
  preferredChannel: 'sms',
  language: 'en',
  bestTimeWindow: null,
  priorNoShows: 0,
};
const spec = (start: string) => ({
  slotId: `dr-lee.${start}`,
  providerId: 'dr-lee',
  locationId: 'aurora',
  templateId: 'dr-lee.v1',
  start,
  end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
  appointmentTypeIds: ['new-visit'],
  protected: false,
});
const A = '2026-12-01T15:00:00.000Z';
const B = '2026-12-01T16:00:00.000Z';
let n = 0;
const ev = (type: string, slotStart: string, data: Record<string, unknown>): EventEnvelope => ({
  eventId: `0193${String(++n).padStart(4, '0')}-0000-7000-8000-000000000000`,
  type,
  schemaVersion: 1,
  streamId: `slot-dr-lee.${slotStart}`,
  occurredAt: '2026-11-30T17:00:00.000Z',
  recordedAt: '2026-11-30T17:00:00.000Z',
  correlationId: 'c',
  causationId: null,
  locationId: 'aurora',
  traceparent: null,
  data: { slotId: `dr-lee.${slotStart}`, ...data },
});
const booked = (start: string, bookingId: string, rescheduledFrom: unknown = null) =>
  ev('SlotBooked', start, {
    ...spec(start),
    appointmentId: 'appt-1',
    bookingId,
    appointmentTypeId: 'new-visit',
    newPatient: true,
    patient,
    source: 'callback',
    taskId: 't-1',
    holdId: null,
    authority: { kind: 'direct', approvalId: null, approvedBy: null },
    rescheduledFrom,
    bookedBy: 'ann',
    bookedAt: '2026-11-30T17:00:00.000Z',
  });

/** Runs the projection over `events` into a map, the way the runner applies ops (last write wins). */
async function project(events: EventEnvelope[]): Promise<Map<string, ReadModelDoc>> {
  const docs = new Map<string, ReadModelDoc>();
  let position = 0n;
  for (const e of events) {
    position += 1n;
    const ops: ReadModelOp[] = await slotsProjection.handle(e, position, {
      get: async <T extends ReadModelDoc>(collection: string, id: string) =>
        (structuredClone(docs.get(`${collection}/${id}`)) as T | undefined) ?? null,
    });
    for (const op of ops)
      if (op.kind === 'upsert') docs.set(`${op.collection}/${op.doc.id}`, op.doc);
      else docs.delete(`${op.collection}/${op.id}`);
  }
  return docs;
}

describe('slots projection', () => {
  const history = [
    ev('SlotOpened', A, { ...spec(A), openedAt: '2026-11-30T17:00:00.000Z' }),
    booked(A, 'b-1'),
    ev('SlotOpened', B, { ...spec(B), openedAt: '2026-11-30T17:05:00.000Z' }),
    booked(B, 'b-2', { slotId: `dr-lee.${A}`, bookingId: 'b-1' }),
    ev('BookingCancelled', A, {
      appointmentId: 'appt-1',
      bookingId: 'b-1',
      cause: 'rescheduled',
      cancelledBy: 'ann',
      reason: null,
      late: false,
      slotReusable: true,
      cancelledAt: '2026-11-30T17:05:00.000Z',
    }),
  ];

  it('a reschedule leaves the appointment booked at its new slot and frees the old one', async () => {
    const docs = await project(history);
    const appt = docs.get(`${APPOINTMENTS_COLLECTION}/appt-1`) as AppointmentDoc;
    assert.equal(appt.status, 'booked');
    assert.equal(appt.slotId, `dr-lee.${B}`);
    assert.equal(appt.bookingId, 'b-2');
    assert.deepEqual(appt.previousBookings, [{ bookingId: 'b-1', slotId: `dr-lee.${A}`, start: A }]);
    assert.equal((docs.get(`${SLOTS_COLLECTION}/dr-lee.${A}`) as SlotDoc).status, 'free');
    assert.equal((docs.get(`${SLOTS_COLLECTION}/dr-lee.${B}`) as SlotDoc).status, 'booked');
  });

  it('a cancellation of the current booking cancels the appointment; attendance marks it', async () => {
    const cancelled = await project([
      ...history,
      ev('BookingCancelled', B, {
        appointmentId: 'appt-1',
        bookingId: 'b-2',
        cause: 'patient',
        cancelledBy: 'sms',
        reason: null,
        late: true,
        slotReusable: true,
        cancelledAt: '2026-12-01T10:00:00.000Z',
      }),
    ]);
    const appt = cancelled.get(`${APPOINTMENTS_COLLECTION}/appt-1`) as AppointmentDoc;
    assert.equal(appt.status, 'cancelled');
    assert.deepEqual(appt.cancellation, { cause: 'patient', reason: null, late: true });
    const attended = await project([
      ...history,
      ev('AttendanceRecorded', B, {
        appointmentId: 'appt-1',
        bookingId: 'b-2',
        attendance: 'no_show',
        source: 'callback',
        recordedBy: 'desk',
        recordedAt: '2026-12-01T16:20:00.000Z',
      }),
    ]);
    assert.equal((attended.get(`${APPOINTMENTS_COLLECTION}/appt-1`) as AppointmentDoc).status, 'no_show');
  });
});
