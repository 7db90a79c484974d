import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Req, Res } from '@nestjs/common';
import { Authenticated, CurrentUser, type AuthUser } from '@ringback/auth';
import { ID_GENERATOR, type IdGenerator } from '@ringback/kernel';
import {
  RequestValidationError,
  ZodValidationPipe,
  correlationIdOf,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import type { z } from 'zod';
import {
  ConfigureTriagePolicyHandler,
  type TriagePolicyChange,
  type TriagePolicyView,
} from './configure-triage-policy.handler';
import {
  policyLocationParamsSchema,
  serviceLineParamsSchema,
  triagePolicyBaseBodySchema,
  triagePolicyOverrideBodySchema,
  triagePolicyRemoveBodySchema,
} from './triage-policy.views';

const IF_MATCH = /^(?:W\/)?"?(\d{1,9})"?$/;

const headerValue = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

const badIfMatch = (message: string) =>
  new RequestValidationError([{ field: 'If-Match', in: 'header', code: 'invalid_if_match', message }]);

/**
 * The version a change is checked against: the body's `expectedVersion` and/or an `If-Match` header
 * holding a version (`3`, `"3"`, `W/"3"`, as the ETag of every answer says); `*` checks nothing.
 * A malformed header, or one that disagrees with the body, is a 400.
 */
export function expectedVersionOf(
  bodyVersion: number | undefined,
  ifMatch: string | string[] | undefined,
): number | undefined {
  const header = headerValue(ifMatch);
  if (header === undefined || header === '*') return bodyVersion;
  const match = IF_MATCH.exec(header);
  if (!match) throw badIfMatch('If-Match must be a policy version, e.g. "3"');
  const version = Number(match[1]);
  if (bodyVersion !== undefined && bodyVersion !== version)
    throw badIfMatch(`If-Match ${version} disagrees with expectedVersion ${bodyVersion}`);
  return version;
}

type BaseBody = z.output<typeof triagePolicyBaseBodySchema>;
type OverrideBody = z.output<typeof triagePolicyOverrideBodySchema>;
type RemoveBody = z.output<typeof triagePolicyRemoveBodySchema>;

/**
 * Triage-policy administration, `/api/v1/admin/triage-policy`: admins change it (supervisors may
 * read it), every change a `TriagePolicyChanged` event with the next version. 401 without a valid
 * token, 403 for other roles, 400 `validation_failed` with field details for invalid input (nothing
 * recorded), 409 `version_conflict` for a stale `expectedVersion` / `If-Match`. Every answer is
 * `{ policyId, version, policy }` with `ETag: "<version>"`; a change already in force answers 200
 * with the current version and records nothing.
 */
@Controller('admin/triage-policy')
export class TriagePolicyHttpController {
  constructor(
    @Inject(ConfigureTriagePolicyHandler) private readonly handler: ConfigureTriagePolicyHandler,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Get()
  @Authenticated('admin', 'supervisor')
  async get(@Res({ passthrough: true }) res: HttpResponse): Promise<TriagePolicyView> {
    const view = await this.handler.current();
    res.setHeader('ETag', `"${view.version}"`);
    return view;
  }

  /** Replaces the health-system base; service-line and location overrides are kept. */
  @Put()
  @HttpCode(200)
  @Authenticated('admin')
  async putBase(
    @CurrentUser() user: AuthUser,
    @Body(new ZodValidationPipe(triagePolicyBaseBodySchema)) body: BaseBody,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TriagePolicyView> {
    const { reason, expectedVersion, ...base } = body;
    return this.change(user, { scope: 'health_system', base }, { reason, expectedVersion }, req, res);
  }

  @Put('service-lines/:serviceLine')
  @HttpCode(200)
  @Authenticated('admin')
  async putServiceLine(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(serviceLineParamsSchema)) params: z.output<typeof serviceLineParamsSchema>,
    @Body(new ZodValidationPipe(triagePolicyOverrideBodySchema)) body: OverrideBody,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TriagePolicyView> {
    const { reason, expectedVersion, ...override } = body;
    return this.change(
      user,
      { scope: 'service_line', serviceLine: params.serviceLine, override },
      { reason, expectedVersion },
      req,
      res,
    );
  }

  @Delete('service-lines/:serviceLine')
  @HttpCode(200)
  @Authenticated('admin')
  async deleteServiceLine(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(serviceLineParamsSchema)) params: z.output<typeof serviceLineParamsSchema>,
    @Body(new ZodValidationPipe(triagePolicyRemoveBodySchema)) body: RemoveBody,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TriagePolicyView> {
    return this.change(
      user,
      { scope: 'service_line', serviceLine: params.serviceLine, override: null },
      body,
      req,
      res,
    );
  }

  @Put('locations/:locationId')
  @HttpCode(200)
  @Authenticated('admin')
  async putLocation(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(policyLocationParamsSchema))
    params: z.output<typeof policyLocationParamsSchema>,
    @Body(new ZodValidationPipe(triagePolicyOverrideBodySchema)) body: OverrideBody,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TriagePolicyView> {
    const { reason, expectedVersion, ...override } = body;
    return this.change(
      user,
      { scope: 'location', locationId: params.locationId, override },
      { reason, expectedVersion },
      req,
      res,
    );
  }

  @Delete('locations/:locationId')
  @HttpCode(200)
  @Authenticated('admin')
  async deleteLocation(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(policyLocationParamsSchema))
    params: z.output<typeof policyLocationParamsSchema>,
    @Body(new ZodValidationPipe(triagePolicyRemoveBodySchema)) body: RemoveBody,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TriagePolicyView> {
    return this.change(
      user,
      { scope: 'location', locationId: params.locationId, override: null },
      body,
      req,
      res,
    );
  }

  private async change(
    user: AuthUser,
    change: TriagePolicyChange,
    meta: { reason?: string | undefined; expectedVersion?: number | undefined },
    req: HttpRequest,
    res: HttpResponse,
  ): Promise<TriagePolicyView> {
    const correlationId = correlationIdOf(req, this.ids);
    res.setHeader('X-Correlation-Id', correlationId);
    const expectedVersion = expectedVersionOf(meta.expectedVersion, req.headers['if-match']);
    const outcome = await this.handler.handle({
      change,
      changedBy: user.sub,
      reason: meta.reason ?? null,
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
      correlationId,
    });
    res.setHeader('ETag', `"${outcome.version}"`);
    return { policyId: outcome.policyId, version: outcome.version, policy: outcome.policy };
  }
}
