// Hooks of the kept-appointment story over a process in this one.
import type { RunningService } from '@ringback/nest-platform';
import type { EventConsumer } from '@ringback/platform-core';
import type { PlatformAdapters } from '@ringback/runtime';
import {
  EmbeddedOutboxChannel,
  MESSAGE_CHANNEL,
  RemindersSchedulingConsumer,
} from '@ringback/reminders-service';
import { SchedulingWorkflowConsumer } from '@ringback/scheduling-service';
import { TaskBookingsConsumer } from '@ringback/triage-service';
import type { StoryHooks } from './kept-appointment.scenario';

export function inProcessStoryHooks(service: RunningService, adapters: PlatformAdapters): StoryHooks {
  const app = service.app;
  const store = adapters.eventStore;
  return {
    readStream: async (id) =>
      (await store.readStream(id)).map((r) => ({
        type: r.envelope.type,
        data: r.envelope.data as Record<string, unknown>,
      })),
    outboxRows: () => {
      const channel = app.get(MESSAGE_CHANNEL, { strict: false }) as unknown;
      if (!(channel instanceof EmbeddedOutboxChannel))
        throw new Error('the story runs on the embedded outbox');
      return channel.rows();
    },
    redeliverAll: async () => {
      const consumers: EventConsumer[] = [
        app.get(RemindersSchedulingConsumer, { strict: false }),
        app.get(SchedulingWorkflowConsumer, { strict: false }),
        app.get(TaskBookingsConsumer, { strict: false }),
      ];
      for (const r of await store.readAll()) for (const c of consumers) await c.handle(r.envelope);
    },
  };
}
