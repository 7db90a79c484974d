import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import {
  coordinatorListSchema,
  coordinatorParamsSchema,
  coordinatorProfileBodySchema,
  coordinatorProfileResultSchema,
  coordinatorViewSchema,
  presenceBodySchema,
} from './coordinators.views';

/** Describes the coordinator endpoints in the process's OpenAPI document. */
@Injectable()
export class CoordinatorsOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['coordinators'];
    this.openApi.register(
      {
        method: 'put',
        path: '/api/v1/admin/coordinators/{coordinatorId}',
        summary: 'Create or change a coordinator’s routing profile',
        description:
          'Pods (which locations’ tasks they are offered), languages and service lines (skills routing ' +
          'matches), and scheduling authority. The id is the `sub` of the coordinator’s token. A new ' +
          'coordinator starts `offline`. The same profile again is a no-op answering the same version.',
        tags,
        security: 'bearer',
        roles: ['admin'],
        params: coordinatorParamsSchema,
        body: coordinatorProfileBodySchema,
        responses: {
          200: { description: 'The profile version now current', schema: coordinatorProfileResultSchema },
        },
      },
      {
        method: 'get',
        path: '/api/v1/coordinators',
        summary: 'Coordinators in the caller’s view',
        description: 'admin and supervisor: all; coordinator: those sharing one of its pods (and itself).',
        tags,
        security: 'bearer',
        roles: ['admin', 'supervisor', 'coordinator'],
        responses: { 200: { description: 'Coordinators', schema: coordinatorListSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/coordinators/{coordinatorId}',
        summary: 'One coordinator: presence, the offer it holds, the tasks it works',
        description:
          'A coordinator polls this for its offer (`offer.taskId`, `offer.offerId`, `offer.expiresAt`) and ' +
          'answers it with `POST /api/v1/tasks/{taskId}/accept` or `/decline`. Outside the caller’s view: 404.',
        tags,
        security: 'bearer',
        roles: ['admin', 'supervisor', 'coordinator'],
        params: coordinatorParamsSchema,
        responses: {
          200: { description: 'The coordinator', schema: coordinatorViewSchema },
          404: { description: '`coordinator_not_found`', schema: 'error' },
        },
      },
      {
        method: 'put',
        path: '/api/v1/coordinators/{coordinatorId}/presence',
        summary: 'Set presence: available, away or offline',
        description:
          'The coordinator itself, a supervisor or an admin (another coordinator: 403). `busy` follows from ' +
          'accepting or claiming a task and `wrap_up` from finishing one (for ROUTING_WRAP_UP_SECONDS, then ' +
          '`available`); they cannot be set by hand (422 `presence_not_manual`). Going away or offline ' +
          'cancels a pending offer. Only `available` coordinators are offered tasks, one offer at a time.',
        tags,
        security: 'bearer',
        roles: ['admin', 'supervisor', 'coordinator'],
        params: coordinatorParamsSchema,
        body: presenceBodySchema,
        responses: {
          200: { description: 'The coordinator after the change', schema: coordinatorViewSchema },
          404: { description: '`coordinator_not_found`', schema: 'error' },
          422: { description: '`presence_not_manual`', schema: 'error' },
        },
      },
    );
  }
}
