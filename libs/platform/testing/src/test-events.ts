import { z } from 'zod';
import { EventRegistry, type EventEnvelope } from '@ringback/contracts';
import { UuidV7Generator } from '@ringback/kernel';

/** A registry with generic events for the port contract suites; real services register their own. */
export const testRegistry = (): EventRegistry =>
  new EventRegistry().register({
    type: 'ThingHappened',
    category: 'thing',
    summary: 'Test event for port contract suites',
    producer: 'test',
    versions: [
      {
        version: 1,
        schema: z.object({ n: z.number().int() }),
        upcast: (d) => ({ ...(d as { n: number }), label: 'v1' }),
      },
      { version: 2, schema: z.object({ n: z.number().int(), label: z.string() }) },
    ],
  });

const ids = new UuidV7Generator();

/** A valid envelope of ThingHappened v2 for stream `streamId`. */
export function thingHappened(
  streamId: string,
  n: number,
  overrides: Partial<EventEnvelope> = {},
): EventEnvelope<'ThingHappened', { n: number; label: string }> {
  const now = new Date().toISOString();
  return {
    eventId: ids.next(),
    type: 'ThingHappened',
    schemaVersion: 2,
    streamId,
    occurredAt: now,
    recordedAt: now,
    correlationId: `corr-${streamId}`,
    causationId: null,
    locationId: 'loc-test',
    traceparent: null,
    data: { n, label: 'test' },
    ...overrides,
  } as EventEnvelope<'ThingHappened', { n: number; label: string }>;
}

/** Polls until `check` holds or the deadline passes; for async assertions without fixed sleeps. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  stepMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
