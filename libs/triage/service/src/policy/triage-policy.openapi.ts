import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry, type OpenApiRoute } from '@ringback/nest-platform';
import {
  policyLocationParamsSchema,
  serviceLineParamsSchema,
  triagePolicyBaseBodySchema,
  triagePolicyOverrideBodySchema,
  triagePolicyRemoveBodySchema,
  triagePolicyViewSchema,
} from './triage-policy.views';

const PATH = '/api/v1/admin/triage-policy';

const CHANGE_NOTES =
  'Every change is one `TriagePolicyChanged` event carrying the next version and the whole resulting ' +
  'policy; calls triaged afterwards name that version in `triage.policyVersion`. The very first change ' +
  'records the default policy as version 1 (the version tasks triaged before name) and itself as ' +
  'version 2, in one append, so the default service-line overrides are kept. A change already in force ' +
  'records nothing and answers the current version. Optional `expectedVersion` (body) or ' +
  '`If-Match: "<version>"` (the `ETag` of every answer): a different current version is 409 ' +
  '`version_conflict`. Invalid input, including an override naming an unknown rule id, is 400 ' +
  '`validation_failed` with one detail per field, and nothing is recorded. Optional `X-Correlation-Id` ' +
  'is carried into the event (echoed back).';

/** Describes the triage-policy admin endpoints in the process's OpenAPI document. */
@Injectable()
export class TriagePolicyOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['triage-policy'];
    const ok = { 200: { description: 'The policy now in force', schema: triagePolicyViewSchema } };
    const change = (
      route: Omit<OpenApiRoute, 'tags' | 'security' | 'roles' | 'responses'>,
    ): OpenApiRoute => ({
      ...route,
      description: [route.description, CHANGE_NOTES].filter(Boolean).join(' '),
      tags,
      security: 'bearer',
      roles: ['admin'],
      responses: {
        ...ok,
        409: { description: '`version_conflict`: the policy is at another version', schema: 'error' },
      },
    });
    this.openApi.register(
      {
        method: 'get',
        path: PATH,
        summary: 'The health system’s triage policy in force',
        description:
          '`version` is that of the last recorded change; 0 (with the default policy) while none was recorded.',
        tags,
        security: 'bearer',
        roles: ['admin', 'supervisor'],
        responses: ok,
      },
      change({
        method: 'put',
        path: PATH,
        summary: 'Replace the health-system base of the triage policy',
        description:
          'Default tier, intent tiers, SLA targets, urgent handoff and the escalation matrix (phrase patterns), ' +
          'all of them; service-line and location overrides are kept.',
        body: triagePolicyBaseBodySchema,
      }),
      change({
        method: 'put',
        path: `${PATH}/service-lines/{serviceLine}`,
        summary: 'Create or replace the override of a service line',
        description:
          'Applies to calls at locations with exactly this one service line. Documentation requirements only add up.',
        params: serviceLineParamsSchema,
        body: triagePolicyOverrideBodySchema,
      }),
      change({
        method: 'delete',
        path: `${PATH}/service-lines/{serviceLine}`,
        summary: 'Remove the override of a service line',
        description:
          'Optional body `{ reason, expectedVersion }`. Removing an absent override changes nothing.',
        params: serviceLineParamsSchema,
        body: triagePolicyRemoveBodySchema,
      }),
      change({
        method: 'put',
        path: `${PATH}/locations/{locationId}`,
        summary: 'Create or replace the override of a location',
        description:
          'Applied after the service-line override, to calls at this location only. The location need not be ' +
          'configured yet.',
        params: policyLocationParamsSchema,
        body: triagePolicyOverrideBodySchema,
      }),
      change({
        method: 'delete',
        path: `${PATH}/locations/{locationId}`,
        summary: 'Remove the override of a location',
        description:
          'Optional body `{ reason, expectedVersion }`. Removing an absent override changes nothing.',
        params: policyLocationParamsSchema,
        body: triagePolicyRemoveBodySchema,
      }),
    );
  }
}
