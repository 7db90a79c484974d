import { Body, Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { Authenticated, CurrentUser, type AuthUser } from '@ringback/auth';
import { ID_GENERATOR, type IdGenerator } from '@ringback/kernel';
import {
  ZodValidationPipe,
  correlationIdOf,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import type { TaskView } from '@ringback/triage-domain';
import type { z } from 'zod';
import { TaskActionsHandler, type AttemptInfo, type TaskAction } from './task-actions.handler';
import {
  acceptHandoffBodySchema,
  acceptOfferBodySchema,
  declineOfferBodySchema,
  claimBodySchema,
  escalateBodySchema,
  recordAttemptBodySchema,
  reopenBodySchema,
  resolveBodySchema,
  unreachableBodySchema,
} from './task-actions.views';
import { taskParamsSchema } from './tasks.views';

type TaskParams = z.output<typeof taskParamsSchema>;

/**
 * Coordinator actions on a callback task, `POST /api/v1/tasks/{taskId}/<action>`. Coordinators,
 * supervisors and admins act on tasks in their scope (clinic_staff: 403); a task outside the
 * caller's scope is 403, an unknown one 404; an invalid body 400 with field details; a rule of the
 * task that refuses the action 409/422 with its code. Success: 200 with the updated task.
 */
@Controller('tasks')
@Authenticated('coordinator', 'supervisor', 'admin')
export class TaskActionsHttpController {
  constructor(
    @Inject(TaskActionsHandler) private readonly handler: TaskActionsHandler,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Post(':taskId/claim')
  @HttpCode(200)
  async claim(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(claimBodySchema)) _body: unknown,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView> {
    return this.act(user, params, { type: 'claim' }, req, res);
  }

  @Post(':taskId/accept')
  @HttpCode(200)
  async acceptOffer(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(acceptOfferBodySchema)) body: z.output<typeof acceptOfferBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView> {
    return this.act(user, params, { type: 'accept_offer', offerId: body.offerId }, req, res);
  }

  @Post(':taskId/decline')
  @HttpCode(200)
  async declineOffer(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(declineOfferBodySchema)) body: z.output<typeof declineOfferBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView> {
    return this.act(user, params, { type: 'decline_offer', ...body }, req, res);
  }

  @Post(':taskId/attempts')
  @HttpCode(200)
  async recordAttempt(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(recordAttemptBodySchema)) body: z.output<typeof recordAttemptBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView & AttemptInfo> {
    const { view, attempt } = await this.run(user, params, { type: 'attempt', ...body }, req, res);
    return {
      ...view,
      ...(attempt ?? { attemptNumber: view.attemptCount, nextAttemptAt: null, retriesExhausted: false }),
    };
  }

  @Post(':taskId/escalate')
  @HttpCode(200)
  async escalate(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(escalateBodySchema)) body: z.output<typeof escalateBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView> {
    return this.act(user, params, { type: 'escalate', ...body }, req, res);
  }

  @Post(':taskId/handoff/accept')
  @HttpCode(200)
  async acceptHandoff(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(acceptHandoffBodySchema)) body: z.output<typeof acceptHandoffBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView> {
    return this.act(
      user,
      params,
      { type: 'accept_handoff', ...(body.role ? { role: body.role } : {}) },
      req,
      res,
    );
  }

  @Post(':taskId/resolve')
  @HttpCode(200)
  async resolve(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(resolveBodySchema)) body: z.output<typeof resolveBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView> {
    return this.act(user, params, { type: 'resolve', ...body }, req, res);
  }

  @Post(':taskId/unreachable')
  @HttpCode(200)
  async markUnreachable(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(unreachableBodySchema)) body: z.output<typeof unreachableBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView> {
    return this.act(user, params, { type: 'unreachable', ...body }, req, res);
  }

  @Post(':taskId/reopen')
  @HttpCode(200)
  async reopen(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: TaskParams,
    @Body(new ZodValidationPipe(reopenBodySchema)) body: z.output<typeof reopenBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TaskView> {
    return this.act(user, params, { type: 'reopen', ...body }, req, res);
  }

  private async act(
    user: AuthUser,
    params: TaskParams,
    action: TaskAction,
    req: HttpRequest,
    res: HttpResponse,
  ): Promise<TaskView> {
    return (await this.run(user, params, action, req, res)).view;
  }

  private run(user: AuthUser, params: TaskParams, action: TaskAction, req: HttpRequest, res: HttpResponse) {
    const correlationId = correlationIdOf(req, this.ids);
    res.setHeader('X-Correlation-Id', correlationId);
    return this.handler.handle(user, params.taskId, action, correlationId);
  }
}
