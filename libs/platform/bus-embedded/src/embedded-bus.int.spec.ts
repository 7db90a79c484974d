import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Registry } from 'prom-client';
import type { BusMessage } from '@ringback/platform-core';
import { busContract, eventually, thingHappened } from '@ringback/testing';
import { EmbeddedBus } from './embedded-bus';

const dirs: string[] = [];
const tempDb = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ringback-bus-'));
  dirs.push(dir);
  return join(dir, 'bus.sqlite');
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

busContract('EmbeddedBus (sqlite file)', async () => {
  const path = tempDb();
  const buses: EmbeddedBus[] = [];
  const open = (): EmbeddedBus => {
    const bus = new EmbeddedBus({ path, pollIntervalMs: 50 });
    buses.push(bus);
    return bus;
  };
  return {
    bus: open(),
    restart: async () => open(),
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()));
    },
  };
});

busContract('EmbeddedBus (:memory:)', async () => {
  const bus = new EmbeddedBus({ path: ':memory:' });
  return { bus, cleanup: () => bus.close() };
});

const n = (m: BusMessage): number => (m.envelope.data as { n: number }).n;

describe('EmbeddedBus', () => {
  it(
    'continues from the committed offset after its process is SIGKILLed mid-message',
    { timeout: 60_000 },
    async () => {
      const path = tempDb();
      const bus = new EmbeddedBus({ path, pollIntervalMs: 50 });
      try {
        for (let i = 0; i < 10; i++)
          await bus.publish('ringback.crash.events', 'thing-1', thingHappened('thing-1', i));

        // The child handles 0..3, hangs in 4 and is killed there: 0..3 committed, 4 in flight.
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', join(__dirname, 'test-fixtures', 'crashing-consumer.fixture.ts'), path, '4'],
          {
            cwd: join(__dirname, '..', '..', '..', '..'),
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        const seenByChild: number[] = [];
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.once('exit', (_code, signal) => resolve(signal)),
        );
        for await (const line of createInterface({ input: child.stdout })) {
          const [what, value] = line.split(' ');
          if (what === 'handled' || what === 'stuck') seenByChild.push(Number(value));
          if (what === 'stuck') break;
        }
        child.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL');
        assert.deepEqual(seenByChild, [0, 1, 2, 3, 4]);

        // The dead child's lease does not hold the partition: its pid is gone.
        const received: number[] = [];
        const consumer = await bus.consume({
          groupId: 'crash-group',
          topics: ['ringback.crash.events'],
          handler: async (m) => {
            received.push(n(m));
          },
        });
        await eventually(() => received.includes(9), 10_000);
        await consumer.whenCaughtUp();
        assert.deepEqual(received, [4, 5, 6, 7, 8, 9]);
      } finally {
        await bus.close();
      }
    },
  );

  it('keeps a second consumer of the same group off partitions another one holds', async () => {
    const path = tempDb();
    const one = new EmbeddedBus({ path, pollIntervalMs: 20 });
    const two = new EmbeddedBus({ path, pollIntervalMs: 20 });
    try {
      const byOne: number[] = [];
      const byTwo: number[] = [];
      const first = await one.consume({
        groupId: 'g',
        topics: ['ringback.lease.events'],
        handler: async (m) => void byOne.push(n(m)),
      });
      await eventually(async () => (await first.lag()) === 0);
      await two.consume({
        groupId: 'g',
        topics: ['ringback.lease.events'],
        handler: async (m) => void byTwo.push(n(m)),
      });
      for (let i = 0; i < 20; i++)
        await one.publish('ringback.lease.events', `thing-${i}`, thingHappened(`thing-${i}`, i));
      await first.whenCaughtUp();
      assert.equal(byOne.length, 20);
      assert.equal(byTwo.length, 0, 'the standby consumer must not get anything');

      // Once the holder stops, the standby takes over without waiting for the lease TTL.
      await first.stop();
      await one.publish('ringback.lease.events', 'thing-x', thingHappened('thing-x', 99));
      await eventually(() => byTwo.includes(99), 5_000);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('with fromBeginning false sees only what is published after consume resolved', async () => {
    const bus = new EmbeddedBus({ path: ':memory:' });
    try {
      await bus.publish('ringback.late.events', 'thing-1', thingHappened('thing-1', 0));
      const received: number[] = [];
      const consumer = await bus.consume({
        groupId: 'late',
        topics: ['ringback.late.events'],
        fromBeginning: false,
        handler: async (m) => void received.push(n(m)),
      });
      await bus.publish('ringback.late.events', 'thing-1', thingHappened('thing-1', 1));
      await consumer.whenCaughtUp();
      assert.deepEqual(received, [1]);
    } finally {
      await bus.close();
    }
  });

  it('exports ringback_bus_consumer_lag{group,topic} to the given registry', async () => {
    const registry = new Registry();
    const bus = new EmbeddedBus({ path: ':memory:', registry });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const consumer = await bus.consume({
        groupId: 'metrics',
        topics: ['ringback.metrics.events'],
        handler: () => gate,
      });
      for (let i = 0; i < 3; i++)
        await bus.publish('ringback.metrics.events', 'thing-1', thingHappened('thing-1', i));
      assert.equal(await consumer.lag(), 3);
      const text = await registry.metrics();
      assert.match(text, /ringback_bus_consumer_lag\{group="metrics",topic="ringback\.metrics\.events"\} 3/);
      release();
      await consumer.whenCaughtUp();
      await consumer.lag();
      assert.match(
        await registry.metrics(),
        /ringback_bus_consumer_lag\{group="metrics",topic="ringback\.metrics\.events"\} 0/,
      );
    } finally {
      await bus.close();
    }
  });

  it('counts and logs a dead letter (ringback_bus_dead_lettered_total, one warning naming the event)', async () => {
    const registry = new Registry();
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const bus = new EmbeddedBus({
      path: ':memory:',
      registry,
      logger: { warn: (fields, message) => warnings.push({ fields, message }) },
    });
    try {
      const handled: number[] = [];
      const poison = thingHappened('thing-1', 2);
      const consumer = await bus.consume({
        groupId: 'poison',
        topics: ['ringback.poison.events'],
        retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2 },
        handler: async (m) => {
          if (m.envelope.eventId === poison.eventId) throw new Error('cannot handle');
          handled.push(n(m));
        },
      });
      for (const m of [thingHappened('thing-1', 1), poison, thingHappened('thing-1', 3)])
        await bus.publish('ringback.poison.events', 'thing-1', m);
      await eventually(() => handled.length === 2, 10_000);
      await consumer.whenCaughtUp();
      assert.deepEqual(handled, [1, 3]);
      assert.match(
        await registry.metrics(),
        /ringback_bus_dead_lettered_total\{group="poison",topic="ringback\.poison\.events"\} 1/,
      );
      assert.deepEqual(
        warnings.map((w) => [w.message, w.fields['eventId'], w.fields['attempts']]),
        [['message dead-lettered', poison.eventId, 3]],
      );
    } finally {
      await bus.close();
    }
  });

  it('survives a reopen: the log and the group offsets are on disk', async () => {
    const path = tempDb();
    const first = new EmbeddedBus({ path });
    const received: number[] = [];
    const c1 = await first.consume({
      groupId: 'g',
      topics: ['ringback.reopen.events'],
      handler: async (m) => void received.push(n(m)),
    });
    for (let i = 0; i < 3; i++)
      await first.publish('ringback.reopen.events', 'thing-1', thingHappened('thing-1', i));
    await c1.whenCaughtUp();
    await first.close();
    await assert.rejects(
      first.publish('ringback.reopen.events', 'thing-1', thingHappened('thing-1', 9)),
      /closed/,
    );

    const second = new EmbeddedBus({ path });
    try {
      await second.publish('ringback.reopen.events', 'thing-1', thingHappened('thing-1', 3));
      const c2 = await second.consume({
        groupId: 'g',
        topics: ['ringback.reopen.events'],
        handler: async (m) => void received.push(n(m)),
      });
      await c2.whenCaughtUp();
      assert.deepEqual(received, [0, 1, 2, 3]);
    } finally {
      await second.close();
    }
  });
});
