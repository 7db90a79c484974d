import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevToken } from '@ringback/auth';
import { eventually } from '@ringback/testing';
import {
  E2E_SECRET,
  E2E_WEBHOOK_SECRET,
  aurora,
  boston,
  configureLocations,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';

interface TaskBody {
  taskId: string;
  locationId: string;
  callCount: number;
  repeatCaller: { otherTasks: { taskId: string; locationId: string }[] } | null;
}

describe('repeat callers across locations of one health system', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-repeat-'));
  let rb: RunningRingback;
  let admin: string;

  const missed = async (providerCallId: string, locationId: string, from: string): Promise<string> => {
    const raw = JSON.stringify({
      providerCallId,
      locationId,
      from,
      occurredAt: new Date().toISOString(),
      intent: 'billing',
    });
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${rb.service.url}/api/v1/calls/missed`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-timestamp': String(ts),
        'x-ringback-signature': `sha256=${createHmac('sha256', E2E_WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex')}`,
      },
      body: raw,
    });
    assert.equal(res.status, 202);
    return ((await res.json()) as { taskId: string }).taskId;
  };
  const get = async (taskId: string): Promise<TaskBody | null> => {
    const res = await fetch(`${rb.service.url}/api/v1/tasks/${taskId}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    return res.status === 200 ? ((await res.json()) as TaskBody) : null;
  };

  before(async () => {
    rb = await startRingback(dataDir);
    admin = await signDevToken({ role: 'admin' }, E2E_SECRET);
    await configureLocations(rb, admin, { aurora, boston });
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('links the open tasks of one number at two clinics both ways, and merges nothing', async () => {
    const atAurora = await missed('rc-1', 'aurora', '+1 303 555 0177');
    await eventually(async () => (await get(atAurora)) !== null);
    const atBoston = await missed('rc-2', 'boston', '(303) 555-0177');
    assert.notEqual(atBoston, atAurora, 'another clinic opens its own task');
    await eventually(
      async () =>
        (await get(atAurora))?.repeatCaller !== null && (await get(atBoston))?.repeatCaller !== null,
    );
    const a = (await get(atAurora))!;
    const b = (await get(atBoston))!;
    assert.deepEqual(a.repeatCaller, { otherTasks: [{ taskId: atBoston, locationId: 'boston' }] });
    assert.deepEqual(b.repeatCaller, { otherTasks: [{ taskId: atAurora, locationId: 'aurora' }] });
    assert.equal(a.callCount, 1);
    assert.equal(b.callCount, 1);
    // The same number again at Aurora joins Aurora's task only.
    assert.equal(await missed('rc-3', 'aurora', '303-555-0177'), atAurora);
    await eventually(async () => (await get(atAurora))?.callCount === 2);
    assert.equal((await get(atBoston))!.callCount, 1);
    // A different number is nobody's repeat.
    const other = await missed('rc-4', 'boston', '+1 303 555 0999');
    await eventually(async () => (await get(other)) !== null);
    assert.equal((await get(other))!.repeatCaller, null);
  });
});
