import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChildDayHost } from './test-fixtures/child-day-host';
import {
  DAY_START,
  assertDayOutcome,
  runRealisticDay,
  type DaySnapshot,
} from './test-fixtures/realistic-day.scenario';

async function runInChild(killOn: number[]): Promise<{ snapshot: DaySnapshot; kills: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-day-child-'));
  const host = new ChildDayHost(dataDir, DAY_START, new Set(killOn));
  try {
    await host.start();
    const snapshot = await runRealisticDay(host, host);
    return { snapshot, kills: host.kills };
  } finally {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('the realistic day, SIGKILLed in the middle', () => {
  it('ends identical to an uninterrupted run: no lost task, no duplicate, every timer fired once', async () => {
    const uninterrupted = await runInChild([]);
    assertDayOutcome(uninterrupted.snapshot);
    // Killed while it processes: a call just accepted (triage not done), a routing offer being made,
    // SLA thresholds firing at 08:00 Denver, and a retry coming due.
    const killed = await runInChild([4, 10, 18, 25]);
    assert.equal(killed.kills, 4);
    assertDayOutcome(killed.snapshot);
    assert.deepEqual(killed.snapshot, uninterrupted.snapshot);
  });
});
