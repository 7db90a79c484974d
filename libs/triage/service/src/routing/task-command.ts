import type { EventEnvelope, EventRegistry } from '@ringback/contracts';
import type { Decider } from '@ringback/kernel';
import { handleCommand, type EventStore, type HandleCommandResult } from '@ringback/platform-core';
import { callbackTaskDecider, type CallbackTaskState, type TaskCommand } from '@ringback/triage-domain';
import { taskStreamId } from '../open-task.consumer';
import { stampedDecider, type CommandStamp } from './coordinator-command';

/** The callback-task decider over envelopes, stamped by the caller (event time = command time). */
export const taskCommandEnvelopeDecider = (
  registry: EventRegistry,
  stamp: CommandStamp,
): Decider<CallbackTaskState, TaskCommand, EventEnvelope> =>
  stampedDecider(callbackTaskDecider, (c) => taskStreamId(c.data.taskId), registry, stamp);

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
