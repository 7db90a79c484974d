import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { Authenticated, CurrentUser, type AuthUser } from '@ringback/auth';
import { ApiError, ZodValidationPipe } from '@ringback/nest-platform';
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
  constructor(@Inject(TasksReadModel) private readonly tasks: TasksReadModel) {}

  @Get()
  async list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(taskListQuerySchema)) query: z.output<typeof taskListQuerySchema>,
  ): Promise<{ items: TaskView[] }> {
    return { items: await this.tasks.listVisibleTo(user, query) };
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
