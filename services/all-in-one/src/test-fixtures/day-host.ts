// Drives a running all-in-one process through virtual time: move the clock, then let it settle
// (relay caught up, every consumer and projection caught up, SLA timers and routing ticked) until a
// whole round appends nothing. Shared by the in-process and the child-process day scenarios.
import type { VirtualClock } from '@ringback/kernel';
import type { RunningService } from '@ringback/nest-platform';
import type { EventConsumer, ProjectionRunner, StoreToBusRelay } from '@ringback/platform-core';
import { PROJECTION_RUNNERS, STORE_TO_BUS_RELAY, type PlatformAdapters } from '@ringback/runtime';
import { TaskClosuresConsumer } from '@ringback/call-ingest-service';
import { SlaTaskEventsConsumer, SlaTimerScheduler } from '@ringback/sla-monitor-service';
import {
  OpenTaskConsumer,
  RoutingDispatcher,
  RoutingTaskEventsConsumer,
  TaskBookingsConsumer,
} from '@ringback/triage-service';
import { SchedulingTimers, SchedulingWorkflowConsumer } from '@ringback/scheduling-service';
import { MessageDispatcher, RemindersSchedulingConsumer } from '@ringback/reminders-service';
import { eventually } from '@ringback/testing';

/** What a day scenario needs of the system under test, wherever it runs. */
export interface DayHost {
  /** Base URL of the HTTP API. */
  readonly url: string;
  /** Moves virtual time forward to `iso` and settles. */
  at(iso: string): Promise<void>;
  /** Lets everything in flight finish at the current virtual time. */
  settle(): Promise<void>;
}

export async function settleRingback(service: RunningService, adapters: PlatformAdapters): Promise<void> {
  const app = service.app;
  const relay = app.get<StoreToBusRelay>(STORE_TO_BUS_RELAY, { strict: false });
  const consumers: EventConsumer[] = [
    app.get(OpenTaskConsumer, { strict: false }),
    app.get(RoutingTaskEventsConsumer, { strict: false }),
    app.get(SlaTaskEventsConsumer, { strict: false }),
    app.get(TaskClosuresConsumer, { strict: false }),
    app.get(TaskBookingsConsumer, { strict: false }),
    app.get(SchedulingWorkflowConsumer, { strict: false }),
    app.get(RemindersSchedulingConsumer, { strict: false }),
  ];
  const runners = app.get<ProjectionRunner[]>(PROJECTION_RUNNERS, { strict: false });
  const sla = app.get(SlaTimerScheduler, { strict: false });
  const routing = app.get(RoutingDispatcher, { strict: false });
  const scheduling = app.get(SchedulingTimers, { strict: false });
  const messages = app.get(MessageDispatcher, { strict: false });
  const store = adapters.eventStore;
  for (let round = 0; round < 200; round++) {
    const head = await store.headPosition();
    await eventually(() => (relay.position ?? 0n) >= head, 30_000, 5);
    for (const c of consumers) await c.whenCaughtUp();
    for (const r of runners) await r.whenCaughtUp();
    if ((await store.headPosition()) !== head) continue;
    await sla.tick();
    await routing.tick();
    await scheduling.tick();
    await messages.tick();
    if ((await store.headPosition()) === head) return;
  }
  throw new Error('the system did not settle within 200 rounds');
}

/** A host over a process in this one, on a virtual clock. */
export function inProcessHost(
  service: RunningService,
  adapters: PlatformAdapters,
  clock: VirtualClock,
): DayHost {
  return {
    url: service.url,
    at: async (iso) => {
      clock.set(iso);
      await settleRingback(service, adapters);
    },
    settle: () => settleRingback(service, adapters),
  };
}
