import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '@ringback/nest-platform';
import { taskListQuerySchema, taskListSchema, taskParamsSchema, taskViewSchema } from './tasks.views';

/** Describes the task endpoints in the process's OpenAPI document. */
@Injectable()
export class TasksOpenApi implements OnModuleInit {
  constructor(@Inject(OPENAPI_REGISTRY) private readonly openApi: OpenApiRegistry) {}

  onModuleInit(): void {
    const tags = ['tasks'];
    this.openApi.register(
      {
        method: 'get',
        path: '/api/v1/tasks',
        summary: 'Callback tasks in the caller’s scope',
        description:
          'admin: all; supervisor: tasks of locations in its regions; coordinator: of locations served by its ' +
          'pods; clinic_staff: of its locations. Optional equality filters `locationId`, `regionId`, `status`, ' +
          '`tier` (unknown parameters or values: 400). Earliest due first. `sla.status` is computed as of the ' +
          'request.',
        tags,
        security: 'bearer',
        query: taskListQuerySchema,
        responses: { 200: { description: 'Visible tasks', schema: taskListSchema } },
      },
      {
        method: 'get',
        path: '/api/v1/tasks/{taskId}',
        summary: 'One callback task in the caller’s scope',
        tags,
        security: 'bearer',
        params: taskParamsSchema,
        responses: {
          200: { description: 'The task', schema: taskViewSchema },
          404: { description: '`task_not_found` (also for a task outside the scope)', schema: 'error' },
        },
      },
    );
  }
}
