import { LOCATION_CATEGORY, LOCATION_CONFIGURED, type LocationConfigured } from '@ringback/contracts';
import type { Projection } from '@ringback/platform-core';
import type { LocationView } from './location.views';

export const LOCATIONS_COLLECTION = 'locations';

export type LocationDoc = LocationView & { id: string };

/**
 * The `locations` read model: the current configuration of every location, one document per
 * location (id = locationId). Each LocationConfigured carries the whole configuration, so a
 * document is simply the latest one; the store's position guard keeps replays harmless.
 */
export const locationsProjection: Projection = {
  id: 'locations',
  version: 1,
  collections: [LOCATIONS_COLLECTION],
  categories: [LOCATION_CATEGORY],
  eventTypes: [LOCATION_CONFIGURED],
  async handle(event, position) {
    if (event.type !== LOCATION_CONFIGURED) return [];
    const { data, occurredAt } = event as LocationConfigured;
    const doc: LocationDoc = {
      id: data.locationId,
      locationId: data.locationId,
      name: data.name,
      regionId: data.regionId,
      podId: data.podId,
      timezone: data.timezone,
      hours: data.hours,
      holidays: data.holidays,
      serviceLines: data.serviceLines,
      version: data.version,
      updatedAt: occurredAt,
    };
    return [{ kind: 'upsert', collection: LOCATIONS_COLLECTION, doc, position }];
  },
};
