import { after, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VirtualClock } from '@ringback/kernel';
import { startRingback, type RunningRingback } from './test-fixtures/all-in-one.harness';
import { inProcessHost } from './test-fixtures/day-host';
import { inProcessStoryHooks } from './test-fixtures/kept-appointment.host';
import { STORY_START, runKeptAppointmentStory } from './test-fixtures/kept-appointment.scenario';

describe('from a missed call to a kept appointment, embedded', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-kept-'));
  let rb: RunningRingback | undefined;
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('callback, booking, reminders in local time, SMS cancel, waitlist refill by SMS, STOP and HELP, each message exactly once under redelivery', async () => {
    const clock = new VirtualClock(STORY_START);
    rb = await startRingback(dataDir, {
      clock,
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
