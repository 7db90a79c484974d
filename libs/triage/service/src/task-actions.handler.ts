import { Inject, Injectable } from '@nestjs/common';
import { assertCanWrite, type AuthUser } from '@ringback/auth';
import { BusinessCalendar, safeParseLocationSchedule } from '@ringback/calendar';
import {
  LOCATION_CONFIGURED,
  locationStreamId,
  ringbackEventRegistry,
  type EventEnvelope,
  type LocationConfigured,
} from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type Decider, type IdGenerator } from '@ringback/kernel';
import { currentTraceparent } from '@ringback/observability';
import { EVENT_STORE, handleCommand, type EventStore } from '@ringback/platform-core';
import {
  RETRYABLE_OUTCOMES,
  callbackTaskDecider,
  isSuccessfulOutcome,
  nextAttempt,
  type AttemptOutcome,
  type CallbackTaskState,
  type ExistingTask,
  type FollowUpChannel,
  type HandoffRole,
  type TaskCommand,
  type TaskEvent,
  type TaskResolution,
  type TaskView,
} from '@ringback/triage-domain';
import { taskStreamId } from './open-task.consumer';
import { assertReservationHeld } from './routing/coordinator-command';
import { taskNotFound } from './tasks.http.controller';
import { TasksReadModel } from './tasks.read-model';

/** What a coordinator asks of a task (`POST /api/v1/tasks/{taskId}/<action>`). */
export type TaskAction =
  | { type: 'claim' }
  | { type: 'accept_offer'; offerId: string }
  | { type: 'decline_offer'; offerId: string; reason?: string }
  | { type: 'attempt'; outcome: AttemptOutcome; notes?: string; followUp?: FollowUpChannel }
  | { type: 'escalate'; role: HandoffRole; reason: string }
  | { type: 'accept_handoff'; role?: HandoffRole }
  | { type: 'resolve'; resolution: TaskResolution; note?: string }
  | { type: 'unreachable'; followUp: FollowUpChannel; note?: string }
  | { type: 'reopen'; reason: string };

export interface AttemptInfo {
  attemptNumber: number;
  nextAttemptAt: string | null;
  retriesExhausted: boolean;
}

export interface TaskActionResult {
  view: TaskView;
  /** Set for `attempt`. */
  attempt: AttemptInfo | null;
}

/** Is `userId` the coordinator the task is offered or assigned to? */
function involves(state: ExistingTask, userId: string): boolean {
  if (state.status === 'open') return state.offer?.coordinatorId === userId;
  return 'assigneeId' in state && state.assigneeId === userId;
}

/** The task as its stream tells it, plus what the retry policy needs beyond the decider's state. */
interface LoadedTask {
  state: ExistingTask;
  preferredWindow: { start: string; end: string } | null;
  /** Failed attempts since the task was (last) opened or reopened. */
  failedSinceOpen: number;
}

/**
 * Runs coordinator actions on a callback task: loads the stream (404 when it does not exist),
 * checks the caller may change it (403 outside its scope), turns the action into a decider command
 * with the caller (`sub`) as actor and the clock's time, computes a failed attempt's next try with
 * the retry policy on the location calendar in force, and appends with optimistic concurrency.
 * DomainErrors from the decider propagate (409/422 with their code through the error filter).
 */
@Injectable()
export class TaskActionsHandler {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(TasksReadModel) private readonly tasks: TasksReadModel,
  ) {}

  async handle(
    user: AuthUser,
    taskId: string,
    action: TaskAction,
    correlationId: string,
  ): Promise<TaskActionResult> {
    const loaded = await this.load(taskId);
    if (!loaded) throw taskNotFound(taskId);
    const { task } = loaded.state;
    // The coordinator a task is offered or assigned to may work it even from another pod (overflow).
    if (!involves(loaded.state, user.sub)) assertCanWrite(user, task);

    const now = this.clock.now();
    const at = toIso(now);
    const actor = user.sub;
    let attempt: AttemptInfo | null = null;
    let command: TaskCommand;
    switch (action.type) {
      case 'claim':
        command = { type: 'Claim', data: { taskId, at, coordinatorId: actor } };
        break;
      case 'accept_offer':
        command = {
          type: 'AcceptOffer',
          data: { taskId, at, offerId: action.offerId, coordinatorId: actor },
        };
        break;
      case 'decline_offer':
        command = {
          type: 'DeclineOffer',
          data: { taskId, at, offerId: action.offerId, coordinatorId: actor, reason: action.reason ?? null },
        };
        break;
      case 'attempt': {
        const successful = isSuccessfulOutcome(action.outcome);
        const retryable = RETRYABLE_OUTCOMES.includes(action.outcome);
        let nextAttemptAt: string | null = null;
        let retriesExhausted = !successful && !retryable; // wrong_number: no retry
        if (retryable) {
          const decision = nextAttempt({
            failedAttemptNumber: loaded.failedSinceOpen + 1,
            attemptedAt: now,
            ...(await this.locationCalendar(task.locationId)),
            preferredWindow: loaded.preferredWindow,
          });
          // Tier 1 never closes without licensed staff: its retries go on until the handoff.
          const closable = task.triage.tier !== 1 || task.escalation?.acceptedAt != null;
          retriesExhausted = decision.retriesExhausted && closable;
          nextAttemptAt = retriesExhausted ? null : decision.nextAttemptAt;
        }
        attempt = { attemptNumber: task.attemptCount + 1, nextAttemptAt, retriesExhausted };
        command = {
          type: 'RecordAttempt',
          data: {
            taskId,
            at,
            attemptId: this.ids.next(now),
            coordinatorId: actor,
            outcome: action.outcome,
            nextAttemptAt,
            note: action.notes ?? null,
            retriesExhausted:
              retryable && retriesExhausted ? { followUpChannel: action.followUp ?? 'sms' } : null,
          },
        };
        break;
      }
      case 'escalate':
        command = {
          type: 'Escalate',
          data: { taskId, at, role: action.role, escalatedBy: actor, reason: action.reason },
        };
        break;
      case 'accept_handoff':
        command = {
          type: 'AcceptHandoff',
          data: { taskId, at, acceptedBy: actor, ...(action.role ? { role: action.role } : {}) },
        };
        break;
      case 'resolve':
        command = {
          type: 'Resolve',
          data: { taskId, at, resolvedBy: actor, resolution: action.resolution, note: action.note ?? null },
        };
        break;
      case 'unreachable':
        command = {
          type: 'MarkUnreachable',
          data: { taskId, at, markedBy: actor, followUpChannel: action.followUp, note: action.note ?? null },
        };
        break;
      case 'reopen':
        command = { type: 'Reopen', data: { taskId, at, reopenedBy: actor, reason: action.reason } };
        break;
    }

    if (action.type === 'accept_offer')
      await assertReservationHeld(this.store, this.registry, actor, action.offerId);
    const result = await handleCommand({
      store: this.store,
      registry: this.registry,
      decider: this.envelopeDecider(task.locationId, correlationId, now),
      streamId: taskStreamId(taskId),
      command,
    });
    if (attempt) {
      const recorded = result.events.find((e) => e.type === 'CallbackAttemptRecorded');
      const data = recorded?.data as { attemptNumber?: number } | undefined;
      if (data?.attemptNumber) attempt = { ...attempt, attemptNumber: data.attemptNumber };
    }

    // Read-your-writes (bounded, like the locations PUT): the projection's view once it caught up,
    // else the decider's own state.
    if (result.state.status === 'none') throw taskNotFound(taskId);
    const state = result.state;
    const position = result.append?.position ?? null;
    const caughtUp = position === null || (await this.tasks.waitFor(position));
    const view = caughtUp ? await this.tasks.getView(taskId, user) : null;
    return { view: view ?? (await this.tasks.viewOfState(state)), attempt };
  }

  /** The task's stream folded, or null when the task does not exist. */
  private async load(taskId: string): Promise<LoadedTask | null> {
    const recorded = await this.store.readStream(taskStreamId(taskId));
    let state: CallbackTaskState = callbackTaskDecider.initialState();
    let preferredWindow: LoadedTask['preferredWindow'] = null;
    let failedSinceOpen = 0;
    for (const r of recorded) {
      const e = this.registry.upcast(r.envelope);
      const event = { type: e.type, data: e.data } as TaskEvent;
      if (event.type === 'TaskOpened') preferredWindow = event.data.preferredWindow;
      if (event.type === 'TaskReopened') failedSinceOpen = 0;
      if (event.type === 'CallbackAttemptRecorded' && !event.data.successful) failedSinceOpen += 1;
      state = callbackTaskDecider.evolve(state, event);
    }
    if (state.status === 'none') return null;
    return { state, preferredWindow, failedSinceOpen };
  }

  /** Zone and calendar of the location configuration in force now (its latest version). */
  private async locationCalendar(
    locationId: string,
  ): Promise<{ timezone: string; calendar: BusinessCalendar | null }> {
    const configs = (await this.store.readStream(locationStreamId(locationId)))
      .map((r) => r.envelope)
      .filter((e) => e.type === LOCATION_CONFIGURED);
    const latest = configs.at(-1);
    if (!latest) return { timezone: 'UTC', calendar: null };
    const d = this.registry.upcast<LocationConfigured>(latest).data;
    const parsed = safeParseLocationSchedule({ timezone: d.timezone, hours: d.hours, holidays: d.holidays });
    return {
      timezone: d.timezone,
      calendar: parsed.success && parsed.data ? new BusinessCalendar(parsed.data) : null,
    };
  }

  /** The callback-task decider over envelopes: fresh event ids, the request's correlation id. */
  private envelopeDecider(
    locationId: string,
    correlationId: string,
    now: number,
  ): Decider<CallbackTaskState, TaskCommand, EventEnvelope> {
    const recordedAt = toIso(now);
    const traceparent = currentTraceparent() ?? null;
    return {
      initialState: callbackTaskDecider.initialState,
      evolve: (state, e) => callbackTaskDecider.evolve(state, { type: e.type, data: e.data } as TaskEvent),
      decide: (command, state) =>
        callbackTaskDecider.decide(command, state).map((e): EventEnvelope => ({
          eventId: this.ids.next(now),
          type: e.type,
          schemaVersion: this.registry.latestVersion(e.type),
          streamId: taskStreamId(command.data.taskId),
          occurredAt: command.data.at,
          recordedAt,
          correlationId,
          causationId: null,
          locationId,
          traceparent,
          data: e.data,
        })),
    };
  }
}
