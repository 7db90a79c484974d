import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { appointmentToFhir, fhirSlotId, slotIdOfFhir, slotToFhir } from './fhir.mapping';
import { dateRange } from './fhir.http.controller';
import type { AppointmentDoc } from '../slots/slots.projection';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

describe('FHIR ids of slots', () => {
  it('are valid FHIR ids and map back to the Ringback slot id', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,40}$/),
        fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2100-01-01') }),
        (providerId, ms) => {
          const slotId = `${providerId}.${new Date(ms).toISOString()}`;
          const id = fhirSlotId(slotId);
          assert.match(id.replace(/_/g, '-'), FHIR_ID);
          assert.equal(slotIdOfFhir(id), slotId);
        },
      ),
    );
    assert.equal(slotIdOfFhir('dr-lee.not-a-time'), null);
  });
});

describe('FHIR date search values', () => {
  const day = Date.parse('2026-12-01T00:00:00Z');
  it('reads ge/gt/le/lt/eq on dates and instants', () => {
    assert.deepEqual(dateRange('date', ['ge2026-12-01', 'lt2026-12-02'], [0, 1]), [day, day + 86_400_000]);
    assert.deepEqual(dateRange('date', '2026-12-01', [0, 1]), [day, day + 86_400_000]);
    assert.deepEqual(dateRange('date', ['gt2026-12-01', 'le2026-12-02'], [0, 1]), [
      day + 86_400_000,
      day + 2 * 86_400_000,
    ]);
    assert.deepEqual(dateRange('start', 'ge2026-12-01T08:00:00-07:00', [0, 1]), [
      Date.parse('2026-12-01T15:00:00Z'),
      1,
    ]);
    assert.throws(
      () => dateRange('date', 'around-noon', [0, 1]),
      (e: { code?: string }) => e.code === 'validation_failed',
    );
  });
});

describe('FHIR resources', () => {
  it('a slot: schedule, status, times, types', () => {
    const slot = slotToFhir({
      slotId: 'dr-lee.2026-12-01T15:00:00.000Z',
      providerId: 'dr-lee',
      locationId: 'aurora',
      start: '2026-12-01T15:00:00.000Z',
      end: '2026-12-01T15:30:00.000Z',
      appointmentTypeIds: ['new-visit'],
      protected: true,
      status: 'held',
      heldUntil: '2026-12-01T10:00:00.000Z',
      appointmentId: null,
    });
    assert.equal(slot['resourceType'], 'Slot');
    assert.equal(slot['status'], 'busy-tentative');
    assert.deepEqual(slot['schedule'], { reference: 'Schedule/dr-lee' });
    assert.deepEqual(
      (slot['appointmentType'] as { coding: { code: string }[] }).coding[0]!.code,
      'new-visit',
    );
    assert.deepEqual(slot['identifier'], [
      { system: 'urn:ringback:slot', value: 'dr-lee.2026-12-01T15:00:00.000Z' },
    ]);
  });

  it('an appointment: status codes, participants, cancellation reason, booking source', () => {
    const doc = {
      appointmentId: '01936f8e-0000-7000-8000-000000000001',
      slotId: 'dr-lee.2026-12-01T15:00:00.000Z',
      providerId: 'dr-lee',
      locationId: 'aurora',
      start: '2026-12-01T15:00:00.000Z',
      end: '2026-12-01T15:45:00.000Z',
      appointmentTypeId: 'new-visit',
      patient: { patientRef: 'mrn-1' },
      source: 'callback',
      taskId: 't-1',
      status: 'cancelled',
      bookedAt: '2026-11-30T17:00:00.000Z',
      cancellation: { cause: 'patient', reason: 'sms CANCEL', late: false },
    } as unknown as AppointmentDoc;
    const a = appointmentToFhir(doc);
    assert.equal(a['status'], 'cancelled');
    assert.equal(a['minutesDuration'], 45);
    assert.equal((a['cancelationReason'] as { coding: { code: string }[] }).coding[0]!.code, 'pat');
    assert.deepEqual(
      (a['participant'] as { actor: Record<string, unknown> }[]).map(
        (p) => p.actor['reference'] ?? 'patient',
      ),
      ['patient', 'Practitioner/dr-lee', 'Location/aurora'],
    );
    assert.equal(appointmentToFhir({ ...doc, status: 'no_show', cancellation: null })['status'], 'noshow');
  });
});
