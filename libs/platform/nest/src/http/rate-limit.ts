import { createHash } from 'node:crypto';
import type { HttpRequest, HttpResponse, NextFunction } from '../http-types';

/**
 * A token bucket per key: `perMinute` requests a minute on average, bursts up to `perMinute`.
 * Real (monotonic) time, not the services' CLOCK: it limits how fast requests arrive, whatever the
 * business time is. At most `maxKeys` buckets are kept (the least recently used go first).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxKeys = 10_000,
  ) {}

  /** 0 when the request may go ahead, else the seconds until it may be retried. */
  take(key: string): number {
    const now = this.now();
    const rate = this.perMinute / 60_000; // tokens per ms
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    this.buckets.delete(key); // re-inserted last: the map's order is the LRU order
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    let wait = 0;
    if (b.tokens >= 1) b.tokens -= 1;
    else wait = Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return wait;
  }
}

export interface RateLimitOptions {
  /** Requests per minute per user token (0: unlimited). */
  userPerMinute: number;
  /** Requests per minute per webhook source address (0: unlimited). */
  webhookPerMinute: number;
}

/** Signed webhooks (telephony and SMS providers): limited per source, not per user. */
const WEBHOOK = /^\/api\/v1\/(calls\/|messages\/(inbound|twilio\/))/;

/**
 * 429 `rate_limited` with `Retry-After` once a user token (keyed by a hash of the bearer token) or a
 * webhook source (keyed by its address) exceeds its rate. Requests without a token are left to the
 * authentication guard (401); health, metrics and the web UI are not limited.
 */
export function rateLimitMiddleware(options: RateLimitOptions) {
  const users = options.userPerMinute > 0 ? new RateLimiter(options.userPerMinute) : null;
  const sources = options.webhookPerMinute > 0 ? new RateLimiter(options.webhookPerMinute) : null;
  return (req: HttpRequest, res: HttpResponse, next: NextFunction): void => {
    const path = (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith('/api/v1/')) return next();
    let limiter: RateLimiter | null = null;
    let key = '';
    if (WEBHOOK.test(path)) {
      limiter = sources;
      key = `src:${req.socket?.remoteAddress ?? 'unknown'}`;
    } else {
      const auth = req.headers['authorization'];
      const value = Array.isArray(auth) ? auth[0] : auth;
      if (value && /^Bearer\s+\S+/i.test(value)) {
        limiter = users;
        key = `tok:${createHash('sha256').update(value).digest('base64url').slice(0, 22)}`;
      }
    }
    if (!limiter) return next();
    const wait = limiter.take(key);
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    res.status(429).json({
      error: {
        code: 'rate_limited',
        message: `Too many requests; retry in ${wait} s`,
        details: [{ retryAfterSeconds: wait }],
      },
    });
  };
}
