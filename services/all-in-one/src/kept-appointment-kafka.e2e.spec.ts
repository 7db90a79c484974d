import { after, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { logLevel } from 'kafkajs';
import { KafkaBus } from '@ringback/bus-kafka';
import { VirtualClock } from '@ringback/kernel';
import { embeddedAdaptersOnBus, namespacedBus } from '@ringback/runtime';
import { infraEndpoints, requireInfra, uniqueSuffix } from '@ringback/testing';
import { startRingback, type RunningRingback } from './test-fixtures/all-in-one.harness';
import { inProcessHost } from './test-fixtures/day-host';
import { inProcessStoryHooks } from './test-fixtures/kept-appointment.host';
import { STORY_START, runKeptAppointmentStory } from './test-fixtures/kept-appointment.scenario';

/**
 * The same story with every event crossing the real Kafka broker: scheduling, reminders and triage
 * consume the slot, waitlist-offer and inbound-message topics from it in their own groups. The event
 * store stays the embedded SQLite file (no KurrentDB server can be had here), read models in memory.
 */
describe('from a missed call to a kept appointment, bus on the real Kafka broker', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-kept-kafka-'));
  let rb: RunningRingback | undefined;
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends as in embedded mode', async (t) => {
    const brokers = infraEndpoints().kafkaBrokers ?? requireInfra(t, 'kafka');
    if (!brokers) return;
    const adapters = embeddedAdaptersOnBus(
      dataDir,
      namespacedBus(
        new KafkaBus({
          brokers,
          clientId: `ringback-kept-${uniqueSuffix()}`,
          partitions: 3,
          sessionTimeoutMs: 10_000,
          heartbeatIntervalMs: 500,
          maxWaitTimeMs: 100,
          caughtUpPollMs: 25,
          logLevel: logLevel.NOTHING,
        }),
        `kept-${uniqueSuffix()}`,
      ),
    );
    const clock = new VirtualClock(STORY_START);
    rb = await startRingback(dataDir, {
      clock,
      adapters,
      env: {
        ROUTING_INTERVAL_MS: '0',
        SLA_TIMER_INTERVAL_MS: '0',
        SCHEDULING_INTERVAL_MS: '0',
        MESSAGES_INTERVAL_MS: '0',
      },
    });
    await runKeptAppointmentStory(
      inProcessHost(rb.service, rb.adapters, clock),
      inProcessStoryHooks(rb.service, rb.adapters),
    );
  });
});
