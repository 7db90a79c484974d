import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope, RecordedEvent } from '@ringback/contracts';
import type { SubscriptionFailure } from './catch-up-subscription';
import { PollingSubscription, type SubscriptionSource } from './polling-subscription';

const recorded = (position: bigint): RecordedEvent => ({
  envelope: { eventId: `e${position}`, streamId: 'thing-1' } as unknown as EventEnvelope,
  streamRevision: Number(position) - 1,
  position,
});

/** A log in memory whose reads can be made to fail. */
function source(log: RecordedEvent[], failReads = 0): SubscriptionSource {
  let failures = failReads;
  return {
    read: (from, _categories, maxCount) => {
      if (failures-- > 0) throw new Error('disk on fire');
      return log.filter((e) => e.position > from).slice(0, maxCount);
    },
    head: () => log[log.length - 1]?.position ?? 0n,
  };
}

const runtime = (failures: [unknown, SubscriptionFailure][], onStopped = (): void => undefined) => ({
  batchSize: 2,
  initialBackoffMs: 1,
  maxBackoffMs: 4,
  onSubscriptionError: (error: unknown, failure: SubscriptionFailure) => failures.push([error, failure]),
  onStopped,
});

describe('PollingSubscription', () => {
  it('retries a failing handler on the same event with capped backoff, then moves on', async () => {
    const log = [1n, 2n, 3n].map(recorded);
    const handled: string[] = [];
    const failures: [unknown, SubscriptionFailure][] = [];
    let throws = 4;
    const subscription = new PollingSubscription(
      source(log),
      {
        subscriberId: 'sub',
        handler: async (e) => {
          if (e.position === 2n && throws-- > 0) throw new Error('poison');
          handled.push(e.envelope.eventId);
        },
      },
      runtime(failures),
    );
    await subscription.whenCaughtUp();
    assert.deepEqual(handled, ['e1', 'e2', 'e3']);
    assert.equal(subscription.lastPosition, 3n);
    assert.deepEqual(
      failures.map(([, f]) => [f.event?.position, f.attempt, f.retryInMs]),
      [
        [2n, 1, 1],
        [2n, 2, 2],
        [2n, 3, 4],
        [2n, 4, 4],
      ],
    );
    await subscription.stop();
  });

  it('reports read failures without an event and picks up appends on notify', async () => {
    const log = [recorded(1n)];
    const handled: bigint[] = [];
    const failures: [unknown, SubscriptionFailure][] = [];
    let stopped = 0;
    const subscription = new PollingSubscription(
      source(log, 2),
      { subscriberId: 'sub', fromPosition: 0n, handler: async (e) => void handled.push(e.position) },
      runtime(failures, () => stopped++),
    );
    await subscription.whenCaughtUp();
    assert.deepEqual(
      failures.map(([, f]) => f),
      [
        { subscriberId: 'sub', attempt: 1, retryInMs: 1 },
        { subscriberId: 'sub', attempt: 2, retryInMs: 2 },
      ],
    );
    log.push(recorded(2n));
    subscription.notify();
    await subscription.whenCaughtUp();
    assert.deepEqual(handled, [1n, 2n]);

    await subscription.stop();
    assert.equal(stopped, 1);
    await assert.rejects(subscription.whenCaughtUp(), /is stopped/);
  });

  it('stops during a backoff sleep and rejects waiters still pending', async () => {
    const log = [1n, 2n].map(recorded);
    const failures: [unknown, SubscriptionFailure][] = [];
    const subscription = new PollingSubscription(
      source(log),
      {
        subscriberId: 'sub',
        handler: async (e) => {
          if (e.position === 2n) throw new Error('poison');
        },
      },
      { ...runtime(failures), initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
    );
    const waiting = subscription.whenCaughtUp();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(subscription.lastPosition, 1n);
    assert.equal(failures.length, 1);
    await subscription.stop();
    await assert.rejects(waiting, /subscription sub stopped/);
  });

  it('with minReadIntervalMs, appends notified meanwhile come in one read; a full batch is read on at once', async () => {
    const log: RecordedEvent[] = [];
    let reads = 0;
    const counted: SubscriptionSource = {
      read: (from, _categories, maxCount) => {
        reads++;
        return log.filter((e) => e.position > from).slice(0, maxCount);
      },
      head: () => log[log.length - 1]?.position ?? 0n,
    };
    const handled: bigint[] = [];
    const subscription = new PollingSubscription(
      counted,
      { subscriberId: 'sub', handler: async (e) => void handled.push(e.position) },
      { ...runtime([]), batchSize: 3, minReadIntervalMs: 80 },
    );
    await new Promise((r) => setTimeout(r, 100)); // read once, found nothing, asleep
    const before = reads;
    for (let p = 1n; p <= 5n; p++) {
      log.push(recorded(p));
      subscription.notify();
      await new Promise((r) => setTimeout(r, 5));
    }
    await subscription.whenCaughtUp();
    assert.deepEqual(handled, [1n, 2n, 3n, 4n, 5n]);
    // Woken by the first append (its last read long ago): reads it; the next four wait out the
    // interval and come together, and the batch of three is followed by a read at once.
    assert.ok(reads - before <= 4, `read ${reads - before} times for 5 appends`);

    // Catching up: full batches are read back to back, not one per interval.
    await new Promise((r) => setTimeout(r, 100));
    for (let p = 6n; p <= 17n; p++) log.push(recorded(p));
    // Counted, not timed (wall-clock bounds flake on a loaded CI host): how many reads of this
    // stage had been made at each wait on the interval.
    const intervalWaits: number[] = [];
    const spied = subscription as unknown as {
      sleep(ms: number | undefined, wakeable: boolean): Promise<void>;
    };
    const sleep = spied.sleep.bind(subscription);
    spied.sleep = (ms, wakeable) => {
      if (!wakeable && ms !== undefined) intervalWaits.push(reads - readsBefore);
      return sleep(ms, wakeable);
    };
    const readsBefore = reads;
    subscription.notify();
    await subscription.whenCaughtUp();
    assert.equal(handled.length, 17);
    // The first read may wait out the interval (the previous stage's last read can be recent);
    // none of the full batches after it does.
    assert.ok(
      intervalWaits.every((readsMade) => readsMade === 0),
      `four full batches read back to back: waits after reads ${JSON.stringify(intervalWaits)}`,
    );
    assert.equal(reads - readsBefore, 4, 'four full batches, one read each');
    await subscription.stop();
  });
});
