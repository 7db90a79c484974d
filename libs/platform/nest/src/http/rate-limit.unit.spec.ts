import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from './rate-limit';

describe('rate limiter (token bucket per key)', () => {
  it('allows a burst up to the limit, then answers how long to wait; refills with time', () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now); // one a second on average
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 1);
    assert.equal(limiter.take('b'), 0, 'another key has its own bucket');
    now += 1_000;
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 1);
    now += 120_000;
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('a'), 0, 'refilled, but never above the limit');
    assert.ok(limiter.take('a') > 0);
  });

  it('keeps at most maxKeys buckets, forgetting the least recently used', () => {
    const now = 0;
    const limiter = new RateLimiter(1, () => now, 2);
    assert.equal(limiter.take('a'), 0);
    assert.ok(limiter.take('a') > 0);
    limiter.take('b');
    limiter.take('c'); // 'a' is forgotten: a fresh bucket
    assert.equal(limiter.take('a'), 0);
  });
});
