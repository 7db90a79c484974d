import { DomainError, type Decider } from '@ringback/kernel';
import type {
  MessageDeliveryUpdatedV1,
  MessageDispatchStartedV1,
  MessageQueuedV1,
  MessageSendFailedV1,
  MessageSentV1,
  MessageSuppressedV1,
} from '@ringback/contracts';

/**
 * One outbound message (stream `message-<messageId>`), the outbox record. Its life: queued for its
 * send time, then either suppressed or dispatched exactly once. The dispatch is claimed with an
 * event before the channel is called, so two senders never both send it (optimistic concurrency on
 * the stream); a dispatch found half-way after a crash is finished only through an idempotent channel
 * (the embedded outbox, keyed by message id) and otherwise recorded as `outcome_unknown`, never
 * repeated: a patient never gets a reminder twice.
 */

export type OutboundMessageEvent =
  | { type: 'MessageQueued'; data: MessageQueuedV1 }
  | { type: 'MessageDispatchStarted'; data: MessageDispatchStartedV1 }
  | { type: 'MessageSent'; data: MessageSentV1 }
  | { type: 'MessageSuppressed'; data: MessageSuppressedV1 }
  | { type: 'MessageSendFailed'; data: MessageSendFailedV1 }
  | { type: 'MessageDeliveryUpdated'; data: MessageDeliveryUpdatedV1 };

type Cmd<T extends string, D> = { type: T; data: D & { messageId: string; at: string } };
export type QueueMessage = Cmd<'QueueMessage', Omit<MessageQueuedV1, 'queuedAt'>>;
export type SuppressMessage = Cmd<'SuppressMessage', { reason: MessageSuppressedV1['reason'] }>;
export type StartDispatch = Cmd<'StartDispatch', { provider: MessageDispatchStartedV1['provider'] }>;
export type RecordSent = Cmd<
  'RecordSent',
  { provider: MessageSentV1['provider']; providerMessageId: string }
>;
export type RecordSendFailure = Cmd<
  'RecordSendFailure',
  { kind: MessageSendFailedV1['kind']; error: string }
>;
export type UpdateDelivery = Cmd<
  'UpdateDelivery',
  { status: MessageDeliveryUpdatedV1['status']; providerMessageId: string }
>;
export type OutboundMessageCommand =
  QueueMessage | SuppressMessage | StartDispatch | RecordSent | RecordSendFailure | UpdateDelivery;

export type OutboundMessageState =
  | { status: 'none' }
  | { status: 'queued'; message: MessageQueuedV1 }
  | {
      status: 'dispatching';
      message: MessageQueuedV1;
      provider: MessageDispatchStartedV1['provider'];
      startedAt: string;
    }
  | {
      status: 'sent';
      message: MessageQueuedV1;
      providerMessageId: string;
      sentAt: string;
      delivery: string | null;
    }
  | { status: 'suppressed'; message: MessageQueuedV1; reason: MessageSuppressedV1['reason'] }
  | {
      status: 'failed';
      message: MessageQueuedV1;
      kind: MessageSendFailedV1['kind'];
      delivery: string | null;
    };

const need = (s: OutboundMessageState, id: string): Exclude<OutboundMessageState, { status: 'none' }> => {
  if (s.status === 'none') throw new DomainError('message_not_found', `Unknown message ${id}`);
  return s;
};

export const outboundMessageDecider: Decider<
  OutboundMessageState,
  OutboundMessageCommand,
  OutboundMessageEvent
> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    const { messageId, at } = command.data;
    switch (command.type) {
      case 'QueueMessage': {
        if (state.status !== 'none') return []; // its cause redelivered
        const { at: _a, ...message } = command.data;
        return [{ type: 'MessageQueued', data: { ...message, queuedAt: at } }];
      }
      case 'SuppressMessage':
        if (need(state, messageId).status !== 'queued') return [];
        return [
          { type: 'MessageSuppressed', data: { messageId, reason: command.data.reason, suppressedAt: at } },
        ];
      case 'StartDispatch': {
        const s = need(state, messageId);
        if (s.status !== 'queued')
          throw new DomainError('message_already_dispatched', `message ${messageId} is ${s.status}`);
        if (Date.parse(at) < Date.parse(s.message.sendAt))
          throw new DomainError('message_not_due', `due at ${s.message.sendAt}`);
        return [
          {
            type: 'MessageDispatchStarted',
            data: { messageId, provider: command.data.provider, startedAt: at },
          },
        ];
      }
      case 'RecordSent': {
        const s = need(state, messageId);
        if (s.status === 'sent') return [];
        if (s.status !== 'dispatching')
          throw new DomainError('message_not_dispatching', `message ${messageId} is ${s.status}`);
        return [
          {
            type: 'MessageSent',
            data: {
              messageId,
              provider: command.data.provider,
              providerMessageId: command.data.providerMessageId,
              sentAt: at,
            },
          },
        ];
      }
      case 'RecordSendFailure': {
        const s = need(state, messageId);
        if (s.status === 'failed') return [];
        if (s.status !== 'dispatching')
          throw new DomainError('message_not_dispatching', `message ${messageId} is ${s.status}`);
        return [
          {
            type: 'MessageSendFailed',
            data: {
              messageId,
              kind: command.data.kind,
              error: command.data.error.slice(0, 500),
              failedAt: at,
            },
          },
        ];
      }
      case 'UpdateDelivery': {
        const s = need(state, messageId);
        if (s.status !== 'sent' && s.status !== 'failed' && s.status !== 'dispatching') return [];
        if ((s.status === 'sent' || s.status === 'failed') && s.delivery === command.data.status) return [];
        return [
          {
            type: 'MessageDeliveryUpdated',
            data: {
              messageId,
              status: command.data.status,
              providerMessageId: command.data.providerMessageId,
              updatedAt: at,
            },
          },
        ];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'MessageQueued':
        return { status: 'queued', message: event.data };
      case 'MessageSuppressed':
        return state.status === 'queued'
          ? { status: 'suppressed', message: state.message, reason: event.data.reason }
          : state;
      case 'MessageDispatchStarted':
        return state.status === 'queued'
          ? {
              status: 'dispatching',
              message: state.message,
              provider: event.data.provider,
              startedAt: event.data.startedAt,
            }
          : state;
      case 'MessageSent':
        return state.status === 'dispatching'
          ? {
              status: 'sent',
              message: state.message,
              providerMessageId: event.data.providerMessageId,
              sentAt: event.data.sentAt,
              delivery: null,
            }
          : state;
      case 'MessageSendFailed':
        return state.status === 'dispatching'
          ? { status: 'failed', message: state.message, kind: event.data.kind, delivery: null }
          : state;
      case 'MessageDeliveryUpdated':
        if (state.status === 'dispatching')
          // A status callback for a dispatch that stopped half-way: the provider did send it.
          return {
            status: 'sent',
            message: state.message,
            providerMessageId: event.data.providerMessageId,
            sentAt: event.data.updatedAt,
            delivery: event.data.status,
          };
        return state.status === 'sent' || state.status === 'failed'
          ? { ...state, delivery: event.data.status }
          : state;
    }
  },
};
