import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { EventRegistry, type EventEnvelope } from '@ringback/contracts';
import type { Bus, BusConsumer, ConsumeOptions } from '../ports/bus.port';
import { EventConsumer } from './event-consumer';

const registry = (): EventRegistry =>
  new EventRegistry()
    .register({
      type: 'ThingHappened',
      category: 'thing',
      summary: 'test event',
      producer: 'test',
      versions: [
        {
          version: 1,
          schema: z.object({ n: z.number() }),
          upcast: (d) => ({ ...(d as object), label: 'v1' }),
        },
        { version: 2, schema: z.object({ n: z.number(), label: z.string() }) },
      ],
    })
    .register({
      type: 'OtherHappened',
      category: 'thing',
      summary: 'test event',
      producer: 'test',
      versions: [{ version: 1, schema: z.object({}) }],
    });

const envelope = (type: string, schemaVersion: number, data: unknown): EventEnvelope =>
  ({
    eventId: '0193b2a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
    type,
    schemaVersion,
    streamId: 'thing-1',
    occurredAt: '2026-11-23T18:50:00.000Z',
    recordedAt: '2026-11-23T18:50:01.000Z',
    correlationId: 'c1',
    causationId: null,
    locationId: 'loc',
    traceparent: null,
    data,
  }) as EventEnvelope;

/** A fake of the bus port: records the consume options and hands back a controllable consumer. */
class FakeBus implements Bus {
  options: ConsumeOptions[] = [];
  stopped = 0;
  caughtUp = 0;
  published = 0;
  async publish(): Promise<void> {
    this.published += 1;
  }
  synced = 0;
  async sync(): Promise<void> {
    this.synced += 1;
  }
  async close(): Promise<void> {
    this.stopped += 1;
  }
  async consume(options: ConsumeOptions): Promise<BusConsumer> {
    this.options.push(options);
    return {
      groupId: options.groupId,
      whenCaughtUp: async () => {
        this.caughtUp += 1;
      },
      lag: async () => 7,
      stop: async () => {
        this.stopped += 1;
      },
    };
  }
}

class ThingConsumer extends EventConsumer {
  protected readonly groupId = 'test.things';
  protected readonly topics = ['ringback.thing.events'];
  protected readonly consumerName = 'test things';
  protected override readonly eventTypes: readonly string[] | undefined;
  readonly seen: EventEnvelope[] = [];

  constructor(bus: Bus, eventTypes?: string[]) {
    super(bus, registry());
    this.eventTypes = eventTypes;
  }

  protected async handleEvent(event: EventEnvelope): Promise<void> {
    this.seen.push(event);
  }
}

describe('EventConsumer', () => {
  it('subscribes its group once, reports lag and catch-up while running, and stops gracefully', async () => {
    const bus = new FakeBus();
    const consumer = new ThingConsumer(bus);
    assert.equal(await consumer.lag(), 0);
    await assert.rejects(consumer.whenCaughtUp(), /test things consumer is not running/);

    await consumer.start();
    await consumer.start();
    assert.equal(bus.options.length, 1);
    assert.equal(bus.options[0]?.groupId, 'test.things');
    assert.deepEqual(bus.options[0]?.topics, ['ringback.thing.events']);
    assert.equal(await consumer.lag(), 7);
    await consumer.whenCaughtUp();
    assert.equal(bus.caughtUp, 1);

    await consumer.stop();
    await consumer.stop();
    assert.equal(bus.stopped, 1);
    assert.equal(await consumer.lag(), 0);
  });

  it('upcasts what the bus delivers and skips unregistered types', async () => {
    const bus = new FakeBus();
    const consumer = new ThingConsumer(bus);
    await consumer.start();
    const [options] = bus.options;
    assert.ok(options);
    const handler = options.handler;
    const deliver = (env: EventEnvelope) =>
      handler({ topic: 't', key: 'k', envelope: env, headers: {}, partition: 0, offset: '0', attempt: 1 });

    await deliver(envelope('ThingHappened', 1, { n: 1 }));
    await deliver(envelope('FromTheFuture', 1, {}));
    assert.equal(consumer.seen.length, 1);
    assert.equal(consumer.seen[0]?.schemaVersion, 2);
    assert.deepEqual(consumer.seen[0]?.data, { n: 1, label: 'v1' });
  });

  it('skips types outside eventTypes before validating them', async () => {
    const consumer = new ThingConsumer(new FakeBus(), ['OtherHappened']);
    await consumer.handle(envelope('ThingHappened', 1, { n: 'not validated' }));
    await consumer.handle(envelope('OtherHappened', 1, {}));
    assert.deepEqual(
      consumer.seen.map((e) => e.type),
      ['OtherHappened'],
    );
  });
});
