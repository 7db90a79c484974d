import { Body, Controller, Get, HttpCode, Inject, Param, Put, Req, Res } from '@nestjs/common';
import { Authenticated } from '@ringback/auth';
import {
  locationConfigSchema,
  locationIdSchema,
  type LocationConfigInput,
} from '@ringback/call-ingest-domain';
import { ID_GENERATOR, type IdGenerator } from '@ringback/kernel';
import {
  ApiError,
  ZodValidationPipe,
  correlationIdOf,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import { z } from 'zod';
import { ConfigureLocationHandler } from './configure-location.handler';
import { LocationsReadModel } from './locations.read-model';
import type { ConfigureLocationResult, LocationView } from './location.views';

export const adminLocationParams = z.object({ locationId: locationIdSchema });

export const locationNotFound = (locationId: string): ApiError =>
  new ApiError(404, 'location_not_found', `Unknown location ${locationId}`, [{ locationId }]);

/**
 * Location administration (contract "Locations (admin)"), admins only: 401 without a valid token,
 * 403 for other roles, 400 with field-level details for an invalid id or body (nothing recorded).
 */
@Controller('admin/locations')
@Authenticated('admin')
export class ConfigureLocationHttpController {
  constructor(
    @Inject(ConfigureLocationHandler) private readonly handler: ConfigureLocationHandler,
    @Inject(LocationsReadModel) private readonly locations: LocationsReadModel,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /**
   * Creates or replaces the whole configuration; answers the version now current. An identical
   * configuration again is a no-op answering the same version.
   */
  @Put(':locationId')
  @HttpCode(200)
  async configure(
    @Param(new ZodValidationPipe(adminLocationParams)) params: z.output<typeof adminLocationParams>,
    @Body(new ZodValidationPipe(locationConfigSchema)) body: z.output<typeof locationConfigSchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<ConfigureLocationResult> {
    const correlationId = correlationIdOf(req, this.ids);
    res.setHeader('X-Correlation-Id', correlationId);
    const outcome = await this.handler.handle({
      locationId: params.locationId,
      config: body satisfies LocationConfigInput,
      correlationId,
    });
    // Read-your-writes for the admin who GETs right after (bounded; the write stands regardless).
    if (outcome.position !== null) await this.locations.waitFor(outcome.position);
    return { locationId: outcome.locationId, version: outcome.version };
  }

  @Get(':locationId')
  async get(
    @Param(new ZodValidationPipe(adminLocationParams)) params: z.output<typeof adminLocationParams>,
  ): Promise<LocationView> {
    const location = await this.locations.get(params.locationId);
    if (!location) throw locationNotFound(params.locationId);
    return location;
  }
}
