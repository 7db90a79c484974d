import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { Authenticated, CurrentUser, assertCanRead, type AuthUser } from '@ringback/auth';
import { ZodValidationPipe } from '@ringback/nest-platform';
import type { z } from 'zod';
import { adminLocationParams, locationNotFound } from './configure-location.http.controller';
import { LocationsReadModel } from './locations.read-model';
import { locationListQuerySchema, type LocationView } from './location.views';

/** Locations for any signed-in user, limited to the caller's scope (out of scope: 404). */
@Controller('locations')
@Authenticated()
export class LocationsHttpController {
  constructor(@Inject(LocationsReadModel) private readonly locations: LocationsReadModel) {}

  @Get()
  async list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(locationListQuerySchema)) query: z.output<typeof locationListQuerySchema>,
  ): Promise<{ items: LocationView[] }> {
    return { items: await this.locations.listVisibleTo(user, query) };
  }

  @Get(':locationId')
  async get(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(adminLocationParams)) params: z.output<typeof adminLocationParams>,
  ): Promise<LocationView> {
    const location = await this.locations.get(params.locationId);
    if (!location) throw locationNotFound(params.locationId);
    assertCanRead(user, location, () => locationNotFound(params.locationId));
    return location;
  }
}
