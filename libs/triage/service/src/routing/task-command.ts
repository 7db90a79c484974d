import type { EventEnvelope, EventRegistry } from '@ringback/contracts';
import type { Decider } from '@ringback/kernel';
import { handleCommand, type EventStore, type HandleCommandResult } from '@ringback/platform-core';
import {
  callbackTaskDecider,
  type CallbackTaskState,
  type TaskCommand,
  type TaskEvent,
} from '@ringback/triage-domain';
import { taskStreamId } from '../open-task.consumer';
import type { CommandStamp } from './coordinator-command';

/** The callback-task decider over envelopes, stamped by the caller (event time = command time). */
export function taskCommandEnvelopeDecider(
  registry: EventRegistry,
  stamp: CommandStamp,
): Decider<CallbackTaskState, TaskCommand, EventEnvelope> {
  return {
    initialState: callbackTaskDecider.initialState,
    evolve: (state, e) => callbackTaskDecider.evolve(state, { type: e.type, data: e.data } as TaskEvent),
    decide: (command, state) =>
      callbackTaskDecider.decide(command, state).map((e, i): EventEnvelope => ({
        eventId: stamp.eventId(i, e.type),
        type: e.type,
        schemaVersion: registry.latestVersion(e.type),
        streamId: taskStreamId(command.data.taskId),
        occurredAt: command.data.at,
        recordedAt: stamp.recordedAt,
        correlationId: stamp.correlationId,
        causationId: stamp.causationId,
        locationId: stamp.locationId,
        traceparent: stamp.traceparent,
        data: e.data,
      })),
  };
}

/** Load, decide and append one task command with optimistic concurrency. */
export function runTaskCommand(
  store: EventStore,
  registry: EventRegistry,
  command: TaskCommand,
  stamp: CommandStamp,
): Promise<HandleCommandResult<CallbackTaskState, EventEnvelope>> {
  return handleCommand({
    store,
    registry,
    decider: taskCommandEnvelopeDecider(registry, stamp),
    streamId: taskStreamId(command.data.taskId),
    command,
  });
}
