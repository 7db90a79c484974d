import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../ports/bus.port';

/** The consumer's retry policy: defaults for whatever the caller left out, validated. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY };
  for (const [name, value] of Object.entries(overrides) as [keyof RetryPolicy, number | undefined][]) {
    if (value !== undefined) policy[name] = value;
  }
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  if (!(policy.initialBackoffMs >= 0) || !(policy.maxBackoffMs >= policy.initialBackoffMs)) {
    throw new RangeError(
      `retry backoff must satisfy 0 <= initialBackoffMs <= maxBackoffMs, got ${policy.initialBackoffMs}/${policy.maxBackoffMs}`,
    );
  }
  return policy;
}

/**
 * Wait after failed delivery number `attempt` (1-based) before the next one: initial·2^(attempt−1),
 * capped at maxBackoffMs. No jitter: retries are in-process and per partition, so there is no herd
 * of clients to spread out.
 */
export function backoffDelayMs(
  policy: Pick<RetryPolicy, 'initialBackoffMs' | 'maxBackoffMs'>,
  attempt: number,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 52);
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** exponent);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (immediately if it already has). */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
