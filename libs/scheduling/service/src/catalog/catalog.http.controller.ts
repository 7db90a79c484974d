import { Body, Controller, Get, HttpCode, Inject, Param, Put, Query, Req } from '@nestjs/common';
import { Authenticated, CurrentUser, canRead, type AuthUser } from '@ringback/auth';
import { WEEKDAYS } from '@ringback/contracts';
import { ID_GENERATOR, type IdGenerator } from '@ringback/kernel';
import { ApiError, ZodValidationPipe, correlationIdOf, type HttpRequest } from '@ringback/nest-platform';
import type { z } from 'zod';
import {
  appointmentTypeBodySchema,
  appointmentTypeParamsSchema,
  appointmentTypeView,
  providerBodySchema,
  providerListQuerySchema,
  providerParamsSchema,
  providerView,
} from '../scheduling.views';
import { ConfigureCatalogHandler } from './configure-catalog.handler';
import { SchedulingCatalog } from './scheduling-catalog';

export const providerNotFound = (providerId: string): ApiError =>
  new ApiError(404, 'provider_not_found', `Unknown provider ${providerId}`, [{ providerId }]);

/** Admin configuration of what can be booked: appointment types, providers and their templates. */
@Controller('admin')
@Authenticated('admin')
export class SchedulingAdminHttpController {
  constructor(
    @Inject(ConfigureCatalogHandler) private readonly handler: ConfigureCatalogHandler,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Put('appointment-types/:appointmentTypeId')
  @HttpCode(200)
  async appointmentType(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(appointmentTypeParamsSchema))
    params: z.output<typeof appointmentTypeParamsSchema>,
    @Body(new ZodValidationPipe(appointmentTypeBodySchema)) body: z.output<typeof appointmentTypeBodySchema>,
    @Req() req: HttpRequest,
  ): Promise<{ id: string; version: number }> {
    const outcome = await this.handler.appointmentType(
      { appointmentTypeId: params.appointmentTypeId, ...body },
      user.sub,
      correlationIdOf(req, this.ids),
    );
    return { id: params.appointmentTypeId, version: outcome.version };
  }

  @Put('providers/:providerId')
  @HttpCode(200)
  async provider(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(providerParamsSchema)) params: z.output<typeof providerParamsSchema>,
    @Body(new ZodValidationPipe(providerBodySchema)) body: z.output<typeof providerBodySchema>,
    @Req() req: HttpRequest,
  ): Promise<{ id: string; version: number }> {
    const weekly = Object.fromEntries(WEEKDAYS.map((d) => [d, body.weekly[d] ?? []])) as Record<
      (typeof WEEKDAYS)[number],
      NonNullable<(typeof body.weekly)['mon']>
    >;
    const outcome = await this.handler.provider(
      {
        providerId: params.providerId,
        name: body.name,
        locationId: body.locationId,
        serviceLine: body.serviceLine,
        weekly,
      },
      user.sub,
      correlationIdOf(req, this.ids),
    );
    return { id: params.providerId, version: outcome.version };
  }
}

/** The catalogue for everyone who books: appointment types, and providers in the caller's scope. */
@Controller()
@Authenticated()
export class SchedulingCatalogHttpController {
  constructor(@Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog) {}

  @Get('appointment-types')
  async appointmentTypes() {
    return { items: (await this.catalog.appointmentTypes()).map(appointmentTypeView) };
  }

  @Get('providers')
  async providers(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(providerListQuerySchema)) query: z.output<typeof providerListQuerySchema>,
  ) {
    const providers = await this.catalog.providers(query);
    const locations = await this.catalog.locations([...new Set(providers.map((p) => p.locationId))]);
    return {
      items: providers
        .filter((p) => {
          const l = locations.get(p.locationId);
          return l !== undefined && canRead(user, l);
        })
        .map(providerView),
    };
  }

  @Get('providers/:providerId')
  async provider(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(providerParamsSchema)) params: z.output<typeof providerParamsSchema>,
  ) {
    const provider = await this.catalog.provider(params.providerId);
    const location = provider ? await this.catalog.location(provider.locationId) : null;
    if (!provider || !location || !canRead(user, location)) throw providerNotFound(params.providerId);
    return providerView(provider);
  }
}
