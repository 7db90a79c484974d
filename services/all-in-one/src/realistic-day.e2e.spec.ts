import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VirtualClock } from '@ringback/kernel';
import { inProcessHost } from './test-fixtures/day-host';
import { startRingback, type RunningRingback } from './test-fixtures/all-in-one.harness';
import { DAY_START, assertDayOutcome, runRealisticDay } from './test-fixtures/realistic-day.scenario';

/** The loops are driven by the scenario (virtual time), not by real-time intervals. */
export const DRIVEN_LOOPS = { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0' };

describe('a realistic day for three clinics, embedded mode', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-day-'));
  let rb: RunningRingback | undefined;
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('triages, times, routes and closes every call as a supervisor would expect', async () => {
    const clock = new VirtualClock(DAY_START);
    rb = await startRingback(dataDir, { clock, env: DRIVEN_LOOPS });
    const store = rb.adapters.eventStore;
    const outcome = await runRealisticDay(inProcessHost(rb.service, rb.adapters, clock), {
      readStream: async (id) =>
        (await store.readStream(id)).map((r) => ({
          type: r.envelope.type,
          data: r.envelope.data as Record<string, unknown>,
        })),
    });
    assertDayOutcome(outcome);
    const metrics = await (await fetch(`${rb.service.url}/metrics`)).text();
    const fired = (threshold: string) =>
      [
        ...metrics.matchAll(
          new RegExp(`ringback_sla_thresholds_total\\{[^}]*threshold="${threshold}"[^}]*\\} (\\d+)`, 'g'),
        ),
      ]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
    assert.equal(fired('breach'), 3);
    assert.equal(fired('at_risk'), 4);
  });
});
