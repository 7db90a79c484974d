import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ringbackEventRegistry, type EventEnvelope } from '@ringback/contracts';
import { VirtualClock, toIso } from '@ringback/kernel';
import { InMemoryEventStore, InMemoryReadModelStore } from '@ringback/in-memory';
import { ProjectionRunner, type Bus } from '@ringback/platform-core';
import { SlaTaskEventsConsumer } from './sla-task-events.consumer';
import { SlaTimerScheduler } from './sla-timer.scheduler';
import { slaTimersProjection } from './sla-timers.projection';
import type { SlaLogger } from './sla-logger';
import { appendTaskEvents, configureAurora, slaStopped, taskOpened } from './test-fixtures/sla-fixtures';

const quiet: SlaLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MINUTE = 60_000;
// Monday 2026-11-23 06:00 in Denver.
const T0 = Date.parse('2026-11-23T13:00:00Z');

type Action =
  | { kind: 'advance'; minutes: number }
  | { kind: 'jumpToThreshold'; threshold: number }
  | { kind: 'tick'; settled: boolean }
  | { kind: 'concurrentTicks' }
  | { kind: 'restart'; waitForRebuild: boolean }
  | { kind: 'stop'; task: number };

const taskArb = fc.record({
  tier: fc.constantFrom<1 | 2 | 3>(1, 2, 3),
  openedAfterMinutes: fc.integer({ min: 0, max: 8 * 60 }),
  preferredAfterMinutes: fc.option(fc.integer({ min: 0, max: 240 }), { nil: undefined }),
});

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 0, max: 90 }) }),
  },
  // Lands exactly on an at-risk or breach instant (if still ahead), so ticks fall between thresholds.
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('jumpToThreshold' as const), threshold: fc.nat({ max: 7 }) }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tick' as const), settled: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'concurrentTicks' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('restart' as const), waitForRebuild: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop' as const), task: fc.nat({ max: 3 }) }) },
);

/** An sla-monitor process: in-memory read model rebuilt at start, scheduler on the shared clock. */
function processOver(store: InMemoryEventStore, clock: VirtualClock) {
  const readModels = new InMemoryReadModelStore();
  const runner = new ProjectionRunner({
    store,
    readModels,
    projection: slaTimersProjection,
    registry: ringbackEventRegistry(),
    logger: quiet,
    maxFlushDelayMs: 1,
  });
  return { readModels, runner, scheduler: new SlaTimerScheduler(store, readModels, clock, quiet) };
}

interface Threshold {
  taskId: string;
  type: 'SlaAtRiskReached' | 'SlaBreached';
  at: number;
}

describe('durable SLA timers (property)', () => {
  it('any interleaving of ticks, restarts and stops stores each threshold at most once, never early, and every overdue one exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(taskArb, { minLength: 1, maxLength: 4 }),
        fc.array(actionArb, { maxLength: 20 }),
        async (tasks, actions) => {
          const store = new InMemoryEventStore();
          const clock = new VirtualClock(T0);
          await configureAurora(store);
          const consumer = new SlaTaskEventsConsumer({} as Bus, store, clock, quiet);
          const opened = tasks.map((t, i) =>
            taskOpened({
              taskId: `p${i}`,
              tier: t.tier,
              occurredAt: toIso(T0 + t.openedAfterMinutes * MINUTE),
              ...(t.preferredAfterMinutes !== undefined
                ? {
                    preferredWindowStart: toIso(
                      T0 + (t.openedAfterMinutes + t.preferredAfterMinutes) * MINUTE,
                    ),
                  }
                : {}),
            }),
          );
          await appendTaskEvents(store, ...opened);
          for (const e of opened) await consumer.handle(e);

          const thresholds: Threshold[] = [];
          for (const o of opened) {
            const started = (await store.readStream(`sla-${o.data.taskId}`))[0]!.envelope as EventEnvelope<
              'SlaClockStarted',
              { atRiskAt: string; breachAt: string }
            >;
            thresholds.push(
              { taskId: o.data.taskId, type: 'SlaAtRiskReached', at: Date.parse(started.data.atRiskAt) },
              { taskId: o.data.taskId, type: 'SlaBreached', at: Date.parse(started.data.breachAt) },
            );
          }
          const stopped = new Set<string>();
          const stored = async (): Promise<EventEnvelope[]> =>
            (await store.readAll({ categories: ['sla'] })).map((r) => r.envelope);
          const firedCount = (events: EventEnvelope[], t: Threshold): number =>
            events.filter((e) => e.type === t.type && (e.data as { taskId: string }).taskId === t.taskId)
              .length;

          let proc = processOver(store, clock);
          await proc.runner.start();
          try {
            for (const action of actions) {
              switch (action.kind) {
                case 'advance':
                  clock.advance(action.minutes * MINUTE);
                  break;
                case 'jumpToThreshold': {
                  const t = thresholds[action.threshold % thresholds.length]!;
                  if (t.at > clock.now()) clock.set(t.at);
                  break;
                }
                case 'tick': {
                  if (action.settled) await proc.runner.whenCaughtUp();
                  await proc.scheduler.tick();
                  if (action.settled) {
                    // With a caught-up read model, one tick fires everything due.
                    const events = await stored();
                    for (const t of thresholds) {
                      if (t.at <= clock.now() && !stopped.has(t.taskId))
                        assert.equal(firedCount(events, t), 1, `${t.taskId} ${t.type} due ${toIso(t.at)}`);
                    }
                  }
                  break;
                }
                case 'concurrentTicks': {
                  const replica = new SlaTimerScheduler(store, proc.readModels, clock, quiet);
                  await Promise.all([proc.scheduler.tick(), replica.tick(), proc.scheduler.tick()]);
                  break;
                }
                case 'restart':
                  await proc.scheduler.stop();
                  await proc.runner.stop();
                  proc = processOver(store, clock);
                  await proc.runner.start();
                  if (action.waitForRebuild) await proc.runner.whenCaughtUp();
                  break;
                case 'stop': {
                  const task = opened[action.task % opened.length]!;
                  const stopEvent = slaStopped(task, toIso(clock.now()));
                  await appendTaskEvents(store, stopEvent);
                  await consumer.handle(stopEvent);
                  stopped.add(task.data.taskId);
                  break;
                }
              }
            }
            // Finally: long after every clock, a restart and a tick fire whatever is still owed.
            clock.advance(7 * 24 * 60 * MINUTE);
            await proc.runner.stop();
            proc = processOver(store, clock);
            await proc.runner.start();
            await proc.runner.whenCaughtUp();
            await proc.scheduler.tick();
            await proc.scheduler.tick();

            const events = await stored();
            for (const t of thresholds) {
              const n = firedCount(events, t);
              if (stopped.has(t.taskId)) assert.ok(n <= 1, `${t.taskId} ${t.type} fired ${n} times`);
              else assert.equal(n, 1, `${t.taskId} ${t.type} fired ${n} times`);
            }
            for (const e of events) {
              if (e.type === 'SlaAtRiskReached' || e.type === 'SlaBreached') {
                assert.ok(Date.parse(e.recordedAt) >= Date.parse(e.occurredAt), `${e.type} fired early`);
              }
            }
            assert.equal(new Set(events.map((e) => e.eventId)).size, events.length);
          } finally {
            await proc.runner.stop();
            await store.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
