import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { RingbackConfig } from '@ringback/config';
import type { Bus, BusLogger, CheckpointStore, EventStore, ReadModelStore } from '@ringback/platform-core';
import { SqliteCheckpointStore, SqliteEventStore } from '@ringback/event-store-sqlite';
import { EmbeddedBus } from '@ringback/bus-embedded';
import { InMemoryReadModelStore } from '@ringback/in-memory';
import { KurrentDbEventStore } from '@ringback/event-store-kurrentdb';
import { KafkaBus } from '@ringback/bus-kafka';
import { MongoReadModelStore } from '@ringback/read-model-mongo';
import { ReadModelCheckpointStore } from './read-model-checkpoint-store';

/** The four ports, wired to the adapters the configured mode calls for. */
export interface PlatformAdapters {
  mode: RingbackConfig['mode'];
  eventStore: EventStore;
  bus: Bus;
  readModels: ReadModelStore;
  /** Durable checkpoints of processors that are not projections (the store-to-bus relay). */
  checkpoints: CheckpointStore;
  /** Closes in dependency order: bus consumers first, then stores. */
  close(): Promise<void>;
}

export type AdapterConfig = Pick<RingbackConfig, 'mode' | 'dataDir' | 'kafka' | 'kurrentdb' | 'mongo'> &
  Partial<Pick<RingbackConfig, 'bus'>>;

/** Applies BUS_MAX_ATTEMPTS to every consumer that does not choose its own retry budget. */
function withDefaultMaxAttempts(bus: Bus, maxAttempts: number | undefined): Bus {
  if (maxAttempts === undefined) return bus;
  return {
    publish: (topic, key, envelope, headers) => bus.publish(topic, key, envelope, headers),
    consume: (options) => bus.consume({ ...options, retry: { maxAttempts, ...options.retry } }),
    close: () => bus.close(),
  };
}

/**
 * Embedded: a durable SQLite event store and bus log under DATA_DIR, read models in memory (rebuilt
 * from the event store at start). Distributed: KurrentDB, Kafka and MongoDB.
 */
export function createPlatformAdapters(
  config: AdapterConfig,
  options: { metrics?: Registry; logger?: BusLogger } = {},
): PlatformAdapters {
  if (config.mode === 'embedded') {
    const dir = path.resolve(config.dataDir);
    mkdirSync(dir, { recursive: true });
    const bus = withDefaultMaxAttempts(
      new EmbeddedBus({
        path: path.join(dir, 'bus.sqlite'),
        ...(options.metrics ? { registry: options.metrics } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      }),
      config.bus?.maxAttempts,
    );
    return embeddedAdaptersOnBus(dir, bus);
  }

  const { kurrentdb, mongo, kafka } = config;
  if (!kurrentdb.url || !mongo.url || kafka.brokers.length === 0) {
    throw new Error('distributed mode needs KURRENTDB_URL, MONGO_URL and KAFKA_BROKERS');
  }
  const eventStore = new KurrentDbEventStore({ connectionString: kurrentdb.url });
  const bus = withDefaultMaxAttempts(
    new KafkaBus({
      brokers: kafka.brokers,
      clientId: kafka.clientId,
      partitions: kafka.topicPartitions,
      ...(options.metrics ? { registry: options.metrics } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    config.bus?.maxAttempts,
  );
  const readModels = new MongoReadModelStore({ uri: mongo.url });
  return {
    mode: 'distributed',
    eventStore,
    bus,
    readModels,
    checkpoints: new ReadModelCheckpointStore(readModels),
    close: async () => {
      await bus.close();
      await readModels.close();
      await eventStore.close();
    },
  };
}

/**
 * The embedded store and read models around a bus of the caller's choosing: a SQLite event store under
 * `dataDir`, read models in memory. The topology of a process that keeps its own state but talks to
 * other processes over a shared broker (e.g. the embedded composition with the Kafka bus).
 */
export function embeddedAdaptersOnBus(dataDir: string, bus: Bus): PlatformAdapters {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const eventStore = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
  const readModels = new InMemoryReadModelStore();
  return {
    mode: 'embedded',
    eventStore,
    bus,
    readModels,
    checkpoints: new SqliteCheckpointStore(eventStore.database),
    close: async () => {
      await bus.close();
      await readModels.close();
      await eventStore.close();
    },
  };
}
