import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken } from '@ringback/auth';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  aurora,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';

describe('rate limits per token and per webhook source', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-rate-'));
  let rb: RunningRingback;

  before(async () => {
    rb = await startRingback(dataDir, {
      env: { RATE_LIMIT_USER_PER_MINUTE: '5', RATE_LIMIT_WEBHOOK_PER_MINUTE: '3' },
    });
    await configureLocations(rb, await signDevToken({ role: 'admin', sub: 'setup' }, E2E_SECRET), { aurora });
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 429 rate_limited with Retry-After once a token exceeds its rate; other tokens and health are unaffected', async () => {
    const one = await signDevToken({ role: 'supervisor', sub: 'sue', regions: ['west'] }, E2E_SECRET);
    const two = await signDevToken({ role: 'supervisor', sub: 'sam', regions: ['west'] }, E2E_SECRET);
    const get = (tk: string) =>
      fetch(`${rb.service.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${tk}` } });
    for (let i = 0; i < 5; i++) assert.equal((await get(one)).status, 200);
    const limited = await get(one);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');
    assert.equal((await get(two)).status, 200);
    assert.equal((await fetch(`${rb.service.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${rb.service.url}/api/v1/tasks`)).status, 401, 'no token: the guard answers');
  });

  it('limits signed webhooks per source; a refused webhook records nothing', async () => {
    const post = async (n: number) => {
      const raw = JSON.stringify({
        providerCallId: `RL-${n}`,
        locationId: 'aurora',
        from: '+1 303 555 0199',
        occurredAt: new Date().toISOString(),
      });
      const ts = Math.floor(Date.now() / 1000);
      return fetch(`${rb.service.url}/api/v1/calls/missed`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ringback-timestamp': String(ts),
          'x-ringback-signature': `sha256=${createHmac('sha256', E2E_WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex')}`,
        },
        body: raw,
      });
    };
    for (let n = 1; n <= 3; n++) assert.equal((await post(n)).status, 202);
    const refused = await post(4);
    assert.equal(refused.status, 429);
    assert.ok(refused.headers.get('retry-after'));
    const recorded = (await rb.adapters.eventStore.readAll()).filter(
      (r) => r.envelope.type === 'InboundContactRecorded',
    );
    assert.deepEqual(
      recorded.map((r) => (r.envelope.data as { providerCallId: string }).providerCallId).sort(),
      ['RL-1', 'RL-2', 'RL-3'],
    );
  });
});
