import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import {
  acknowledgeBodySchema,
  alertListQuerySchema,
  alertListSchema,
  alertParamsSchema,
  alertViewSchema,
} from './sla-alerts.http.controller';

/** Describes the supervisor alert endpoints in the process's OpenAPI document. */
@Injectable()
export class SlaAlertsOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['alerts'];
    this.openApi.register(
      {
        method: 'get',
        path: '/api/v1/alerts',
        summary: 'Supervisor alerts: SLA breaches in the caller’s scope, newest first',
        description:
          'One alert per breach (task and clock version). `active`: not acknowledged and the task still open; ' +
          '`acknowledged`: a supervisor took it; `cleared`: the task closed or its clock stopped first. ' +
          'Optional equality filters `state`, `regionId`, `locationId`. Scope as for tasks.',
        tags,
        security: 'bearer',
        query: alertListQuerySchema,
        responses: { 200: { description: 'Alerts', schema: alertListSchema } },
      },
      {
        method: 'post',
        path: '/api/v1/alerts/{alertId}/acknowledge',
        summary: 'Acknowledge an alert',
        description:
          'Supervisors and admins, in scope (outside it: 403; unknown: 404 `alert_not_found`). Optional `note`. ' +
          'Acknowledging again is a no-op: the first acknowledgement stands.',
        tags,
        security: 'bearer',
        roles: ['supervisor', 'admin'],
        params: alertParamsSchema,
        body: acknowledgeBodySchema,
        responses: {
          200: { description: 'The alert', schema: alertViewSchema },
          404: { description: '`alert_not_found`', schema: 'error' },
        },
      },
    );
  }
}
