import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedBus } from '@ringback/bus-embedded';
import { coordinatorStreamId, ringbackEventRegistry, type EventEnvelope } from '@ringback/contracts';
import { InMemoryCheckpointStore, InMemoryEventStore, InMemoryReadModelStore } from '@ringback/in-memory';
import { DomainError, UuidV7Generator, VirtualClock, deterministicUuidV7, toIso } from '@ringback/kernel';
import { ProjectionRunner, StoreToBusRelay } from '@ringback/platform-core';
import {
  callbackTaskDecider,
  coordinatorDecider,
  type CallbackTaskState,
  type CoordinatorEvent,
  type CoordinatorState,
  type TaskEvent,
} from '@ringback/triage-domain';
import { taskStreamId } from '../open-task.consumer';
import { tasksProjection } from '../tasks.projection';
import { assertReservationHeld, runCoordinatorCommand, type CommandStamp } from './coordinator-command';
import { coordinatorsProjection } from './coordinators.projection';
import { RoutingDispatcher } from './routing.dispatcher';
import { RoutingTaskEventsConsumer } from './routing-task-events.consumer';
import { runTaskCommand } from './task-command';

const registry = ringbackEventRegistry();
const START = Date.parse('2026-11-30T16:00:00.000Z');
const quiet = { info: () => undefined, error: () => undefined };

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const stamp = (ids: UuidV7Generator, now: number): CommandStamp => ({
  eventId: () => ids.next(now),
  recordedAt: toIso(now),
  correlationId: 'test',
  causationId: null,
  traceparent: null,
  locationId: null,
});

const opened = (taskId: string, podId: string, at: number): EventEnvelope => ({
  eventId: deterministicUuidV7(at, 'test-open', taskId),
  type: 'TaskOpened',
  schemaVersion: 1,
  streamId: taskStreamId(taskId),
  occurredAt: toIso(at),
  recordedAt: toIso(at),
  correlationId: `c-${taskId}`,
  causationId: null,
  locationId: podId === 'pod-a' ? 'loc-a' : 'loc-b',
  traceparent: null,
  data: {
    taskId,
    locationId: podId === 'pod-a' ? 'loc-a' : 'loc-b',
    regionId: 'west',
    podId,
    channel: 'missed_call',
    providerCallId: `call-${taskId}`,
    callerPhone: '+13035550101',
    callerName: null,
    intent: 'billing',
    transcript: null,
    language: null,
    occurredAt: toIso(at),
    preferredWindow: null,
    triage: {
      tier: 3,
      rule: 'intent:billing',
      reasons: ['billing'],
      policyVersion: 1,
      handoff: null,
      crisis: false,
      requiredDocumentation: [],
    },
    sla: {
      targetMinutes: 60,
      mode: 'wall_clock',
      startedAt: toIso(at),
      dueAt: toIso(at + 3_600_000),
      calendarVersion: null,
    },
    openedAt: toIso(at),
  },
});

async function foldTask(store: InMemoryEventStore, taskId: string): Promise<CallbackTaskState> {
  let s = callbackTaskDecider.initialState();
  for (const r of await store.readStream(taskStreamId(taskId))) {
    const e = registry.upcast(r.envelope);
    s = callbackTaskDecider.evolve(s, { type: e.type, data: e.data } as TaskEvent);
  }
  return s;
}

async function foldCoordinator(store: InMemoryEventStore, id: string): Promise<CoordinatorState> {
  let s = coordinatorDecider.initialState();
  for (const r of await store.readStream(coordinatorStreamId(id))) {
    const e = registry.upcast(r.envelope);
    s = coordinatorDecider.evolve(s, { type: e.type, data: e.data } as CoordinatorEvent);
  }
  return s;
}

/**
 * Two dispatchers (two replicas of triage) route one queue at the same time, on the same store and
 * the same (lagging) read models, while coordinators accept, decline, ignore offers and change
 * presence. After every round: no coordinator has live offers of two tasks, no task two offers, and
 * every live task offer is held by its coordinator.
 */
describe('routing dispatchers racing on one queue', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  for (const seed of [1, 2, 3]) {
    it(`never offers one coordinator two tasks at once (seed ${seed})`, async () => {
      const random = prng(seed);
      const store = new InMemoryEventStore();
      const readModels = new InMemoryReadModelStore();
      const bus = new EmbeddedBus({ path: ':memory:', pollIntervalMs: 5 });
      const relay = new StoreToBusRelay({ store, bus, checkpoints: new InMemoryCheckpointStore() });
      const clock = new VirtualClock(START);
      const ids = new UuidV7Generator(clock);
      const runners = [tasksProjection, coordinatorsProjection].map(
        (projection) => new ProjectionRunner({ store, readModels, projection, registry, maxFlushDelayMs: 0 }),
      );
      const options = { offerTimeoutSeconds: 30, wrapUpSeconds: 10, intervalMs: 0 };
      const dispatchers = [0, 1].map(
        () => new RoutingDispatcher(store, readModels, clock, new UuidV7Generator(clock), quiet, options),
      );
      const consumer = new RoutingTaskEventsConsumer(bus, store, dispatchers[0]);
      await relay.start();
      for (const r of runners) await r.start();
      await consumer.start();
      cleanups.push(async () => {
        await consumer.stop();
        for (const r of runners) await r.stop();
        await relay.stop();
        await bus.close();
      });

      const coordinators = ['c0', 'c1', 'c2', 'c3', 'c4'];
      for (const [i, id] of coordinators.entries()) {
        await runCoordinatorCommand(
          store,
          registry,
          {
            type: 'SetProfile',
            data: {
              coordinatorId: id,
              at: toIso(START),
              setBy: 'admin',
              name: id,
              podIds: [i < 3 ? 'pod-a' : 'pod-b'],
              languages: ['en'],
              serviceLines: [],
              schedulingAuthority: [],
            },
          },
          stamp(ids, START),
        );
      }
      let taskCount = 0;
      const openTask = async () => {
        const taskId = `t${taskCount++}`;
        await store.appendToStream(
          taskStreamId(taskId),
          [opened(taskId, random() < 0.6 ? 'pod-a' : 'pod-b', clock.now())],
          {
            expectedRevision: 'no_stream',
          },
        );
      };
      for (let i = 0; i < 8; i++) await openTask();

      const quietly = async (run: () => Promise<unknown>) => {
        try {
          await run();
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      };

      const accepted: { coordinatorId: string; taskId: string; at: number }[] = [];
      for (let round = 0; round < 30; round++) {
        const now = clock.now();
        // People: sign in or out, answer offers (accept, decline, or let them ring), finish work.
        for (const id of coordinators) {
          const c = await foldCoordinator(store, id);
          if (c.status !== 'registered') continue;
          const roll = random();
          // What the coordinator's screen may show: any live offer a task has for them, held or not.
          const shown: { taskId: string; offerId: string }[] = [];
          for (let t = 0; t < taskCount; t++) {
            const s = await foldTask(store, `t${t}`);
            if (s.status === 'open' && s.offer?.coordinatorId === id && Date.parse(s.offer.expiresAt) > now)
              shown.push({ taskId: `t${t}`, offerId: s.offer.offerId });
          }
          if (shown.length > 0 && roll < 0.7) {
            for (const offer of shown) {
              await quietly(async () => {
                if (roll < 0.4) {
                  // As the HTTP accept does: only an offer the coordinator still holds.
                  await assertReservationHeld(store, registry, id, offer.offerId);
                  await runTaskCommand(
                    store,
                    registry,
                    { type: 'AcceptOffer', data: { ...offer, at: toIso(now), coordinatorId: id } },
                    stamp(ids, now),
                  );
                  accepted.push({ coordinatorId: id, taskId: offer.taskId, at: now });
                  // Only a reservation they held: a released one may have gone to another task meanwhile.
                  assert.equal(c.offer?.offerId, offer.offerId, `${id} accepted an offer it did not hold`);
                } else {
                  await runTaskCommand(
                    store,
                    registry,
                    { type: 'DeclineOffer', data: { ...offer, at: toIso(now), coordinatorId: id } },
                    stamp(ids, now),
                  );
                }
              });
            }
          } else if (c.activeTaskIds.length > 0 && roll < 0.5) {
            const taskId = c.activeTaskIds[0]!;
            await quietly(() =>
              runTaskCommand(
                store,
                registry,
                { type: 'Resolve', data: { taskId, at: toIso(now), resolvedBy: id, resolution: 'resolved' } },
                stamp(ids, now),
              ),
            );
          } else if (roll > 0.85) {
            const presence = c.presence === 'available' ? 'away' : 'available';
            await quietly(() =>
              runCoordinatorCommand(
                store,
                registry,
                {
                  type: 'ChangePresence',
                  data: { coordinatorId: id, at: toIso(now), presence, changedBy: id },
                },
                stamp(ids, now),
              ),
            );
          } else if (c.presence === 'offline') {
            await runCoordinatorCommand(
              store,
              registry,
              {
                type: 'ChangePresence',
                data: { coordinatorId: id, at: toIso(now), presence: 'available', changedBy: id },
              },
              stamp(ids, now),
            );
          }
        }
        if (random() < 0.3) await openTask();
        // Both replicas tick at once, sometimes before the read models caught up.
        const caughtUp = random() < 0.5;
        if (caughtUp) {
          for (const r of runners) await r.whenCaughtUp();
          await consumer.whenCaughtUp();
        }
        await Promise.all(dispatchers.map((d) => d.tick()));

        // The invariant, from the streams themselves.
        const liveOffers = new Map<string, string[]>();
        for (let t = 0; t < taskCount; t++) {
          const s = await foldTask(store, `t${t}`);
          if (s.status !== 'open' || !s.offer || Date.parse(s.offer.expiresAt) <= clock.now()) continue;
          const holder = await foldCoordinator(store, s.offer.coordinatorId);
          const held = holder.status === 'registered' && holder.offer?.offerId === s.offer.offerId;
          // A live offer its coordinator no longer holds was released (they went away): nobody can
          // accept it, and a tick that sees it withdraws it.
          if (!held) {
            const offerId = s.offer.offerId;
            const released = (await store.readStream(coordinatorStreamId(s.offer.coordinatorId))).some(
              (r) =>
                r.envelope.type === 'CoordinatorOfferReleased' &&
                (r.envelope.data as { offerId?: string }).offerId === offerId,
            );
            assert.ok(released, `round ${round}: t${t}'s offer is neither held nor released`);
            assert.ok(
              !caughtUp,
              `round ${round}: a tick on caught-up read models left t${t}'s released offer`,
            );
            continue;
          }
          const list = liveOffers.get(s.offer.coordinatorId) ?? [];
          list.push(`t${t}`);
          liveOffers.set(s.offer.coordinatorId, list);
        }
        for (const [id, tasks] of liveOffers)
          assert.ok(tasks.length <= 1, `round ${round}: ${id} may accept ${tasks.join(' and ')}`);

        clock.advance(Math.floor(random() * 20_000));
      }
      const offers = (await store.readAll()).filter((r) => r.envelope.type === 'TaskOffered').length;
      assert.ok(offers >= 10, `the run made offers (${offers})`);
      assert.ok(accepted.length >= 3, `coordinators took offers (${accepted.length})`);
      // Nobody was ever given two tasks by accepting offers at the same moment.
      const byMoment = new Map<string, number>();
      for (const a of accepted)
        byMoment.set(`${a.coordinatorId}@${a.at}`, (byMoment.get(`${a.coordinatorId}@${a.at}`) ?? 0) + 1);
      for (const [key, n] of byMoment) assert.equal(n, 1, `${key} accepted ${n} offers at once`);
    });
  }
});
