import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PhiKeySelector } from '@ringback/phi';
import { followPhiKeyDestruction } from './phi-key-destruction.follower';

/** Records, in order, what the follower asked of the key store and of each runner. */
function recorder() {
  const calls: string[] = [];
  const keys = {
    forget: async (selector: PhiKeySelector) => {
      calls.push(`forget ${JSON.stringify(selector)}`);
    },
  };
  const runner = (name: string) => ({
    rebuild: async () => {
      calls.push(`rebuild ${name}`);
    },
    whenCaughtUp: async () => {
      calls.push(`caught up ${name}`);
    },
  });
  return { calls, keys, runners: [runner('tasks'), runner('facts')] };
}

describe('followPhiKeyDestruction', () => {
  it("an erasure: forgets each erased patient's keys, then rebuilds every read model", async () => {
    const { calls, keys, runners } = recorder();
    const envelope = { type: 'PatientDataErased', data: { subjects: ['pA', 'pB'] } };
    assert.equal(await followPhiKeyDestruction(envelope, keys, runners), true);
    assert.deepEqual(calls, [
      'forget {"subject":"pA"}',
      'forget {"subject":"pB"}',
      'rebuild tasks',
      'rebuild facts',
      'caught up tasks',
      'caught up facts',
    ]);
  });

  it('a retention run: forgets the content keys of the days before its cutoff, then rebuilds', async () => {
    const { calls, keys, runners } = recorder();
    const envelope = {
      type: 'PhiRetentionApplied',
      data: {
        cutoffDay: '2026-10-01',
        retentionDays: 30,
        keysDestroyed: 12,
        appliedAt: '2026-10-31T00:00:00.000Z',
      },
    };
    assert.equal(await followPhiKeyDestruction(envelope, keys, runners), true);
    assert.deepEqual(calls, [
      'forget {"keyClass":"content","dayBefore":"2026-10-01"}',
      'rebuild tasks',
      'rebuild facts',
      'caught up tasks',
      'caught up facts',
    ]);
  });

  it('any other event: nothing forgotten, nothing rebuilt', async () => {
    const { calls, keys, runners } = recorder();
    assert.equal(await followPhiKeyDestruction({ type: 'PhiAccessed', data: {} }, keys, runners), false);
    assert.deepEqual(calls, []);
  });
});
