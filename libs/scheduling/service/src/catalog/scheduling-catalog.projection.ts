import {
  APPOINTMENT_TYPE_CATEGORY,
  COORDINATOR_CATEGORY,
  LOCATION_CATEGORY,
  LOCATION_CONFIGURED,
  PROVIDER_CATEGORY,
  type AppointmentTypeConfiguredV1,
  type CoordinatorProfileSetV1,
  type LocationConfiguredData,
  type ProviderConfiguredV1,
} from '@ringback/contracts';
import type { Projection } from '@ringback/platform-core';

export const APPOINTMENT_TYPES_COLLECTION = 'scheduling_appointment_types';
export const PROVIDERS_COLLECTION = 'scheduling_providers';
export const SCHEDULING_LOCATIONS_COLLECTION = 'scheduling_locations';
export const SCHEDULING_COORDINATORS_COLLECTION = 'scheduling_coordinators';

export type AppointmentTypeDoc = { id: string } & Omit<AppointmentTypeConfiguredV1, 'configuredBy'>;
export type ProviderDoc = { id: string } & Omit<ProviderConfiguredV1, 'configuredBy'>;
/** What scheduling needs of a location: its zone and holidays (slots), region and pod (scope). */
export type SchedulingLocationDoc = {
  id: string;
  locationId: string;
  name: string;
  regionId: string;
  podId: string;
  timezone: string;
  holidays: string[];
};
/** A coordinator's own scheduling authority (appointment types booked directly). */
export type SchedulingCoordinatorDoc = {
  id: string;
  coordinatorId: string;
  schedulingAuthority: string[];
  podIds: string[];
};

/**
 * The scheduling catalogue read models: appointment types and providers (its own streams), and the
 * parts of locations and coordinator profiles that scheduling decides with, from their contract
 * events (never from another service's read model).
 */
export const schedulingCatalogProjection: Projection = {
  id: 'scheduling-catalog',
  version: 1,
  collections: [
    APPOINTMENT_TYPES_COLLECTION,
    PROVIDERS_COLLECTION,
    SCHEDULING_LOCATIONS_COLLECTION,
    SCHEDULING_COORDINATORS_COLLECTION,
  ],
  categories: [APPOINTMENT_TYPE_CATEGORY, PROVIDER_CATEGORY, LOCATION_CATEGORY, COORDINATOR_CATEGORY],
  eventTypes: [
    'AppointmentTypeConfigured',
    'ProviderConfigured',
    LOCATION_CONFIGURED,
    'CoordinatorProfileSet',
  ],
  async handle(event, position) {
    switch (event.type) {
      case 'AppointmentTypeConfigured': {
        const { configuredBy: _b, ...d } = event.data as AppointmentTypeConfiguredV1;
        return [
          {
            kind: 'upsert',
            collection: APPOINTMENT_TYPES_COLLECTION,
            doc: { id: d.appointmentTypeId, ...d },
            position,
          },
        ];
      }
      case 'ProviderConfigured': {
        const { configuredBy: _b, ...d } = event.data as ProviderConfiguredV1;
        const doc: ProviderDoc = { id: d.providerId, ...d };
        return [{ kind: 'upsert', collection: PROVIDERS_COLLECTION, doc, position }];
      }
      case LOCATION_CONFIGURED: {
        const d = event.data as LocationConfiguredData;
        const doc: SchedulingLocationDoc = {
          id: d.locationId,
          locationId: d.locationId,
          name: d.name,
          regionId: d.regionId,
          podId: d.podId,
          timezone: d.timezone,
          holidays: [...d.holidays],
        };
        return [{ kind: 'upsert', collection: SCHEDULING_LOCATIONS_COLLECTION, doc, position }];
      }
      case 'CoordinatorProfileSet': {
        const d = event.data as CoordinatorProfileSetV1;
        const doc: SchedulingCoordinatorDoc = {
          id: d.coordinatorId,
          coordinatorId: d.coordinatorId,
          schedulingAuthority: [...d.schedulingAuthority],
          podIds: [...d.podIds],
        };
        return [{ kind: 'upsert', collection: SCHEDULING_COORDINATORS_COLLECTION, doc, position }];
      }
      default:
        return [];
    }
  },
};
