import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError, deciderSpec } from '@ringback/kernel';
import {
  configureLocationDecider,
  type ConfigureLocation,
  type LocationConfiguredEvent,
} from './configure-location.decider';
import type { LocationConfigInput } from './location-config';

const aurora: LocationConfigInput = {
  name: 'Aurora Family Medicine',
  regionId: 'west',
  podId: 'pod-mountain',
  timezone: 'America/Denver',
  hours: {
    mon: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    tue: [['08:00', '17:00']],
    wed: [],
    thu: [],
    fri: [],
    sat: [],
    sun: [],
  },
  holidays: ['2026-12-25'],
  serviceLines: ['primary_care'],
};

let n = 0;
const configure = (config: unknown, locationId = 'aurora'): ConfigureLocation => {
  n += 1;
  return {
    type: 'ConfigureLocation',
    locationId,
    config,
    stamp: {
      eventId: `0193b2a0-1c2d-7e3f-8a4b-${String(n).padStart(12, '0')}`,
      at: '2026-11-23T18:50:00.000Z',
      correlationId: `corr-${n}`,
      causationId: null,
      traceparent: null,
    },
  };
};

/** The event the decider emits for `config` as version `version` (what the store would hold). */
function configured(config: unknown, version: number): LocationConfiguredEvent {
  const [event] = configureLocationDecider.decide(configure(config), {
    version: version - 1,
    config: null,
  });
  assert.ok(event);
  return event;
}

const spec = deciderSpec(configureLocationDecider);

describe('configure-location decider', () => {
  it('given no history, configuring a location emits LocationConfigured version 1 in canonical form', () => {
    const command = configure(aurora);
    spec
      .given([])
      .when(command)
      .then(({ events, error }) => {
        assert.equal(error, undefined);
        assert.equal(events?.length, 1);
        const [e] = events!;
        assert.equal(e?.type, 'LocationConfigured');
        assert.equal(e?.schemaVersion, 1);
        assert.equal(e?.streamId, 'location-aurora');
        assert.equal(e?.locationId, 'aurora');
        assert.equal(e?.eventId, command.stamp.eventId);
        assert.equal(e?.occurredAt, '2026-11-23T18:50:00.000Z');
        assert.equal(e?.correlationId, command.stamp.correlationId);
        assert.deepEqual(e?.data, {
          locationId: 'aurora',
          name: 'Aurora Family Medicine',
          regionId: 'west',
          podId: 'pod-mountain',
          timezone: 'America/Denver',
          hours: {
            mon: [
              ['08:00', '12:00'],
              ['13:00', '17:00'],
            ],
            tue: [['08:00', '17:00']],
            wed: [],
            thu: [],
            fri: [],
            sat: [],
            sun: [],
          },
          holidays: ['2026-12-25'],
          serviceLines: ['primary_care'],
          version: 1,
        });
      });
  });

  it('given version 1, an identical configuration decides nothing (idempotent PUT)', () => {
    spec
      .given([configured(aurora, 1)])
      .when(configure(structuredClone(aurora)))
      .then(({ events, error }) => {
        assert.equal(error, undefined);
        assert.deepEqual(events, []);
      });
  });

  it('treats missing weekdays as closed and set order of holidays/service lines as irrelevant', () => {
    const sparse = {
      ...aurora,
      hours: { tue: aurora.hours.tue, mon: aurora.hours.mon },
      holidays: ['2026-12-25', '2026-12-25'],
    };
    spec
      .given([configured(aurora, 1)])
      .when(configure(sparse))
      .then(({ events }) => assert.deepEqual(events, []));
    const a = configured({ ...aurora, holidays: ['2026-12-25', '2026-01-01'] }, 1);
    spec
      .given([a])
      .when(configure({ ...aurora, holidays: ['2026-01-01', '2026-12-25'] }))
      .then(({ events }) => assert.deepEqual(events, []));
  });

  it('given version n, a changed configuration emits version n + 1 with the whole new configuration', () => {
    const v1 = configured(aurora, 1);
    const v2 = configured({ ...aurora, name: 'Aurora Family Medicine (Main)' }, 2);
    spec
      .given([v1, v2])
      .when(configure({ ...aurora, hours: { ...aurora.hours, wed: [['09:00', '12:00']] } }))
      .then(({ events }) => {
        assert.equal(events?.length, 1);
        assert.equal(events?.[0]?.data.version, 3);
        assert.deepEqual(events?.[0]?.data.hours.wed, [['09:00', '12:00']]);
        assert.equal(events?.[0]?.data.name, 'Aurora Family Medicine');
      });
  });

  it('going back to an earlier configuration is a change too (a new version, never a rewrite)', () => {
    const v1 = configured(aurora, 1);
    const v2 = configured({ ...aurora, podId: 'pod-plains' }, 2);
    spec
      .given([v1, v2])
      .when(configure(aurora))
      .then(({ events }) => assert.equal(events?.[0]?.data.version, 3));
  });

  const invalid: { name: string; config: unknown; field: string }[] = [
    { name: 'unknown time zone', config: { ...aurora, timezone: 'Mars/Olympus' }, field: 'timezone' },
    {
      name: 'overlapping intervals',
      config: {
        ...aurora,
        hours: {
          mon: [
            ['08:00', '12:00'],
            ['11:00', '17:00'],
          ],
        },
      },
      field: 'hours.mon.1',
    },
    {
      name: 'unordered intervals',
      config: {
        ...aurora,
        hours: {
          mon: [
            ['13:00', '17:00'],
            ['08:00', '12:00'],
          ],
        },
      },
      field: 'hours.mon.1',
    },
    {
      name: 'end before start',
      config: { ...aurora, hours: { tue: [['17:00', '08:00']] } },
      field: 'hours.tue.0',
    },
    { name: 'bad time', config: { ...aurora, hours: { tue: [['8am', '17:00']] } }, field: 'hours.tue.0.0' },
    { name: 'unknown weekday', config: { ...aurora, hours: { funday: [] } }, field: 'hours' },
    { name: 'impossible date', config: { ...aurora, holidays: ['2026-02-30'] }, field: 'holidays.0' },
    { name: 'not a date', config: { ...aurora, holidays: ['Christmas'] }, field: 'holidays.0' },
    { name: 'missing name', config: { ...aurora, name: ' ' }, field: 'name' },
    { name: 'missing region', config: { ...aurora, regionId: undefined }, field: 'regionId' },
    { name: 'unknown field', config: { ...aurora, holiday: ['2026-12-25'] }, field: '' },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name} with a DomainError naming ${c.field || 'the body'} and no event`, () => {
      spec
        .given([configured(aurora, 1)])
        .when(configure(c.config))
        .then(({ events, error }) => {
          assert.equal(events, undefined);
          assert.ok(error instanceof DomainError, String(error));
          assert.equal(error.code, 'invalid_location_config');
          const fields = (error.details as { field: string }[]).map((d) => d.field);
          assert.ok(fields.includes(c.field), `${JSON.stringify(fields)} should include ${c.field}`);
        });
    });
  }

  it('rejects a location id that cannot be a stream id', () => {
    spec
      .given([])
      .when(configure(aurora, 'has space'))
      .then(({ error }) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.code, 'invalid_location_config');
      });
  });
});
