import { Controller, Get, Header, Inject, Param } from '@nestjs/common';
import { Authenticated, CurrentUser, canRead, type AuthUser } from '@ringback/auth';
import { ringbackEventRegistry, type CallJoinedTaskV1, type TaskOpenedV1 } from '@ringback/contracts';
import { ApiError, ZodValidationPipe } from '@ringback/nest-platform';
import { EVENT_STORE, READ_MODEL_STORE, type EventStore, type ReadModelStore } from '@ringback/platform-core';
import { AuditPhiRead } from '@ringback/phi';
import { z } from 'zod';
import { taskStreamId } from './open-task.consumer';
import { taskNotFound } from './tasks.http.controller';
import { TASKS_COLLECTION, type TaskDoc } from './tasks.projection';
import { taskParamsSchema } from './tasks.views';

export const taskContactSchema = z.object({
  taskId: z.string(),
  callerName: z.string().nullable(),
  callerPhone: z.string().describe('E.164'),
  language: z.string().nullable(),
  preferredWindow: z.object({ start: z.string(), end: z.string() }).nullable(),
  /** Each contact of the caller line that opened or joined the task, oldest first. */
  contacts: z.array(
    z.object({ channel: z.string(), occurredAt: z.string(), transcript: z.string().nullable() }),
  ),
});
export type TaskContact = z.infer<typeof taskContactSchema>;

/**
 * Who to call back, and what they said: the caller's name, number, language, preferred window and
 * transcripts. Protected health information on a need-to-know basis: the coordinator the task is
 * offered or assigned to, and supervisors and admins in scope; other coordinators and clinic staff
 * get 403 (404 outside their scope). Never cached by the browser.
 */
@Controller('tasks')
@Authenticated()
export class TaskContactHttpController {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get(':taskId/contact')
  @Header('Cache-Control', 'no-store')
  @AuditPhiRead('task_contact', 'taskId')
  async contact(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(taskParamsSchema)) params: z.output<typeof taskParamsSchema>,
  ): Promise<TaskContact> {
    const doc = await this.readModels.get<TaskDoc>(TASKS_COLLECTION, params.taskId);
    if (!doc) throw taskNotFound(params.taskId);
    const s = doc.state;
    const worksIt =
      s.status === 'open'
        ? s.offer?.coordinatorId === user.sub
        : 'assigneeId' in s && s.assigneeId === user.sub;
    if (!worksIt) {
      if (!canRead(user, doc)) throw taskNotFound(params.taskId);
      if (user.role !== 'supervisor' && user.role !== 'admin')
        throw new ApiError(403, 'forbidden', 'Caller details are for the coordinator working the task');
    }
    const contacts: TaskContact['contacts'] = [];
    let opened: TaskOpenedV1 | null = null;
    for (const r of await this.store.readStream(taskStreamId(params.taskId))) {
      const e = this.registry.upcast(r.envelope);
      if (e.type === 'TaskOpened') {
        opened = e.data as TaskOpenedV1;
        contacts.push({
          channel: opened.channel,
          occurredAt: opened.occurredAt,
          transcript: opened.transcript,
        });
      } else if (e.type === 'CallJoinedTask') {
        const d = e.data as CallJoinedTaskV1;
        contacts.push({ channel: d.channel, occurredAt: d.occurredAt, transcript: d.transcript });
      }
    }
    if (!opened) throw taskNotFound(params.taskId);
    return {
      taskId: params.taskId,
      callerName: opened.callerName,
      callerPhone: opened.callerPhone,
      language: opened.language,
      preferredWindow: opened.preferredWindow,
      contacts,
    };
  }
}
