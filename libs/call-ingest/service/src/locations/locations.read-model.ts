import { Inject, Injectable } from '@nestjs/common';
import { canRead, type AuthUser } from '@ringback/auth';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import { LOCATIONS_COLLECTION, locationsProjection, type LocationDoc } from './locations.projection';
import type { LocationView } from './location.views';

const toView = ({ id: _id, ...view }: LocationDoc): LocationView => view;

/** Reads of the `locations` read model. */
@Injectable()
export class LocationsReadModel {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  async get(locationId: string): Promise<LocationView | null> {
    const doc = await this.readModels.get<LocationDoc>(LOCATIONS_COLLECTION, locationId);
    return doc ? toView(doc) : null;
  }

  /** Locations `user` may see, optionally narrowed by region or pod, ordered by id. */
  async listVisibleTo(
    user: AuthUser,
    filter: { regionId?: string; podId?: string } = {},
  ): Promise<LocationView[]> {
    const equality: Record<string, unknown> = {};
    if (filter.regionId) equality['regionId'] = filter.regionId;
    if (filter.podId) equality['podId'] = filter.podId;
    const docs = await this.readModels.find<LocationDoc>(LOCATIONS_COLLECTION, equality, {
      sort: { field: 'id', direction: 1 },
    });
    return docs.filter((doc) => canRead(user, doc)).map(toView);
  }

  /**
   * Waits (at most `timeoutMs`) until the projection has stored everything up to `position`, so an
   * admin who reads right after a PUT sees it. Best effort: on timeout the write still stands.
   */
  async waitFor(position: bigint, timeoutMs = 1_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const checkpoint = await this.readModels.getCheckpoint(locationsProjection.id);
      if (checkpoint && checkpoint.position >= position) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
