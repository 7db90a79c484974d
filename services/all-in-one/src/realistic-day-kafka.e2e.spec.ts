import { after, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { logLevel } from 'kafkajs';
import { KafkaBus } from '@ringback/bus-kafka';
import { VirtualClock } from '@ringback/kernel';
import { embeddedAdaptersOnBus, namespacedBus } from '@ringback/runtime';
import { infraEndpoints, requireInfra, uniqueSuffix } from '@ringback/testing';
import { inProcessHost } from './test-fixtures/day-host';
import { startRingback, type RunningRingback } from './test-fixtures/all-in-one.harness';
import { DAY_START, assertDayOutcome, runRealisticDay } from './test-fixtures/realistic-day.scenario';

/**
 * The same day with every event crossing the real Kafka broker: the relay publishes to Kafka and the
 * triage, routing, SLA and call-ingest consumers read their topics from it in their own groups.
 * The event store stays the embedded SQLite file (no KurrentDB server can be had here) and the read
 * models stay in memory.
 */
describe('a realistic day for three clinics, bus on the real Kafka broker', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-day-kafka-'));
  let rb: RunningRingback | undefined;
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends exactly as in embedded mode', async (t) => {
    const brokers = infraEndpoints().kafkaBrokers ?? requireInfra(t, 'kafka');
    if (!brokers) return;
    const adapters = embeddedAdaptersOnBus(
      dataDir,
      namespacedBus(
        new KafkaBus({
          brokers,
          clientId: `ringback-day-${uniqueSuffix()}`,
          partitions: 3,
          sessionTimeoutMs: 10_000,
          heartbeatIntervalMs: 500,
          maxWaitTimeMs: 100,
          caughtUpPollMs: 25,
          logLevel: logLevel.NOTHING,
        }),
        `day-${uniqueSuffix()}`,
      ),
    );
    const eventStore = adapters.eventStore;
    const clock = new VirtualClock(DAY_START);
    rb = await startRingback(dataDir, {
      clock,
      adapters,
      env: { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0' },
    });
    const outcome = await runRealisticDay(inProcessHost(rb.service, rb.adapters, clock), {
      readStream: async (id) =>
        (await eventStore.readStream(id)).map((r) => ({
          type: r.envelope.type,
          data: r.envelope.data as Record<string, unknown>,
        })),
    });
    assertDayOutcome(outcome);
  });
});
