import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError, deciderSpec } from '@ringback/kernel';
import {
  appointmentTypeDecider,
  providerDecider,
  type ConfigureProvider,
  type ProviderSpec,
} from './catalog.decider';

const at = '2026-11-30T17:00:00.000Z';
const none = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
const provider: ProviderSpec = {
  providerId: 'dr-lee',
  name: 'Dr. Lee',
  locationId: 'aurora',
  serviceLine: 'primary_care',
  weekly: {
    ...none,
    tue: [
      { start: '08:00', end: '12:00', slotMinutes: 30, appointmentTypeIds: ['new-visit'], protected: false },
    ],
  },
};
const configure = (spec: ProviderSpec, over: Partial<ConfigureProvider['data']> = {}): ConfigureProvider => ({
  type: 'ConfigureProvider',
  data: { spec, knownAppointmentTypeIds: ['new-visit'], locationKnown: true, by: 'root', at, ...over },
});
const code = (o: { error?: unknown }) => (o.error instanceof DomainError ? o.error.code : String(o.error));

describe('appointment types', () => {
  const spec = deciderSpec(appointmentTypeDecider);
  const type = {
    appointmentTypeId: 'new-visit',
    name: 'New visit',
    durationMinutes: 30,
    newPatientAllowed: true,
    serviceLine: 'primary_care',
  };
  const first = appointmentTypeDecider.decide(
    { type: 'ConfigureAppointmentType', data: { spec: type, by: 'root', at } },
    appointmentTypeDecider.initialState(),
  );

  it('versions each change; the same configuration again decides nothing', () => {
    assert.equal(first[0]!.data.version, 1);
    spec
      .given(first)
      .when({ type: 'ConfigureAppointmentType', data: { spec: type, by: 'root', at } })
      .then((o) => assert.deepEqual(o.events, []));
    spec
      .given(first)
      .when({
        type: 'ConfigureAppointmentType',
        data: { spec: { ...type, durationMinutes: 45 }, by: 'root', at },
      })
      .then((o) => assert.equal(o.events?.[0]?.data.version, 2));
  });
});

describe('providers and their templates', () => {
  const spec = deciderSpec(providerDecider);

  it('gives every template version its own id', () => {
    spec
      .given([])
      .when(configure(provider))
      .then((o) =>
        assert.deepEqual(
          o.events?.map((e) => [e.data.version, e.data.templateId]),
          [[1, 'dr-lee.v1']],
        ),
      );
    const first = providerDecider.decide(configure(provider), providerDecider.initialState());
    spec
      .given(first)
      .when(configure(provider))
      .then((o) => assert.deepEqual(o.events, []));
    spec
      .given(first)
      .when(configure({ ...provider, name: 'Dr. Lee, MD' }))
      .then((o) =>
        assert.deepEqual(
          o.events?.map((e) => e.data.templateId),
          ['dr-lee.v2'],
        ),
      );
  });

  it('refuses an unknown location, overlapping intervals, intervals too short for a slot and unknown types', () => {
    spec
      .given([])
      .when(configure(provider, { locationKnown: false }))
      .then((o) => assert.equal(code(o), 'location_not_found'));
    const bad: ProviderSpec = {
      ...provider,
      weekly: {
        ...none,
        mon: [
          {
            start: '08:00',
            end: '10:00',
            slotMinutes: 30,
            appointmentTypeIds: ['new-visit'],
            protected: false,
          },
          {
            start: '09:30',
            end: '09:50',
            slotMinutes: 30,
            appointmentTypeIds: ['surgery'],
            protected: false,
          },
        ],
      },
    };
    spec
      .given([])
      .when(configure(bad))
      .then((o) => {
        assert.equal(code(o), 'invalid_template');
        const details = (o.error as DomainError).details as { path: string; message: string }[];
        assert.deepEqual(details.map((d) => d.path).sort(), [
          'weekly.mon.0',
          'weekly.mon.1',
          'weekly.mon.1.appointmentTypeIds',
        ]);
      });
  });
});
