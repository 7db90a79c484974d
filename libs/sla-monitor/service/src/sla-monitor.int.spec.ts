import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ringbackEventRegistry } from '@ringback/contracts';
import { VirtualClock } from '@ringback/kernel';
import { EmbeddedBus } from '@ringback/bus-embedded';
import { InMemoryCheckpointStore, InMemoryEventStore, InMemoryReadModelStore } from '@ringback/in-memory';
import { ProjectionRunner, StoreToBusRelay } from '@ringback/platform-core';
import { SlaTaskEventsConsumer } from './sla-task-events.consumer';
import { SlaTimerScheduler } from './sla-timer.scheduler';
import { SLA_TIMERS_COLLECTION, slaTimersProjection, type SlaTimerDoc } from './sla-timers.projection';
import type { SlaLogger } from './sla-logger';
import {
  appendTaskEvents,
  configureAurora,
  slaStopped,
  slaStreamTypes,
  taskOpened,
} from './test-fixtures/sla-fixtures';

const ms = (iso: string): number => Date.parse(iso);
const quiet: SlaLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * One sla-monitor "process" over durable components (event store, bus) that outlive it: its read
 * model is in memory and rebuilt at start, as in embedded mode.
 */
class SlaMonitorProcess {
  readonly readModels = new InMemoryReadModelStore();
  readonly runner: ProjectionRunner;
  readonly consumer: SlaTaskEventsConsumer;
  readonly scheduler: SlaTimerScheduler;

  constructor(
    readonly store: InMemoryEventStore,
    bus: EmbeddedBus,
    clock: VirtualClock,
  ) {
    this.runner = new ProjectionRunner({
      store,
      readModels: this.readModels,
      projection: slaTimersProjection,
      registry: ringbackEventRegistry(),
      logger: quiet,
    });
    this.consumer = new SlaTaskEventsConsumer(bus, store, clock, quiet);
    this.scheduler = new SlaTimerScheduler(store, this.readModels, clock, quiet);
  }

  async start(): Promise<this> {
    await this.runner.start();
    await this.consumer.start();
    return this;
  }

  async crash(): Promise<void> {
    await this.scheduler.stop();
    await this.consumer.stop();
    await this.runner.stop();
  }

  timer(taskId: string): Promise<SlaTimerDoc | null> {
    return this.readModels.get<SlaTimerDoc>(SLA_TIMERS_COLLECTION, taskId);
  }
}

async function system(startAt: string) {
  const store = new InMemoryEventStore();
  const bus = new EmbeddedBus({ path: ':memory:', pollIntervalMs: 10 });
  const relay = new StoreToBusRelay({ store, bus, checkpoints: new InMemoryCheckpointStore() });
  const clock = new VirtualClock(startAt);
  await configureAurora(store);
  await relay.start();
  let process = await new SlaMonitorProcess(store, bus, clock).start();
  const settle = async (): Promise<void> => {
    await relay.whenCaughtUp();
    await process.consumer.whenCaughtUp();
    await process.runner.whenCaughtUp();
  };
  return {
    store,
    clock,
    get process() {
      return process;
    },
    settle,
    /** Advance to `at`, tick once, and let the read model follow. */
    async tickAt(at: string | number): Promise<number> {
      clock.set(at);
      const fired = await process.scheduler.tick();
      await settle();
      return fired;
    },
    async restart(): Promise<SlaMonitorProcess> {
      await process.crash();
      process = await new SlaMonitorProcess(store, bus, clock).start();
      return process;
    },
    async close(): Promise<void> {
      await process.crash();
      await relay.stop();
      await bus.close();
      await store.close();
    },
  };
}

describe('sla-monitor over the event store, the embedded bus and the relay', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('fires at-risk and breach at the right instants, exactly once each: Tier 1 wall clock, Tier 2 business hours', async () => {
    const sys = await system('2026-11-21T01:00:00Z');
    closers.push(() => sys.close());
    // Tier 1 after hours on Friday 18:00 Denver: 15 real minutes.
    const t1 = taskOpened({ taskId: 'tier1', tier: 1, occurredAt: '2026-11-20T18:00:00-07:00' });
    // Tier 2 on Monday 11:50 Denver: 10 business minutes before lunch, 5 after: due 13:05.
    const t2 = taskOpened({ taskId: 'tier2', tier: 2, occurredAt: '2026-11-23T11:50:00-07:00' });
    assert.equal(t2.data.sla.dueAt, '2026-11-23T20:05:00.000Z');
    await appendTaskEvents(sys.store, t1, t2);
    await sys.settle();

    const tier1 = await sys.process.timer('tier1');
    assert.equal(tier1?.nextAt, '2026-11-21T01:11:15.000Z');
    assert.equal((await sys.process.timer('tier2'))?.nextAt, '2026-11-23T20:01:15.000Z');

    assert.equal(await sys.tickAt(ms('2026-11-21T01:11:15Z') - 1), 0);
    assert.equal(await sys.tickAt('2026-11-21T01:11:15Z'), 1);
    assert.equal(await sys.tickAt('2026-11-21T01:11:16Z'), 0);
    assert.equal((await sys.process.timer('tier1'))?.status, 'at_risk');
    assert.equal(await sys.tickAt(ms('2026-11-21T01:15:00Z') - 1), 0);
    assert.equal(await sys.tickAt('2026-11-21T01:15:00Z'), 1);
    assert.equal(await sys.tickAt('2026-11-21T02:00:00Z'), 0);
    assert.deepEqual(await slaStreamTypes(sys.store, 'tier1'), [
      'SlaClockStarted',
      'SlaAtRiskReached',
      'SlaBreached',
    ]);
    const breached = await sys.process.timer('tier1');
    assert.equal(breached?.status, 'breached');
    assert.equal(breached?.pending, false);

    // Over lunch the business clock is paused: 75% in real time (12:46:15) is not at risk yet.
    assert.equal(await sys.tickAt('2026-11-23T19:50:00Z'), 0);
    assert.equal(await sys.tickAt(ms('2026-11-23T20:01:15Z') - 1), 0);
    assert.equal(await sys.tickAt('2026-11-23T20:01:15Z'), 1);
    assert.equal(await sys.tickAt('2026-11-23T20:04:59Z'), 0);
    assert.equal(await sys.tickAt('2026-11-23T20:05:00Z'), 1);
    assert.equal(await sys.tickAt('2026-11-24T20:05:00Z'), 0);
    const events = (await sys.store.readStream('sla-tier2')).map((r) => r.envelope);
    assert.deepEqual(
      events.map((e) => [e.type, e.occurredAt]),
      [
        ['SlaClockStarted', t2.occurredAt],
        ['SlaAtRiskReached', '2026-11-23T20:01:15.000Z'],
        ['SlaBreached', '2026-11-23T20:05:00.000Z'],
      ],
    );
    const breach = events[2]!.data as { supervisorAlert: boolean; priorityBump: number };
    assert.equal(breach.supervisorAlert, true);
    assert.ok(breach.priorityBump > 0);
  });

  it('a stop before the breach prevents it; a stop before at-risk prevents both', async () => {
    const sys = await system('2026-11-23T21:00:00Z');
    closers.push(() => sys.close());
    const late = taskOpened({ taskId: 'late-stop', tier: 2, occurredAt: '2026-11-23T14:00:00-07:00' });
    const early = taskOpened({ taskId: 'early-stop', tier: 2, occurredAt: '2026-11-23T14:00:00-07:00' });
    await appendTaskEvents(sys.store, late, early);
    await sys.settle();

    await appendTaskEvents(sys.store, slaStopped(early, '2026-11-23T21:05:00Z'));
    await sys.settle();
    assert.equal(await sys.tickAt('2026-11-23T21:11:15Z'), 1); // late-stop at risk only
    await appendTaskEvents(sys.store, slaStopped(late, '2026-11-23T21:13:00Z'));
    await sys.settle();
    assert.equal(await sys.tickAt('2026-11-23T21:15:00Z'), 0);
    assert.equal(await sys.tickAt('2026-11-24T21:15:00Z'), 0);

    assert.deepEqual(await slaStreamTypes(sys.store, 'late-stop'), [
      'SlaClockStarted',
      'SlaAtRiskReached',
      'SlaClockStopped',
    ]);
    assert.deepEqual(await slaStreamTypes(sys.store, 'early-stop'), ['SlaClockStarted', 'SlaClockStopped']);
    const doc = await sys.process.timer('late-stop');
    assert.equal(doc?.status, 'met');
    assert.equal(doc?.pending, false);
    assert.equal(doc?.stopReason, 'first_contact');
  });

  it('after a crash and downtime past both thresholds, the rebuilt timers fire each overdue threshold exactly once', async () => {
    const sys = await system('2026-11-23T18:00:00Z');
    closers.push(() => sys.close());
    const t1 = taskOpened({ taskId: 'crash-1', tier: 1, occurredAt: '2026-11-23T11:00:00-07:00' });
    const t2 = taskOpened({ taskId: 'crash-2', tier: 2, occurredAt: '2026-11-23T11:50:00-07:00' });
    await appendTaskEvents(sys.store, t1, t2);
    await sys.settle();
    assert.equal(await sys.tickAt('2026-11-23T18:05:00Z'), 0);

    // Down from 18:05 to 22:00: both clocks passed at-risk and breach meanwhile.
    await sys.process.crash();
    sys.clock.set('2026-11-23T22:00:00Z');
    const restarted = await sys.restart();
    await restarted.runner.whenCaughtUp();
    // A second replica ticking at the same moment must not double-fire either: whichever loses the
    // race either reloads and decides nothing, or appends the same ids, which the store recognises.
    const replica = new SlaTimerScheduler(sys.store, restarted.readModels, sys.clock, quiet);
    const [a, b] = await Promise.all([restarted.scheduler.tick(), replica.tick()]);
    assert.ok(a + b >= 4, `${a} + ${b}`);
    assert.equal(await restarted.scheduler.tick(), 0); // the read model may still lag: the decider refuses
    await sys.settle();
    for (let i = 0; i < 3; i++) assert.equal(await sys.tickAt(sys.clock.now() + 60_000), 0);

    // And again: another restart replays everything and fires nothing more.
    const again = await sys.restart();
    await again.runner.whenCaughtUp();
    assert.equal(await again.scheduler.tick(), 0);

    for (const [taskId, atRisk, breach] of [
      ['crash-1', '2026-11-23T18:11:15.000Z', '2026-11-23T18:15:00.000Z'],
      ['crash-2', '2026-11-23T20:01:15.000Z', '2026-11-23T20:05:00.000Z'],
    ] as const) {
      const events = (await sys.store.readStream(`sla-${taskId}`)).map((r) => r.envelope);
      assert.deepEqual(
        events.map((e) => [e.type, e.occurredAt]).slice(1),
        [
          ['SlaAtRiskReached', atRisk],
          ['SlaBreached', breach],
        ],
        taskId,
      );
      assert.equal(events[1]!.recordedAt, '2026-11-23T22:00:00.000Z');
    }
  });

  it('a redelivered task event starts nothing twice, and a retriage restarts the clock', async () => {
    const sys = await system('2026-11-23T18:00:00Z');
    closers.push(() => sys.close());
    const opened = taskOpened({ taskId: 'retriage', tier: 2, occurredAt: '2026-11-23T11:00:00-07:00' });
    await appendTaskEvents(sys.store, opened);
    await sys.settle();
    await sys.process.consumer.handle(opened); // redelivery
    const urgent = taskOpened({ taskId: 'retriage', tier: 1, occurredAt: '2026-11-23T11:04:00-07:00' });
    const joined = {
      ...urgent,
      eventId: taskOpened({ taskId: 'x', tier: 1, occurredAt: '2026-11-23T11:04:00-07:00' }).eventId,
      type: 'CallJoinedTask' as const,
      data: {
        taskId: 'retriage',
        providerCallId: 'CA-2',
        channel: 'missed_call',
        occurredAt: urgent.data.occurredAt,
        transcript: 'chest pain',
        callCount: 2,
        retriage: { triage: urgent.data.triage, sla: urgent.data.sla },
        joinedAt: urgent.data.occurredAt,
      },
    };
    await appendTaskEvents(sys.store, joined as never);
    await sys.settle();
    const doc = await sys.process.timer('retriage');
    assert.equal(doc?.clockVersion, 2);
    assert.equal(doc?.tier, 1);
    assert.equal(doc?.nextAt, '2026-11-23T18:15:15.000Z');
    assert.equal(await sys.tickAt('2026-11-23T18:20:00Z'), 2);
    assert.deepEqual(await slaStreamTypes(sys.store, 'retriage'), [
      'SlaClockStarted',
      'SlaClockStarted',
      'SlaAtRiskReached',
      'SlaBreached',
    ]);
  });
});
