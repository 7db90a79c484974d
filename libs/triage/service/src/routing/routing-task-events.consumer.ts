import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  ringbackEventRegistry,
  topicForCategory,
  type EventEnvelope,
  type TaskEventPayload,
} from '@ringback/contracts';
import { DomainError, deterministicUuidV7 } from '@ringback/kernel';
import { BUS, EVENT_STORE, EventConsumer, type Bus, type EventStore } from '@ringback/platform-core';
import {
  callbackTaskDecider,
  type CallbackTaskState,
  type CoordinatorCommand,
  type TaskEvent,
  type TaskFinish,
} from '@ringback/triage-domain';
import { runCoordinatorCommand, type CommandStamp } from './coordinator-command';
import { RoutingDispatcher } from './routing.dispatcher';

export const ROUTING_TASK_EVENTS_GROUP_ID = 'triage.routing';

const HANDLED = [
  'OfferAccepted',
  'OfferDeclined',
  'OfferExpired',
  'TaskClaimed',
  'TaskRequeued',
  'TaskResolved',
  'TaskMarkedUnreachable',
] as const;

/**
 * Keeps coordinators in step with the tasks they were offered or work (topic `ringback.task.events`):
 * an accepted offer makes its coordinator busy on the task, a declined or lapsed one frees them, a
 * claim makes the claimer busy, and a task that leaves its assignee's hands (resolved, unreachable,
 * requeued for a retry) starts their wrap-up. Emitted event ids derive from the task event, and the
 * coordinator decider ignores what it already did, so redelivery is harmless. Users who are not
 * registered coordinators (a supervisor claiming a task) have no coordinator stream to keep.
 */
@Injectable()
export class RoutingTaskEventsConsumer extends EventConsumer {
  protected readonly groupId = ROUTING_TASK_EVENTS_GROUP_ID;
  protected readonly topics = [topicForCategory('task')];
  protected readonly consumerName = 'triage routing';
  protected override readonly eventTypes: readonly string[] = HANDLED;

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(RoutingDispatcher) private readonly dispatcher?: RoutingDispatcher,
  ) {
    super(bus, ringbackEventRegistry());
  }

  protected async handleEvent(envelope: EventEnvelope): Promise<void> {
    const event = { type: envelope.type, data: envelope.data } as TaskEventPayload;
    const at = envelope.occurredAt;
    let target: { coordinatorId: string; command: CoordinatorCommand } | null = null;
    switch (event.type) {
      case 'OfferAccepted':
      case 'OfferDeclined':
      case 'OfferExpired': {
        const outcome =
          event.type === 'OfferAccepted'
            ? 'accepted'
            : event.type === 'OfferDeclined'
              ? 'declined'
              : 'expired';
        const { coordinatorId, offerId } = event.data;
        target = {
          coordinatorId,
          command: { type: 'ReleaseOffer', data: { coordinatorId, at, offerId, outcome } },
        };
        break;
      }
      case 'TaskClaimed': {
        const { coordinatorId, taskId } = event.data;
        target = { coordinatorId, command: { type: 'StartTask', data: { coordinatorId, at, taskId } } };
        break;
      }
      case 'TaskRequeued':
        target = this.finish(event.data.previousAssigneeId, event.data.taskId, 'requeued', at);
        break;
      case 'TaskResolved':
      case 'TaskMarkedUnreachable': {
        const assignee = await this.assigneeBefore(envelope);
        if (assignee)
          target = this.finish(
            assignee,
            event.data.taskId,
            event.type === 'TaskResolved' ? 'resolved' : 'unreachable',
            at,
          );
        break;
      }
      default:
        return;
    }
    if (!target) return;
    const stamp: CommandStamp = {
      eventId: (i, type) =>
        deterministicUuidV7(Date.parse(envelope.recordedAt), 'routing', envelope.eventId, type, String(i)),
      recordedAt: envelope.recordedAt,
      correlationId: envelope.correlationId,
      causationId: envelope.eventId,
      traceparent: envelope.traceparent,
      locationId: envelope.locationId,
    };
    try {
      await runCoordinatorCommand(this.store, this.registry, target.command, stamp);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'coordinator_not_found') return;
      throw error;
    }
  }

  private finish(
    coordinatorId: string,
    taskId: string,
    finish: TaskFinish,
    at: string,
  ): { coordinatorId: string; command: CoordinatorCommand } {
    const wrapUpSeconds = this.dispatcher?.wrapUpSeconds ?? 60;
    return {
      coordinatorId,
      command: { type: 'FinishTask', data: { coordinatorId, at, taskId, finish, wrapUpSeconds } },
    };
  }

  /** The task's assignee just before `envelope` (its stream folded up to that event). */
  private async assigneeBefore(envelope: EventEnvelope): Promise<string | null> {
    let state: CallbackTaskState = callbackTaskDecider.initialState();
    for (const r of await this.store.readStream(envelope.streamId)) {
      if (r.envelope.eventId === envelope.eventId) break;
      const e = this.registry.upcast(r.envelope);
      state = callbackTaskDecider.evolve(state, { type: e.type, data: e.data } as TaskEvent);
    }
    return state.status !== 'none' && 'assigneeId' in state ? state.assigneeId : null;
  }
}
