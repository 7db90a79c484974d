import { Kafka, Partitioners, logLevel, type Admin, type Producer, type TopicMessages } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { EventEnvelope } from '@ringback/contracts';
import {
  consumerLagGauge,
  encodeEnvelope,
  publishHeaders,
  resolveRetryPolicy,
  withProducerSpan,
  type Bus,
  type BusConsumer,
  type ConsumeOptions,
  type BusLogger,
  type ConsumerLagGauge,
  DeadLetterRecorder,
} from '@ringback/platform-core';
import { KafkaBusConsumer, offsetsOf, topicPartitionKey, type OutgoingRecord } from './kafka-bus-consumer';

export interface KafkaBusOptions {
  brokers: string[];
  /** Default `ringback`. */
  clientId?: string;
  /** Partitions of the topics the bus creates on demand, DLQs included (default 3). */
  partitions?: number;
  /** Replication factor of created topics (default: the broker's default.replication.factor). */
  replicationFactor?: number;
  /** Consumer session timeout: how long a silent member keeps its partitions (default 10 s). */
  sessionTimeoutMs?: number;
  /** Default 1 s; heartbeats also go out while a handler runs or backs off. */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to rejoin (default 30 s). */
  rebalanceTimeoutMs?: number;
  /** Longest fetch wait when a partition is idle; bounds how late a member notices a rebalance (default 500 ms). */
  maxWaitTimeMs?: number;
  /** Partitions handled at the same time by one consumer; never two messages of one partition (default 3). */
  partitionsConsumedConcurrently?: number;
  /** Where `ringback_bus_consumer_lag{group,topic}` is registered; no metrics without it. */
  registry?: Registry;
  /** Lag gauge refresh period (default 15 s). */
  lagIntervalMs?: number;
  /** Poll period of `whenCaughtUp` (default 100 ms). */
  caughtUpPollMs?: number;
  /** kafkajs log level (default WARN). */
  logLevel?: logLevel;
  /** Where dead letters are logged (with `ringback_bus_dead_lettered_total` in `registry`). */
  logger?: BusLogger;
}

interface PendingSend {
  topic: string;
  record: OutgoingRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// Enough to amortise a produce round trip, small enough to stay far below message.max.bytes.
const MAX_SEND_BATCH = 500;

/**
 * The Bus on Apache Kafka (kafkajs). One idempotent producer (acks=all, one request in flight) per
 * bus; publishes are queued and sent in call order, so messages of one key keep the order in which
 * `publish` was called. Each `consume` is its own consumer-group member whose offsets are committed
 * only after the handler resolved or the message was dead-lettered.
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly lagGauge: ConsumerLagGauge | undefined;
  private readonly deadLetters: DeadLetterRecorder;
  private producerReady: Promise<void> | undefined;
  private adminReady: Promise<void> | undefined;
  private readonly topics = new Map<string, Promise<void>>();
  private readonly consumers = new Set<KafkaBusConsumer>();
  private queue: PendingSend[] = [];
  private flushing: Promise<void> | undefined;
  private readonly sending = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'ringback',
      brokers: options.brokers,
      logLevel: options.logLevel ?? logLevel.WARN,
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
    this.lagGauge = options.registry ? consumerLagGauge(options.registry) : undefined;
    this.deadLetters = new DeadLetterRecorder({ registry: options.registry, logger: options.logger });
  }

  publish(
    topic: string,
    key: string,
    envelope: EventEnvelope,
    headers: Record<string, string> = {},
  ): Promise<void> {
    if (this.closing) return Promise.reject(new Error('KafkaBus is closed'));
    return withProducerSpan(topic, key, 'kafka', (traceHeaders) =>
      this.send(topic, {
        key,
        value: encodeEnvelope(envelope),
        headers: publishHeaders(envelope, headers, traceHeaders),
      }),
    );
  }

  /** A publish resolves only once acknowledged by every in-sync replica (acks=all): nothing to wait for. */
  sync(): Promise<void> {
    return this.closing ? Promise.reject(new Error('KafkaBus is closed')) : Promise.resolve();
  }

  async consume(options: ConsumeOptions): Promise<BusConsumer> {
    if (this.closing) throw new Error('KafkaBus is closed');
    if (options.topics.length === 0) throw new Error('consume needs at least one topic');
    const policy = resolveRetryPolicy(options.retry);
    const fromBeginning = options.fromBeginning ?? true;
    await this.ensureTopics(options.topics);
    const startAt = fromBeginning
      ? new Map<string, string>()
      : await this.currentEndsOfUncommitted(options.groupId, options.topics);
    const consumer = new KafkaBusConsumer({
      kafka: this.kafka,
      admin: () => this.connectedAdmin(),
      send: (topic, record) => this.send(topic, record),
      onStopped: (c) => this.consumers.delete(c),
      logger: this.options.logger,
      groupId: options.groupId,
      topics: [...options.topics],
      handler: options.handler,
      policy,
      fromBeginning,
      startAt,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeoutMs: this.options.rebalanceTimeoutMs ?? 30_000,
      maxWaitTimeMs: this.options.maxWaitTimeMs ?? 500,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      lagGauge: this.lagGauge,
      lagIntervalMs: this.options.lagIntervalMs ?? 15_000,
      caughtUpPollMs: this.options.caughtUpPollMs ?? 100,
      deadLetters: this.deadLetters,
    });
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      await consumer.stop().catch(() => undefined);
      throw error;
    }
    return consumer;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.stop()));
    // Publishes (and dead letters) accepted before close still go out.
    await Promise.allSettled([...this.sending]);
    if (this.producerReady) await this.producer.disconnect();
    if (this.adminReady) await this.admin.disconnect();
  }

  /** Queues one record; resolves once the broker acknowledged it on all in-sync replicas. */
  private send(topic: string, record: OutgoingRecord): Promise<void> {
    const sent = this.enqueue(topic, record);
    this.sending.add(sent);
    const forget = (): void => void this.sending.delete(sent);
    sent.then(forget, forget);
    return sent;
  }

  private async enqueue(topic: string, record: OutgoingRecord): Promise<void> {
    await Promise.all([this.ensureTopics([topic]), this.connectedProducer()]);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, record, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  // One produce request at a time: together with maxInFlightRequests=1 this keeps call order per partition.
  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_SEND_BATCH);
      const byTopic = new Map<string, TopicMessages>();
      for (const { topic, record } of batch) {
        let entry = byTopic.get(topic);
        if (!entry) byTopic.set(topic, (entry = { topic, messages: [] }));
        entry.messages.push(record);
      }
      try {
        await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic.values()] });
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.flushing = undefined;
  }

  private ensureTopics(topics: readonly string[]): Promise<void> {
    return Promise.all(
      topics.map((topic) => {
        let created = this.topics.get(topic);
        if (!created) {
          created = this.createTopic(topic);
          this.topics.set(topic, created);
          created.catch(() => this.topics.delete(topic));
        }
        return created;
      }),
    ).then(() => undefined);
  }

  private async createTopic(topic: string): Promise<void> {
    const admin = await this.connectedAdmin();
    // A just-created topic can be unknown to the broker's metadata for a moment (KRaft propagates it
    // asynchronously), and kafkajs's wait for leaders then throws UNKNOWN_TOPIC_OR_PARTITION although
    // the error is retriable: retry until every partition has a leader.
    // Provisioned topics (npm run topics:provision) exist already: asking to create them again only
    // makes the broker answer TOPIC_ALREADY_EXISTS, which kafkajs logs as an error at every start.
    const exists = (await admin.listTopics()).includes(topic);
    for (let attempt = 1; ; attempt++) {
      try {
        // Resolves false when the topic exists already, which is fine.
        if (!exists)
          await admin.createTopics({
            topics: [
              {
                topic,
                numPartitions: this.options.partitions ?? 3,
                replicationFactor: this.options.replicationFactor ?? -1,
              },
            ],
            waitForLeaders: true,
          });
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        if (topics[0]?.partitions.length && topics[0].partitions.every((p) => p.leader >= 0)) return;
        throw Object.assign(new Error(`topic ${topic} has partitions without a leader`), { retriable: true });
      } catch (error) {
        const retriable = (error as { retriable?: boolean }).retriable === true;
        if (!retriable || attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, Math.min(50 * attempt, 500)));
      }
    }
  }

  /**
   * Where a `fromBeginning: false` group starts: the current end of every partition it has never
   * committed on. kafkajs would resolve "latest" only at its first fetch after joining, skipping
   * whatever was published in between although `consume` had already resolved.
   */
  private async currentEndsOfUncommitted(
    groupId: string,
    topics: readonly string[],
  ): Promise<Map<string, string>> {
    const admin = await this.connectedAdmin();
    const startAt = new Map<string, string>();
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      const uncommitted = new Set(partitions.filter((p) => Number(p.offset) < 0).map((p) => p.partition));
      if (uncommitted.size === 0) continue;
      for (const end of await offsetsOf(() => admin.fetchTopicOffsets(topic))) {
        if (uncommitted.has(end.partition)) startAt.set(topicPartitionKey(topic, end.partition), end.high);
      }
    }
    return startAt;
  }

  private connectedProducer(): Promise<void> {
    this.producerReady ??= this.producer.connect().catch((error: unknown) => {
      this.producerReady = undefined;
      throw error;
    });
    return this.producerReady;
  }

  private async connectedAdmin(): Promise<Admin> {
    this.adminReady ??= this.admin.connect().catch((error: unknown) => {
      this.adminReady = undefined;
      throw error;
    });
    await this.adminReady;
    return this.admin;
  }
}
