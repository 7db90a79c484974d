import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

const secret = 'a-webhook-secret-of-at-least-32-chars!';
const now = Date.UTC(2026, 10, 23, 18, 50);
const ts = String(Math.floor(now / 1000));
const body = Buffer.from('{"providerCallId":"CA1","locationId":"aurora"}');

const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
  verifyWebhookSignature({
    secret,
    timestampHeader: ts,
    signatureHeader: signWebhook(secret, ts, body),
    rawBody: body,
    nowMs: now,
    ...over,
  });

describe('webhook signatures', () => {
  it('accepts a correctly signed, fresh request', () => assert.deepEqual(check({}), { ok: true }));

  it('rejects missing headers, malformed and stale timestamps', () => {
    assert.equal(check({ signatureHeader: undefined }).ok, false);
    assert.deepEqual(check({ timestampHeader: 'soon' }), { ok: false, reason: 'bad_timestamp' });
    assert.deepEqual(check({ nowMs: now + 301_000 }), { ok: false, reason: 'stale_timestamp' });
    assert.deepEqual(check({ nowMs: now - 301_000 }), { ok: false, reason: 'stale_timestamp' });
    assert.deepEqual(check({ nowMs: now + 299_000 }), { ok: true });
  });

  it('rejects any change to body, timestamp or secret', () => {
    assert.deepEqual(check({ rawBody: Buffer.from(body.toString().replace('CA1', 'CA2')) }), {
      ok: false,
      reason: 'bad_signature',
    });
    assert.deepEqual(
      check({ signatureHeader: signWebhook('another-secret-of-32-characters-xx', ts, body) }),
      {
        ok: false,
        reason: 'bad_signature',
      },
    );
    assert.deepEqual(check({ signatureHeader: signWebhook(secret, Number(ts) + 1, body) }), {
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('a signature over one body never verifies another (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        fc.pre(Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0);
        const r = check({
          rawBody: Buffer.from(b),
          signatureHeader: signWebhook(secret, ts, Buffer.from(a)),
        });
        assert.equal(r.ok, false);
      }),
    );
  });
});
