import { resolve } from 'node:path';
import type { Registry } from 'prom-client';
import type { EventEnvelope } from '@ringback/contracts';
import {
  consumerLagGauge,
  describeError,
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
import { EMBEDDED_MESSAGING_SYSTEM, EmbeddedBusConsumer } from './embedded-bus-consumer';
import { EmbeddedLogStore } from './embedded-log.store';
import { acquireNotifiers, partitionKey, releaseNotifiers, type LogNotifiers } from './log-notifier';

export interface EmbeddedBusOptions {
  /** SQLite file holding the log and the group offsets; ':memory:' for a bus that dies with the process. */
  path: string;
  /** Partitions of a topic on first use, DLQs included (default 16: one worker each per group, and waiting handlers of different partitions share commits). */
  partitions?: number;
  /**
   * How often the bus looks whether another connection (another process) wrote to the file, waking
   * its consumers if so (default 200 ms); an idle consumer reads nothing until then.
   */
  pollIntervalMs?: number;
  /** A consumer that stops renewing its partition leases loses them after this long (default 15 s). */
  leaseTtlMs?: number;
  /** Messages read per partition per round trip (default 100). */
  batchSize?: number;
  /** Where `ringback_bus_consumer_lag{group,topic}` is registered; no metrics without it. */
  registry?: Registry;
  /** Lag gauge refresh period (default 15 s). */
  lagIntervalMs?: number;
  /** Storage errors a consumer recovered from by retrying; default: a process warning. */
  onError?: (error: unknown) => void;
  /** Where dead letters are logged (with `ringback_bus_dead_lettered_total` in `registry`). */
  logger?: BusLogger;
}

/**
 * The Bus without a broker, for the single-process deployment and for tests: an append-only log
 * per topic partition in SQLite (key -> partition by Kafka's murmur2), committed offsets per
 * consumer group, retries, dead-lettering and trace propagation exactly as on Kafka. Everything it
 * acknowledged survives a crash of the process, and a power loss once `sync()` resolved; a restarted
 * group continues after its last committed message.
 */
export class EmbeddedBus implements Bus {
  private readonly store: EmbeddedLogStore;
  private readonly notifiers: LogNotifiers;
  private readonly notifierKey: string | undefined;
  private readonly lagGauge: ConsumerLagGauge | undefined;
  private readonly deadLetters: DeadLetterRecorder;
  private readonly consumers = new Set<EmbeddedBusConsumer>();
  private closing: Promise<void> | undefined;
  private readonly watcher: NodeJS.Timeout;
  private seenVersion: number;

  constructor(private readonly options: EmbeddedBusOptions) {
    this.store = new EmbeddedLogStore(options.path, options.partitions ?? 16);
    this.notifierKey = options.path === ':memory:' ? undefined : resolve(options.path);
    this.notifiers = acquireNotifiers(this.notifierKey);
    this.lagGauge = options.registry ? consumerLagGauge(options.registry) : undefined;
    this.deadLetters = new DeadLetterRecorder({ registry: options.registry, logger: options.logger });
    // One cheap pragma per interval instead of one read per idle partition worker.
    this.seenVersion = this.store.dataVersion();
    this.watcher = setInterval(() => this.watch(), options.pollIntervalMs ?? 200);
    this.watcher.unref();
  }

  private watch(): void {
    if (this.closing || !this.store.isOpen) return;
    try {
      const version = this.store.dataVersion();
      if (version === this.seenVersion) return;
      this.seenVersion = version;
    } catch {
      // A busy or closing file: the next tick looks again (and idle workers wake on their own).
    }
    this.notifiers.appended.notifyAll();
    this.notifiers.committed.notify();
  }

  publish(
    topic: string,
    key: string,
    envelope: EventEnvelope,
    headers: Record<string, string> = {},
  ): Promise<void> {
    if (this.closing) return Promise.reject(new Error('EmbeddedBus is closed'));
    return withProducerSpan(topic, key, EMBEDDED_MESSAGING_SYSTEM, async (traceHeaders) => {
      const at = await this.store.appendSoon(
        topic,
        key,
        encodeEnvelope(envelope),
        publishHeaders(envelope, headers, traceHeaders),
        Date.now(),
      );
      this.notifiers.appended.notify(partitionKey(topic, at.partition));
    });
  }

  /** Everything published so far survives a power loss once this resolves (see EmbeddedLogStore.syncSoon). */
  sync(): Promise<void> {
    if (this.closing) return Promise.reject(new Error('EmbeddedBus is closed'));
    return this.store.syncSoon();
  }

  async consume(options: ConsumeOptions): Promise<BusConsumer> {
    if (this.closing) throw new Error('EmbeddedBus is closed');
    if (options.topics.length === 0) throw new Error('consume needs at least one topic');
    const policy = resolveRetryPolicy(options.retry);
    if (options.fromBeginning === false) {
      // "From now on": pin the group to the current end wherever it has no position yet.
      for (const topic of options.topics) {
        for (let partition = 0; partition < this.store.partitionsOf(topic); partition++) {
          this.store.initOffset(options.groupId, topic, partition, this.store.endOffset(topic, partition));
        }
      }
    }
    const consumer = new EmbeddedBusConsumer({
      store: this.store,
      notifiers: this.notifiers,
      groupId: options.groupId,
      topics: [...options.topics],
      handler: options.handler,
      policy,
      pollIntervalMs: this.options.pollIntervalMs ?? 200,
      idleWaitMs: 5_000,
      leaseTtlMs: this.options.leaseTtlMs ?? 15_000,
      batchSize: this.options.batchSize ?? 100,
      lagGauge: this.lagGauge,
      lagIntervalMs: this.options.lagIntervalMs ?? 15_000,
      onError:
        this.options.onError ??
        ((error) => process.emitWarning(`EmbeddedBus consumer: ${describeError(error)}`)),
      onStopped: (c) => this.consumers.delete(c),
      deadLetters: this.deadLetters,
    });
    this.consumers.add(consumer);
    consumer.start();
    return consumer;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.watcher);
    await Promise.allSettled([...this.consumers].map((c) => c.stop()));
    await this.store.close();
    releaseNotifiers(this.notifierKey);
  }
}
