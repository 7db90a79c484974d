import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer, Kafka } from 'kafkajs';
import type { DeadLetterRecorder } from '@ringback/platform-core';
import { KafkaBusConsumer, type KafkaBusConsumerConfig } from './kafka-bus-consumer';

// What KafkaBusConsumer does when kafkajs gives up on a member: the decision is ours, so it is tested
// here against a stand-in for the kafkajs consumer that records its calls and raises its crash event.
// The broker-side behaviour is in kafka-bus.int.spec.ts and the broker restart of kafka-faults.e2e.

type Listener = (event: { payload: Record<string, unknown> }) => void;

class FakeMember {
  readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' };
  readonly calls: string[] = [];
  /** What the member was created with (its `retry.restartOnFailure` above all). */
  config: { retry?: { restartOnFailure?: (error: Error) => Promise<boolean> } } = {};
  private readonly listeners = new Map<string, Listener>();
  constructor(private readonly failConnects: number) {}

  on(event: string, listener: Listener): () => void {
    this.listeners.set(event, listener);
    return () => this.listeners.delete(event);
  }
  async connect(): Promise<void> {
    this.calls.push('connect');
    if (this.failConnects > 0)
      throw Object.assign(new Error('broker down'), { name: 'KafkaJSConnectionError' });
  }
  async subscribe(): Promise<void> {
    this.calls.push('subscribe');
  }
  async run(): Promise<void> {
    this.calls.push('run');
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
  }
  async disconnect(): Promise<void> {
    this.calls.push('disconnect');
  }
  crash(restart: boolean): void {
    const error = Object.assign(new Error('The group is rebalancing'), { name: 'KafkaJSProtocolError' });
    this.listeners.get(this.events.CRASH)?.({ payload: { error, groupId: 'g', restart } });
  }
}

function harness(failingRejoins = 0) {
  const members: FakeMember[] = [];
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const kafka = {
    consumer: (options: FakeMember['config']) => {
      // The first member joins; the next `failingRejoins` replacements cannot connect.
      const member = new FakeMember(members.length === 0 ? 0 : members.length <= failingRejoins ? 1 : 0);
      member.config = options;
      members.push(member);
      return member as unknown as Consumer;
    },
  } as unknown as Kafka;
  const config: KafkaBusConsumerConfig = {
    kafka,
    admin: () => Promise.reject(new Error('no admin in this test')),
    send: () => Promise.resolve(),
    onStopped: () => undefined,
    logger: { warn: (fields, message) => warnings.push({ fields, message }) },
    groupId: 'triage.inbound-contacts',
    topics: ['ringback.call'],
    handler: () => Promise.resolve(),
    policy: { maxAttempts: 5, initialBackoffMs: 5, maxBackoffMs: 20 },
    fromBeginning: true,
    startAt: new Map(),
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    rebalanceTimeoutMs: 30_000,
    maxWaitTimeMs: 100,
    partitionsConsumedConcurrently: 1,
    lagGauge: undefined,
    lagIntervalMs: 3_600_000,
    caughtUpPollMs: 10,
    deadLetters: {} as DeadLetterRecorder,
  };
  return { consumer: new KafkaBusConsumer(config), members, warnings };
}

const settled = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'condition not reached');
};

describe('KafkaBusConsumer after a crash', () => {
  it('leaves a crash kafkajs restarts from to kafkajs', async () => {
    const { consumer, members, warnings } = harness();
    await consumer.start();
    members[0]!.crash(true);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(members.length, 1);
    assert.equal(warnings.length, 0);
    await consumer.stop();
  });

  it('replaces a member kafkajs gave up on with a new one of the same group, and logs it', async () => {
    const { consumer, members, warnings } = harness();
    await consumer.start();
    members[0]!.crash(false);
    await settled(() => members[1]?.calls.includes('run') ?? false);
    assert.deepEqual(members[0]!.calls, ['connect', 'subscribe', 'run', 'disconnect']);
    assert.deepEqual(members[1]!.calls, ['connect', 'subscribe', 'run']);
    assert.equal(consumer.lastCrash?.name, 'KafkaJSProtocolError');
    assert.deepEqual(warnings, [
      {
        fields: {
          groupId: 'triage.inbound-contacts',
          error: 'KafkaJSProtocolError',
          reason: 'The group is rebalancing',
        },
        message: 'kafka consumer gave up; a new member takes over',
      },
    ]);
    // A later crash of the old member is not a second takeover; one of the new member is.
    members[0]!.crash(false);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(members.length, 2);
    members[1]!.crash(false);
    await settled(() => members[2]?.calls.includes('run') ?? false);
    await consumer.stop();
    assert.ok(members[2]!.calls.includes('stop'), 'stop reaches the member that runs');
  });

  it('keeps trying, backing off, while the broker refuses the new member', async () => {
    const { consumer, members, warnings } = harness(3);
    await consumer.start();
    members[0]!.crash(false);
    await settled(() => members[4]?.calls.includes('run') ?? false);
    for (const failed of members.slice(1, 4)) assert.deepEqual(failed.calls, ['connect', 'disconnect']);
    assert.deepEqual(
      warnings.slice(1).map((w) => w.fields['attempt']),
      [0, 1, 2],
    );
    await consumer.stop();
  });

  it('lets kafkajs restart a crashed member while running, not once stopping', async () => {
    const { consumer, members } = harness();
    await consumer.start();
    const restartOnFailure = members[0]!.config.retry?.restartOnFailure;
    assert.ok(restartOnFailure, 'the member is created with restartOnFailure');
    const crash = new Error('Connection error');
    assert.equal(await restartOnFailure(crash), true);
    await consumer.stop();
    assert.equal(await restartOnFailure(crash), false);
  });

  it('after stop, a crash starts nothing', async () => {
    const { consumer, members } = harness();
    await consumer.start();
    await consumer.stop();
    members[0]!.crash(false);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(members.length, 1);
  });
});
