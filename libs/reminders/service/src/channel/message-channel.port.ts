/** A message as a channel sends it. `to` and `body` are PHI: adapters never log them. */
export interface OutgoingMessage {
  /** Ringback's id: the idempotency key of channels that have one. */
  messageId: string;
  channel: 'sms' | 'voice' | 'email';
  to: string;
  body: string;
  language: string;
}

export class ChannelRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelRejectedError';
  }
}

/**
 * Port of the patient messaging channel. `idempotent` channels accept the same `messageId` twice and
 * send once (the embedded outbox); for the others a dispatch that stopped half-way is never retried.
 * `send` resolves with the provider's message id once the provider accepted the message, and
 * rejects with {@link ChannelRejectedError} when it refused it (anything else is a transport failure).
 */
export interface MessageChannel {
  readonly provider: 'outbox' | 'twilio';
  readonly idempotent: boolean;
  send(message: OutgoingMessage): Promise<{ providerMessageId: string }>;
  close?(): Promise<void> | void;
}

export const MESSAGE_CHANNEL = Symbol.for('ringback.MessageChannel');
