import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BusHeader,
  ConsumerLagReporter,
  abortableDelay,
  deadLetterHeaders,
  decodeEnvelope,
  deliverWithRetry,
  type BusConsumer,
  type ConsumeOptions,
  type ConsumerLagGauge,
  type DeadLetterFailure,
  type DeadLetterRecorder,
  type DeliveryOutcome,
  type RetryPolicy,
} from '@ringback/platform-core';
import { deadLetterTopicFor, type EventEnvelope } from '@ringback/contracts';
import type { EmbeddedLogStore, LeaseHolder, StoredRecord } from './embedded-log.store';
import { partitionKey, type LogNotifiers } from './log-notifier';

export const EMBEDDED_MESSAGING_SYSTEM = 'ringback-embedded';

export interface EmbeddedBusConsumerConfig {
  store: EmbeddedLogStore;
  notifiers: LogNotifiers;
  groupId: string;
  topics: string[];
  handler: ConsumeOptions['handler'];
  policy: RetryPolicy;
  pollIntervalMs: number;
  /** Longest an idle worker sleeps without a wake-up (appends here and the file watcher wake it sooner). */
  idleWaitMs: number;
  leaseTtlMs: number;
  batchSize: number;
  lagGauge: ConsumerLagGauge | undefined;
  lagIntervalMs: number;
  onError: (error: unknown) => void;
  onStopped: (consumer: EmbeddedBusConsumer) => void;
  deadLetters: DeadLetterRecorder;
}

const host = hostname();

/** Whether a lease holder is a process on this host that no longer exists. */
function processGone(leaseHost: string, pid: number): boolean {
  if (leaseHost !== host || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * One consumer of an EmbeddedBus group: a worker per partition, each handling one message at a time
 * and committing its offset right after, so per-key order holds and at most the message in flight is
 * redelivered after a crash. A partition is worked on only under its lease, which keeps a second
 * consumer of the same group (here or in another process over the same file) off it.
 */
export class EmbeddedBusConsumer implements BusConsumer {
  readonly groupId: string;
  private readonly holder: LeaseHolder = { memberId: randomUUID(), host, pid: process.pid };
  private readonly abort = new AbortController();
  private readonly held = new Set<string>();
  private readonly workers: Promise<void>[] = [];
  private readonly lagReporter: ConsumerLagReporter;
  private leaseTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly config: EmbeddedBusConsumerConfig) {
    this.groupId = config.groupId;
    this.lagReporter = new ConsumerLagReporter(
      config.groupId,
      async () => this.lagPerTopic(),
      config.lagGauge,
      config.lagIntervalMs,
    );
  }

  start(): void {
    for (const topic of this.config.topics) {
      for (let partition = 0; partition < this.config.store.partitionsOf(topic); partition++) {
        this.workers.push(this.work(topic, partition));
      }
    }
    this.leaseTimer = setInterval(
      () => this.renewLeases(),
      Math.max(10, Math.floor(this.config.leaseTtlMs / 3)),
    );
    this.leaseTimer.unref();
    this.lagReporter.start();
  }

  async whenCaughtUp(): Promise<void> {
    const { store } = this.config;
    const targets = this.partitions().map(({ topic, partition }) => ({
      topic,
      partition,
      end: store.endOffset(topic, partition),
    }));
    const caughtUp = (): boolean =>
      targets.every((t) => (store.committed(this.groupId, t.topic, t.partition) ?? 0) >= t.end);
    for (;;) {
      if (this.abort.signal.aborted) {
        await this.stopping;
        if (store.isOpen && caughtUp()) return;
        throw new Error(`consumer ${this.groupId} stopped before catching up`);
      }
      if (caughtUp()) return;
      // Commits by other processes are only seen by polling.
      await this.config.notifiers.committed.wait(this.config.pollIntervalMs, this.abort.signal);
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
    clearInterval(this.leaseTimer);
    this.lagReporter.stop();
    await Promise.allSettled(this.workers);
    if (this.config.store.isOpen) this.config.store.releaseLeases(this.holder.memberId);
    this.config.onStopped(this);
  }

  private partitions(): { topic: string; partition: number }[] {
    return this.config.topics.flatMap((topic) =>
      Array.from({ length: this.config.store.partitionsOf(topic) }, (_, partition) => ({ topic, partition })),
    );
  }

  private async work(topic: string, partition: number): Promise<void> {
    const { store, notifiers, pollIntervalMs } = this.config;
    const signal = this.abort.signal;
    const lease = partitionKey(topic, partition);
    // While the lease is ours nobody else commits on the partition for this group, so the position
    // is kept here instead of being read back before every batch.
    let position: number | undefined;
    while (!signal.aborted) {
      try {
        if (!this.held.has(lease)) {
          position = undefined;
          if (
            !store.tryAcquireLease(
              this.groupId,
              topic,
              partition,
              this.holder,
              Date.now(),
              this.config.leaseTtlMs,
              processGone,
            )
          ) {
            await abortableDelay(pollIntervalMs, signal);
            continue;
          }
          this.held.add(lease);
        }
        position ??= store.committed(this.groupId, topic, partition) ?? 0;
        const seen = notifiers.appended.version(lease);
        const records = store.read(topic, partition, position, this.config.batchSize);
        if (records.length === 0) {
          await notifiers.appended.wait(lease, this.config.idleWaitMs, signal);
          continue;
        }
        for (const record of records) {
          if (signal.aborted) break;
          const outcome = await this.deliver(record);
          if (outcome === 'aborted') break;
          // Committed before the next message starts: at most the message in flight is redelivered.
          // Shares one transaction with the other workers' commits and the appends of this turn.
          if (
            !(await store.commitSoon(this.groupId, topic, partition, record.offset + 1, this.holder.memberId))
          ) {
            // Lease lost while handling: another member owns the partition now and redelivers.
            this.held.delete(lease);
            break;
          }
          position = record.offset + 1;
          notifiers.committed.notify();
        }
        // Read to the end and nothing appended here since: wait instead of reading an empty page
        // (appends by other processes wake it through the bus's file watcher).
        const last = records[records.length - 1]!;
        if (
          records.length < this.config.batchSize &&
          position === last.offset + 1 &&
          this.held.has(lease) &&
          notifiers.appended.version(lease) === seen &&
          !signal.aborted
        )
          await notifiers.appended.wait(lease, this.config.idleWaitMs, signal);
      } catch (error) {
        position = undefined;
        if (!store.isOpen) return;
        // Storage trouble (e.g. the file locked past the busy timeout): nothing was committed, so the
        // message is simply read again after a pause.
        this.config.onError(error);
        await abortableDelay(Math.max(pollIntervalMs, 1_000), signal);
      }
    }
  }

  private deliver(record: StoredRecord): Promise<DeliveryOutcome> {
    const failure = (error: string, attempts: number): DeadLetterFailure => ({
      error,
      attempts,
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
    });
    let envelope: EventEnvelope;
    try {
      envelope = decodeEnvelope(record.value);
    } catch (error) {
      // Nothing a retry could fix: straight to the DLQ, as stored.
      this.deadLetter(
        record,
        failure(`undecodable message: ${error instanceof Error ? error.message : String(error)}`, 0),
      );
      return Promise.resolve('dead-lettered');
    }
    return deliverWithRetry({
      message: {
        topic: record.topic,
        key: record.key,
        envelope,
        headers: record.headers,
        partition: record.partition,
        offset: String(record.offset),
      },
      groupId: this.groupId,
      handler: this.config.handler,
      policy: this.config.policy,
      messagingSystem: EMBEDDED_MESSAGING_SYSTEM,
      signal: this.abort.signal,
      deadLetter: async ({ error, attempts }) => this.deadLetter(record, failure(error, attempts)),
    });
  }

  // The payload goes to the DLQ unchanged; only the failure headers are added.
  private deadLetter(record: StoredRecord, failure: DeadLetterFailure): void {
    this.config.deadLetters.record({
      groupId: this.groupId,
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
      eventId: record.headers[BusHeader.eventId] ?? null,
      eventType: record.headers[BusHeader.eventType] ?? null,
      attempts: failure.attempts,
      error: failure.error,
    });
    const dlq = deadLetterTopicFor(record.topic);
    const at = this.config.store.append(
      dlq,
      record.key,
      record.value,
      deadLetterHeaders(record.headers, failure),
      Date.now(),
    );
    this.config.notifiers.appended.notify(partitionKey(dlq, at.partition));
  }

  private renewLeases(): void {
    if (!this.config.store.isOpen || this.abort.signal.aborted) return;
    try {
      const still = new Set(
        this.config.store
          .renewLeases(this.holder.memberId, Date.now(), this.config.leaseTtlMs)
          .map(({ topic, partition }) => partitionKey(topic, partition)),
      );
      for (const lease of this.held) if (!still.has(lease)) this.held.delete(lease);
    } catch (error) {
      this.config.onError(error);
    }
  }

  private lagPerTopic(): Map<string, number> {
    const { store } = this.config;
    const perTopic = new Map<string, number>(this.config.topics.map((t) => [t, 0]));
    for (const { topic, partition } of this.partitions()) {
      const lag = store.endOffset(topic, partition) - (store.committed(this.groupId, topic, partition) ?? 0);
      perTopic.set(topic, (perTopic.get(topic) ?? 0) + Math.max(0, lag));
    }
    return perTopic;
  }
}
