import type { BusMessage, ConsumeOptions, RetryPolicy } from '../ports/bus.port';
import { abortableDelay, backoffDelayMs } from './backoff';
import { describeError } from './bus-headers';
import { withConsumerSpan } from './bus-tracing';

export type DeliveryOutcome = 'handled' | 'dead-lettered' | 'aborted';

export interface DeadLetter {
  /** The message as delivered on its last attempt. */
  message: BusMessage;
  error: string;
  attempts: number;
}

export interface DeliveryOptions {
  message: Omit<BusMessage, 'attempt'>;
  groupId: string;
  handler: ConsumeOptions['handler'];
  policy: RetryPolicy;
  /** `messaging.system` on the consumer span. */
  messagingSystem: string;
  /** Aborted when the consumer stops: a pending backoff ends and the message stays uncommitted. */
  signal: AbortSignal;
  deadLetter(letter: DeadLetter): Promise<void>;
  onAttemptFailed?(error: unknown, message: BusMessage): void;
}

/**
 * Delivers one message the way every adapter must: each attempt in its own consumer span, failures
 * retried in-process with exponential backoff, and after `maxAttempts` the message is handed to
 * `deadLetter`. The caller commits the offset unless the outcome is `aborted` (the consumer is
 * stopping mid-retry), in which case the message must be delivered again later.
 */
export async function deliverWithRetry(options: DeliveryOptions): Promise<DeliveryOutcome> {
  const { policy, signal } = options;
  for (let attempt = 1; ; attempt++) {
    const message: BusMessage = { ...options.message, headers: { ...options.message.headers }, attempt };
    try {
      await withConsumerSpan(message, options.groupId, options.messagingSystem, () =>
        options.handler(message),
      );
      return 'handled';
    } catch (error) {
      options.onAttemptFailed?.(error, message);
      if (attempt >= policy.maxAttempts) {
        await options.deadLetter({ message, error: describeError(error), attempts: attempt });
        return 'dead-lettered';
      }
      if (signal.aborted || !(await abortableDelay(backoffDelayMs(policy, attempt), signal)))
        return 'aborted';
    }
  }
}
