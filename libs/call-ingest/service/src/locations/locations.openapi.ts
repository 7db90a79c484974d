import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { locationConfigSchema } from '@ringback/call-ingest-domain';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import { adminLocationParams } from './configure-location.http.controller';
import {
  configureLocationResultSchema,
  locationListQuerySchema,
  locationListSchema,
  locationParamsSchema,
  locationViewSchema,
} from './location.views';

/** Describes the location endpoints in the process's OpenAPI document. */
@Injectable()
export class LocationsOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['locations'];
    this.openApi.register(
      {
        method: 'put',
        path: '/api/v1/admin/locations/{locationId}',
        summary: 'Create or replace the configuration of a location',
        description:
          'The whole configuration, as a new version. A missing weekday means closed. The same configuration ' +
          'again changes nothing and answers the current version. Unknown time zone, overlapping or unordered ' +
          'intervals, bad dates, unknown fields: 400 with one detail per field. Optional `X-Correlation-Id` ' +
          'header is carried into the event (echoed back).',
        tags,
        security: 'bearer',
        roles: ['admin'],
        params: adminLocationParams,
        body: locationConfigSchema,
        responses: { 200: { description: 'The version now current', schema: configureLocationResultSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/admin/locations/{locationId}',
        summary: 'Current configuration of a location',
        tags,
        security: 'bearer',
        roles: ['admin'],
        params: locationParamsSchema,
        responses: {
          200: { description: 'The location', schema: locationViewSchema },
          404: { description: '`location_not_found`', schema: 'error' },
        },
      },
      {
        method: 'get',
        path: '/api/v1/locations',
        summary: 'Locations in the caller’s scope',
        description:
          'admin: all; supervisor: locations in its regions; coordinator: locations served by its pods; ' +
          'clinic_staff: its locations. Optional equality filters `regionId`, `podId`.',
        tags,
        security: 'bearer',
        query: locationListQuerySchema,
        responses: { 200: { description: 'Visible locations, by id', schema: locationListSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/locations/{locationId}',
        summary: 'One location in the caller’s scope',
        tags,
        security: 'bearer',
        params: locationParamsSchema,
        responses: {
          200: { description: 'The location', schema: locationViewSchema },
          404: {
            description: '`location_not_found` (also for a location outside the scope)',
            schema: 'error',
          },
        },
      },
    );
  }
}
