import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  OPENAPI_REGISTRY,
  type OpenApiRegistry,
  type OpenApiResponse,
  type OpenApiRoute,
} from '@ringback/nest-platform';
import {
  acceptHandoffBodySchema,
  acceptOfferBodySchema,
  declineOfferBodySchema,
  attemptResultSchema,
  escalateBodySchema,
  recordAttemptBodySchema,
  reopenBodySchema,
  resolveBodySchema,
  unreachableBodySchema,
} from './task-actions.views';
import { taskContactSchema } from './task-contact.http.controller';
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
          'request. With `asOf` (ISO-8601, not in the future) the answer is the tasks as they stood at that ' +
          'instant, replayed from the event store, with `asOf` echoed in the body and `X-Ringback-As-Of`.',
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

    this.openApi.register({
      method: 'get',
      path: '/api/v1/tasks/{taskId}/contact',
      summary: 'Who to call back: caller name, number, language, preferred window, transcripts',
      description:
        'Protected health information, need to know: the coordinator the task is offered or assigned to, and ' +
        'supervisors and admins in scope. Other roles in scope: 403; outside the scope: 404. `Cache-Control: no-store`.',
      tags,
      security: 'bearer',
      params: taskParamsSchema,
      responses: {
        200: { description: 'The caller’s contact details', schema: taskContactSchema },
        403: { description: 'Not working this task', schema: 'error' },
        404: { description: '`task_not_found`', schema: 'error' },
      },
    });

    const roles = ['coordinator', 'supervisor', 'admin'];
    const action = (
      path: string,
      summary: string,
      body: OpenApiRoute['body'],
      extra: Record<number, OpenApiResponse> = {},
      description = '',
    ): OpenApiRoute => ({
      method: 'post',
      path: `/api/v1/tasks/{taskId}/${path}`,
      summary,
      description: [
        description,
        "The actor is the token's `sub`. Coordinators, supervisors and admins act on tasks in their scope " +
          '(clinic_staff, or a task outside the scope: 403 `forbidden`). A task rule that refuses the action ' +
          'answers 409 (state conflicts such as `already_resolved`) or 422 (`clinical_handoff_required`, ' +
          '`task_not_assigned`, `not_assignee`, ...) with its code.',
      ]
        .filter(Boolean)
        .join(' '),
      tags,
      security: 'bearer',
      roles,
      params: taskParamsSchema,
      ...(body ? { body } : {}),
      responses: {
        200: { description: 'The updated task', schema: taskViewSchema },
        404: { description: '`task_not_found`', schema: 'error' },
        409: { description: 'The task’s state conflicts with the action', schema: 'error' },
        422: { description: 'A task rule refuses the action', schema: 'error' },
        ...extra,
      },
    });
    this.openApi.register(
      action('claim', 'Claim a task (status `assigned`, assignee = caller)', undefined),
      action(
        'accept',
        'Accept the offer of a task (status `assigned`, assignee = caller)',
        acceptOfferBodySchema,
        {},
        'Routing offers a waiting task to one free coordinator at a time (see `GET /api/v1/coordinators/{id}`, ' +
          '`offer`); only that coordinator accepts it, before `expiresAt` (`offer_expired`, `offer_not_pending`). ' +
          'The offered coordinator may act on the task even when it belongs to another pod (overflow).',
      ),
      action(
        'decline',
        'Decline the offer of a task (it goes to someone else)',
        declineOfferBodySchema,
        {},
        'Only the offered coordinator declines; routing does not offer the task to them again until it is requeued.',
      ),
      action(
        'attempts',
        'Record a callback attempt',
        recordAttemptBodySchema,
        {
          200: {
            description: 'The updated task with the attempt number, next attempt time and retry state',
            schema: attemptResultSchema,
          },
        },
        'Only the assignee records attempts. A failed retryable outcome (`no_answer`, `voicemail_left`, ' +
          '`voicemail_full`, `busy`) gets `nextAttemptAt` from the retry policy: 1st failure +15 min, 2nd +2 h, ' +
          '3rd the next business morning at the location, moved into the preferred window when still ahead, ' +
          'never in quiet hours (21:00–08:00 location time); the task then goes back to the queue (status `open`, ' +
          'no assignee) and routing offers it again from `nextAttemptAt`. The 3rd failure exhausts the retry ' +
          'policy: the task closes as `unreachable` with the `followUp` channel (default sms), except a Tier 1 task ' +
          'without an accepted clinical handoff, whose retries go on. After a `wrong_number` `retriesExhausted` is ' +
          'true: resolve or mark the task unreachable.',
      ),
      action('escalate', 'Escalate to a clinical or crisis role (status `escalated`)', escalateBodySchema),
      action(
        'handoff/accept',
        'Accept the clinical handoff of an escalated task',
        acceptHandoffBodySchema,
        {},
        'Stops a Tier 1 SLA clock.',
      ),
      action(
        'resolve',
        'Resolve the task',
        resolveBodySchema,
        {},
        'A Tier 1 task needs an accepted clinical handoff first (`clinical_handoff_required`).',
      ),
      action(
        'unreachable',
        'Mark the caller unreachable, with a follow-up channel',
        unreachableBodySchema,
        {},
        'Needs at least one failed attempt and no successful contact.',
      ),
      action('reopen', 'Reopen a resolved or unreachable task (back to `open`)', reopenBodySchema),
    );
  }
}
