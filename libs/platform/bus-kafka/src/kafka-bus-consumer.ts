import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import {
  BusHeader,
  ConsumerLagReporter,
  abortableDelay,
  deadLetterHeaders,
  deliverWithRetry,
  type BusConsumer,
  type BusLogger,
  type ConsumeOptions,
  type ConsumerLagGauge,
  type DeadLetterFailure,
  type DeadLetterRecorder,
  type DeliveryOutcome,
  type RetryPolicy,
} from '@ringback/platform-core';
import { deadLetterTopicFor } from '@ringback/contracts';
import { decodeRecord, partitionLag, type PartitionOffsets } from './kafka-message.mapper';

export interface OutgoingRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * kafkajs's offset lookups can fail for a moment on a just-created topic (its metadata not yet on
 * every broker: a retriable protocol error, or a TypeError inside kafkajs when the answer lacks the
 * topic). Such lookups are retried briefly; other errors propagate.
 */
export async function offsetsOf<T>(lookup: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await lookup();
    } catch (error) {
      const transient = error instanceof TypeError || (error as { retriable?: boolean }).retriable === true;
      if (!transient || attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, Math.min(50 * attempt, 500)));
    }
  }
}

export const topicPartitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

type TopicPartitionEnds = Omit<PartitionOffsets, 'committed'> & { topic: string };

export interface KafkaBusConsumerConfig {
  kafka: Kafka;
  admin: () => Promise<Admin>;
  send: (topic: string, record: OutgoingRecord) => Promise<void>;
  onStopped: (consumer: KafkaBusConsumer) => void;
  /** Where a crash kafkajs gave up on, and each failed rejoin, are logged (no message content). */
  logger?: BusLogger | undefined;
  groupId: string;
  topics: string[];
  handler: ConsumeOptions['handler'];
  policy: RetryPolicy;
  fromBeginning: boolean;
  /** `topicPartitionKey` -> offset: where to start on partitions the group never committed on. */
  startAt: Map<string, string>;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxWaitTimeMs: number;
  partitionsConsumedConcurrently: number;
  lagGauge: ConsumerLagGauge | undefined;
  lagIntervalMs: number;
  caughtUpPollMs: number;
  deadLetters: DeadLetterRecorder;
}

/**
 * One consumer-group member of a KafkaBus. Batches are walked message by message with manual offset
 * resolution: an offset is resolved (and later committed) only once its message was handled or
 * dead-lettered, and a stop during a retry leaves the message unresolved for redelivery.
 */
export class KafkaBusConsumer implements BusConsumer {
  readonly groupId: string;
  private consumer: Consumer;
  private readonly abort = new AbortController();
  private readonly lagReporter: ConsumerLagReporter;
  private stopping: Promise<void> | undefined;
  private restarting: Promise<void> | undefined;
  private crash: Error | undefined;

  constructor(private readonly config: KafkaBusConsumerConfig) {
    this.groupId = config.groupId;
    this.consumer = this.member();
    this.lagReporter = new ConsumerLagReporter(
      config.groupId,
      () => this.lagPerTopic(),
      config.lagGauge,
      config.lagIntervalMs,
    );
  }

  /** The crash kafkajs last gave up on (a new member took over from it), for diagnosis. */
  get lastCrash(): Error | undefined {
    return this.crash;
  }

  async start(): Promise<void> {
    await this.run(this.consumer, () => this.seekToStartOnFirstJoin());
    this.lagReporter.start();
  }

  /** A kafkajs consumer of this group, watched for crashes kafkajs gives up on. */
  private member(): Consumer {
    const consumer = this.config.kafka.consumer({
      groupId: this.config.groupId,
      sessionTimeout: this.config.sessionTimeoutMs,
      heartbeatInterval: this.config.heartbeatIntervalMs,
      rebalanceTimeout: this.config.rebalanceTimeoutMs,
      maxWaitTimeInMs: this.config.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      // kafkajs's default of 5 retries, and no restart after a crash once stopping: a crash during
      // stop() (a broker restart) otherwise schedules one after stop() cleared its timer, and the
      // member rejoins and keeps the process alive (a CI run hung on it after its test passed).
      retry: { retries: 5, restartOnFailure: () => Promise.resolve(!this.abort.signal.aborted) },
    });
    // kafkajs restarts after retriable failures by itself. One it gives up on would leave this
    // process out of its group for good (a broker restart under load did so once in CI: a projection
    // stayed behind until the test gave up), so a new member takes over, from the committed offsets.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.abort.signal.aborted || consumer !== this.consumer) return;
      this.crash = payload.error;
      this.config.logger?.warn(
        { groupId: this.groupId, error: payload.error.name, reason: payload.error.message },
        'kafka consumer gave up; a new member takes over',
      );
      this.restarting ??= this.takeOver(consumer).finally(() => {
        this.restarting = undefined;
      });
    });
    return consumer;
  }

  /** Replaces a crashed member until one runs (backing off between tries) or the consumer stops. */
  private async takeOver(crashed: Consumer): Promise<void> {
    await crashed.disconnect().catch(() => undefined);
    const { initialBackoffMs, maxBackoffMs } = this.config.policy;
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      const next = this.member();
      this.consumer = next;
      try {
        await this.run(next);
        if (this.abort.signal.aborted) await next.disconnect().catch(() => undefined);
        return;
      } catch (error) {
        this.config.logger?.warn(
          { groupId: this.groupId, error: error instanceof Error ? error.name : 'unknown', attempt },
          'kafka consumer could not rejoin; retrying',
        );
        await next.disconnect().catch(() => undefined);
        await abortableDelay(Math.min(maxBackoffMs, initialBackoffMs * 2 ** attempt), this.abort.signal);
      }
    }
  }

  /** Joins and runs a member; `beforeRun` sees it subscribed but not yet fetching. */
  private async run(consumer: Consumer, beforeRun?: () => void): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: this.config.topics, fromBeginning: this.config.fromBeginning });
    beforeRun?.();
    await consumer.run({
      autoCommit: true,
      // Besides the commit after every batch: bounds redelivery after a crash inside a long batch.
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * Pins the start of never-committed partitions (fromBeginning: false) to the ends read when
   * `consume` was called. Seeking inside the join event queues the seek before the first fetch, and
   * kafkajs commits it, so the position is the group's from then on. Later joins leave it alone: by
   * then a partition may carry another member's progress.
   */
  private seekToStartOnFirstJoin(): void {
    const { startAt } = this.config;
    if (startAt.size === 0) return;
    const off = this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      off();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = startAt.get(topicPartitionKey(topic, partition));
          if (offset !== undefined) this.consumer.seek({ topic, partition, offset });
        }
      }
    });
  }

  async whenCaughtUp(): Promise<void> {
    const targets = await this.partitionOffsets();
    for (;;) {
      const stopped = this.abort.signal.aborted;
      if (stopped) await this.stopping;
      const committed = await this.committedOffsets();
      const owed = (t: TopicPartitionEnds): number =>
        partitionLag(
          { ...t, committed: this.positionOf(committed, t.topic, t.partition) },
          this.config.fromBeginning,
        );
      if (targets.every((t) => owed(t) === 0)) return;
      if (stopped) {
        throw new Error(
          `consumer ${this.groupId} stopped before catching up${this.crash ? `: ${this.crash.message}` : ''}`,
        );
      }
      await abortableDelay(this.config.caughtUpPollMs, this.abort.signal);
    }
  }

  lag(): Promise<number> {
    return this.lagReporter.refresh();
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    // Synchronously first: a handler that calls stop() and then fails must not be retried.
    this.abort.abort();
    this.lagReporter.stop();
    try {
      // Waits for the batch in progress; the offsets resolved so far are committed, then the member leaves.
      await this.consumer.stop();
    } finally {
      await this.consumer.disconnect();
      this.config.onStopped(this);
    }
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> {
    for (const record of batch.messages) {
      if (!isRunning() || isStale() || this.abort.signal.aborted) return;
      const outcome = await this.whileHeartbeating(heartbeat, () =>
        this.deliver(batch.topic, batch.partition, record),
      );
      if (outcome === 'aborted') return;
      resolveOffset(record.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  private deliver(topic: string, partition: number, record: KafkaMessage): Promise<DeliveryOutcome> {
    const decoded = decodeRecord(topic, partition, record);
    const failure = (error: string, attempts: number): DeadLetterFailure => ({
      error,
      attempts,
      topic,
      partition,
      offset: record.offset,
    });
    if (!decoded.ok) {
      // Nothing a retry could fix: straight to the DLQ, as received.
      return this.deadLetter(topic, decoded, failure(decoded.error, 0)).then(() => 'dead-lettered' as const);
    }
    return deliverWithRetry({
      message: decoded.message,
      groupId: this.groupId,
      handler: this.config.handler,
      policy: this.config.policy,
      messagingSystem: 'kafka',
      signal: this.abort.signal,
      deadLetter: ({ error, attempts }) =>
        this.deadLetter(
          topic,
          {
            key: decoded.message.key,
            value: record.value?.toString('utf8') ?? '',
            headers: decoded.message.headers,
          },
          failure(error, attempts),
        ),
    });
  }

  // The payload goes to the DLQ byte for byte; only the failure headers are added.
  private async deadLetter(
    topic: string,
    original: OutgoingRecord,
    failure: DeadLetterFailure,
  ): Promise<void> {
    await this.config.send(deadLetterTopicFor(topic), {
      key: original.key,
      value: original.value,
      headers: deadLetterHeaders(original.headers, failure),
    });
    this.config.deadLetters.record({
      groupId: this.groupId,
      topic,
      partition: failure.partition,
      offset: failure.offset,
      eventId: original.headers[BusHeader.eventId] ?? null,
      eventType: original.headers[BusHeader.eventType] ?? null,
      attempts: failure.attempts,
      error: failure.error,
    });
  }

  /**
   * kafkajs heartbeats only from its fetch loop, i.e. between messages; a slow handler or a long
   * backoff would otherwise exceed the session timeout and cost the member its partitions.
   */
  private async whileHeartbeating<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    // A rebalance reported here is acted on by the heartbeat after the message.
    const timer = setInterval(() => void heartbeat().catch(() => undefined), this.config.heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private async partitionOffsets(): Promise<TopicPartitionEnds[]> {
    const admin = await this.config.admin();
    const ends: TopicPartitionEnds[] = [];
    for (const topic of this.config.topics) {
      for (const o of await offsetsOf(() => admin.fetchTopicOffsets(topic))) {
        ends.push({ topic, partition: o.partition, high: Number(o.high), low: Number(o.low) });
      }
    }
    return ends;
  }

  private async committedOffsets(): Promise<Map<string, Map<number, number>>> {
    const admin = await this.config.admin();
    const byTopic = new Map<string, Map<number, number>>();
    for (const { topic, partitions } of await admin.fetchOffsets({
      groupId: this.groupId,
      topics: this.config.topics,
    })) {
      byTopic.set(topic, new Map(partitions.map((p) => [p.partition, Number(p.offset)])));
    }
    return byTopic;
  }

  /**
   * The group's committed offset, or, before its first commit, the start pinned when `consume` was
   * called: until the join's seek is committed a late-starting group still owes what was published
   * after that pin (otherwise `whenCaughtUp` could resolve before the first message is handled).
   */
  private positionOf(committed: Map<string, Map<number, number>>, topic: string, partition: number): number {
    const offset = committed.get(topic)?.get(partition) ?? -1;
    if (offset >= 0) return offset;
    const pinned = this.config.startAt.get(topicPartitionKey(topic, partition));
    return pinned === undefined ? -1 : Number(pinned);
  }

  private async lagPerTopic(): Promise<Map<string, number>> {
    const [ends, committed] = await Promise.all([this.partitionOffsets(), this.committedOffsets()]);
    const perTopic = new Map<string, number>(this.config.topics.map((t) => [t, 0]));
    for (const p of ends) {
      const lag = partitionLag(
        { ...p, committed: this.positionOf(committed, p.topic, p.partition) },
        this.config.fromBeginning,
      );
      perTopic.set(p.topic, (perTopic.get(p.topic) ?? 0) + lag);
    }
    return perTopic;
  }
}
