import type {
  AnsweredCallRecorded,
  CallIntent,
  CallerLineTaskClosed,
  ContactChannel,
  EventEnvelope,
  InboundContactRecorded,
} from '@ringback/contracts';
import { DomainError, type Decider } from '@ringback/kernel';

/**
 * One caller line: one phone number at one location. It decides which task a new contact belongs
 * to: the open task of this line if there is one (a repeat call joins it), else a new task. Keyed
 * this way so that one caller's calls are ordered, and repeat callers at other locations of the same
 * health system stay separate tasks (flagged elsewhere, never merged).
 */
export type CallerLineState =
  | { status: 'new' }
  | {
      status: 'known';
      openTask: { taskId: string; callCount: number } | null;
      /** providerCallId -> taskId (null for answered calls), for idempotent webhooks. */
      seen: Map<string, string | null>;
    };

export type CallerLineEvent =
  | EventEnvelope<'InboundContactRecorded', InboundContactRecorded>
  | EventEnvelope<'AnsweredCallRecorded', AnsweredCallRecorded>
  | EventEnvelope<'CallerLineTaskClosed', CallerLineTaskClosed>;

/** Envelope fields the caller mints (ids, times, correlation); the decider fills type and data. */
export interface EnvelopeStamp {
  eventId: string;
  streamId: string;
  occurredAt: string;
  recordedAt: string;
  correlationId: string;
  causationId: string | null;
  traceparent: string | null;
}

export interface RecordInboundContact {
  type: 'RecordInboundContact';
  stamp: EnvelopeStamp;
  /** The task id to use if this contact opens a new task. */
  newTaskId: string;
  providerCallId: string;
  channel: ContactChannel;
  locationId: string;
  from: string;
  callerName: string | null;
  intent: CallIntent | null;
  transcript: string | null;
  preferredWindow: { start: string; end: string } | null;
  language: string | null;
  notes: string | null;
}

export interface RecordAnsweredCall {
  type: 'RecordAnsweredCall';
  stamp: EnvelopeStamp;
  providerCallId: string;
  locationId: string;
  from: string;
  durationSeconds: number | null;
}

export interface CloseLineTask {
  type: 'CloseLineTask';
  stamp: EnvelopeStamp;
  locationId: string;
  taskId: string;
  reason: 'resolved' | 'unreachable';
}

export type CallerLineCommand = RecordInboundContact | RecordAnsweredCall | CloseLineTask;

/** The task a provider call id is bound to, if this line has seen it (webhook retries). */
export function taskForProviderCall(
  state: CallerLineState,
  providerCallId: string,
): string | null | undefined {
  return state.status === 'known' ? state.seen.get(providerCallId) : undefined;
}

const envelope = <T extends CallerLineEvent['type'], D>(
  stamp: EnvelopeStamp,
  locationId: string,
  type: T,
  data: D,
) => ({ ...stamp, type, schemaVersion: 1, locationId, data }) as EventEnvelope<T, D>;

export const callerLineDecider: Decider<CallerLineState, CallerLineCommand, CallerLineEvent> = {
  initialState: () => ({ status: 'new' }),

  decide(command, state) {
    switch (command.type) {
      case 'RecordInboundContact': {
        // A provider retrying its webhook: already recorded, nothing changes.
        if (taskForProviderCall(state, command.providerCallId) !== undefined) return [];
        const open = state.status === 'known' ? state.openTask : null;
        const { stamp, newTaskId, type: _type, ...contact } = command;
        return [
          envelope(stamp, command.locationId, 'InboundContactRecorded', {
            ...contact,
            taskId: open?.taskId ?? newTaskId,
            joinedOpenTask: open !== null,
            callCount: (open?.callCount ?? 0) + 1,
          }),
        ];
      }
      case 'RecordAnsweredCall': {
        if (taskForProviderCall(state, command.providerCallId) !== undefined) return [];
        const { stamp, type: _type, ...call } = command;
        return [envelope(stamp, command.locationId, 'AnsweredCallRecorded', call)];
      }
      case 'CloseLineTask': {
        const open = state.status === 'known' ? state.openTask : null;
        if (open === null || open.taskId !== command.taskId) {
          // Closing a task this line no longer has open is a redelivery or a stale close: no-op.
          if (state.status === 'known' && [...state.seen.values()].includes(command.taskId)) return [];
          throw new DomainError(
            'task_not_on_line',
            `task ${command.taskId} was never opened on this caller line`,
          );
        }
        return [
          envelope(command.stamp, command.locationId, 'CallerLineTaskClosed', {
            taskId: command.taskId,
            reason: command.reason,
          }),
        ];
      }
    }
  },

  evolve(state, event) {
    const known =
      state.status === 'known'
        ? state
        : { status: 'known' as const, openTask: null, seen: new Map<string, string | null>() };
    const seen = new Map(known.seen);
    switch (event.type) {
      case 'InboundContactRecorded':
        seen.set(event.data.providerCallId, event.data.taskId);
        return {
          status: 'known',
          seen,
          openTask: { taskId: event.data.taskId, callCount: event.data.callCount },
        };
      case 'AnsweredCallRecorded':
        seen.set(event.data.providerCallId, null);
        return { ...known, seen };
      case 'CallerLineTaskClosed':
        return { ...known, openTask: known.openTask?.taskId === event.data.taskId ? null : known.openTask };
    }
  },
};

/**
 * `call-<locationId>.<lineKey>`: the stream of one caller line. `lineKey` is a pseudonym of the
 * caller's number (a keyed HMAC, `PhiCodec.lineKeyOf`), never the number: stream ids travel as bus
 * keys and trace attributes, where no PHI may go.
 */
export const callerLineStreamId = (locationId: string, lineKey: string): string =>
  `call-${locationId}.${lineKey}`;

/** `call-<locationId>.<digits>`: how caller lines were named before they were pseudonymous. */
export const legacyCallerLineStreamId = (locationId: string, e164: string): string =>
  `call-${locationId}.${e164.replace(/^\+/, '')}`;
