import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_POLICY } from '../ports/bus.port';
import { abortableDelay, backoffDelayMs, resolveRetryPolicy } from './backoff';

describe('resolveRetryPolicy', () => {
  it('fills what the caller left out with the defaults', () => {
    assert.deepEqual(resolveRetryPolicy(), DEFAULT_RETRY_POLICY);
    assert.deepEqual(resolveRetryPolicy({ maxAttempts: 2, initialBackoffMs: undefined }), {
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: 2,
    });
  });

  it('rejects policies that cannot work', () => {
    assert.throws(() => resolveRetryPolicy({ maxAttempts: 0 }), RangeError);
    assert.throws(() => resolveRetryPolicy({ maxAttempts: 1.5 }), RangeError);
    assert.throws(() => resolveRetryPolicy({ initialBackoffMs: -1 }), RangeError);
    assert.throws(() => resolveRetryPolicy({ initialBackoffMs: 10, maxBackoffMs: 5 }), RangeError);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from the initial delay after each failed attempt, capped at the maximum', () => {
    const policy = { initialBackoffMs: 100, maxBackoffMs: 1_000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(policy, a)),
      [100, 200, 400, 800, 1_000, 1_000],
    );
  });

  it('stays finite for absurd attempt numbers and treats < 1 as the first', () => {
    const policy = { initialBackoffMs: 100, maxBackoffMs: 5_000 };
    assert.equal(backoffDelayMs(policy, 10_000), 5_000);
    assert.equal(backoffDelayMs(policy, 0), 100);
    assert.equal(backoffDelayMs({ initialBackoffMs: 0, maxBackoffMs: 0 }, 3), 0);
  });
});

describe('abortableDelay', () => {
  it('resolves true after the delay, false as soon as the signal aborts', async () => {
    assert.equal(await abortableDelay(1), true);
    const controller = new AbortController();
    const started = Date.now();
    const waiting = abortableDelay(60_000, controller.signal);
    controller.abort();
    assert.equal(await waiting, false);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(await abortableDelay(60_000, controller.signal), false);
  });
});
