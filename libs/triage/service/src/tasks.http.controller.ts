import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { Authenticated, CurrentUser, type AuthUser } from '@ringback/auth';
import { CLOCK, type Clock } from '@ringback/kernel';
import { ApiError, ZodValidationPipe, type HttpResponse } from '@ringback/nest-platform';
import type { TaskView } from '@ringback/triage-domain';
import type { z } from 'zod';
import { TasksReadModel } from './tasks.read-model';
import { taskListQuerySchema, taskParamsSchema } from './tasks.views';

export const taskNotFound = (taskId: string): ApiError =>
  new ApiError(404, 'task_not_found', `Unknown task ${taskId}`, [{ taskId }]);

/** Callback tasks for any signed-in user, limited to the caller's scope (out of scope: 404). */
@Controller('tasks')
@Authenticated()
export class TasksHttpController {
  constructor(
    @Inject(TasksReadModel) private readonly tasks: TasksReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  async list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(taskListQuerySchema)) query: z.output<typeof taskListQuerySchema>,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<{ items: TaskView[]; asOf?: string }> {
    const { asOf, ...filter } = query;
    if (asOf === undefined) return { items: await this.tasks.listVisibleTo(user, filter) };
    const at = Date.parse(asOf);
    if (at > this.clock.now())
      throw new ApiError(400, 'validation_failed', 'asOf must not be in the future', [
        { path: 'asOf', message: 'not after now' },
      ]);
    const instant = new Date(at).toISOString();
    res.setHeader('X-Ringback-As-Of', instant);
    return { items: await this.tasks.listAsOf(user, at, filter), asOf: instant };
  }

  @Get(':taskId')
  async get(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: z.output<typeof taskParamsSchema>,
  ): Promise<TaskView> {
    const task = await this.tasks.getView(params.taskId, user);
    if (!task) throw taskNotFound(params.taskId);
    return task;
  }
}
