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
import { DEV_PHI_MASTER_KEY } from '@ringback/config';
import { ringbackEventRegistry } from '@ringback/contracts';
import {
  PhiCodec,
  PhiEncryptingBus,
  PhiEncryptingEventStore,
  SqlitePhiKeyStore,
  type PhiKeyStore,
} from '@ringback/phi';
import { ReadModelCheckpointStore } from './read-model-checkpoint-store';

/** The four ports, wired to the adapters the configured mode calls for. */
export interface PlatformAdapters {
  mode: RingbackConfig['mode'];
  eventStore: EventStore;
  bus: Bus;
  readModels: ReadModelStore;
  /** Durable checkpoints of processors that are not projections (the store-to-bus relay). */
  checkpoints: CheckpointStore;
  /** The PHI key store and the codec the event store and bus encrypt with (erasure, retention, audit). */
  phi: { keys: PhiKeyStore; codec: PhiCodec };
  /** Closes in dependency order: bus consumers first, then stores. */
  close(): Promise<void>;
}

export type AdapterConfig = Pick<RingbackConfig, 'mode' | 'dataDir' | 'kafka' | 'kurrentdb' | 'mongo'> &
  Partial<Pick<RingbackConfig, 'bus' | 'phi' | 'eventStore'>>;

type PhiConfig = Partial<Pick<RingbackConfig, 'phi'>>;

/**
 * The event store and the bus behind the PHI codec: PHI fields are ciphertext in the store and on
 * the wire, plaintext (or the redaction marker) for everyone who reads through the ports.
 */
export function withPhiEncryption(
  dataDir: string,
  config: PhiConfig,
  parts: Omit<PlatformAdapters, 'phi' | 'close' | 'mode'> & { mode: PlatformAdapters['mode'] },
): PlatformAdapters {
  const masterKey = config.phi?.masterKey ?? DEV_PHI_MASTER_KEY;
  const keys = new SqlitePhiKeyStore({
    path: config.phi?.keyStorePath ?? path.join(path.resolve(dataDir), 'phi-keys.sqlite'),
    masterKey,
  });
  const codec = new PhiCodec(ringbackEventRegistry(), keys, masterKey);
  const eventStore = new PhiEncryptingEventStore(parts.eventStore, codec);
  const bus = new PhiEncryptingBus(parts.bus, codec);
  return {
    ...parts,
    eventStore,
    bus,
    phi: { keys, codec },
    close: async () => {
      await bus.close();
      await parts.readModels.close();
      await eventStore.close();
      await keys.close();
    },
  };
}

/** Applies BUS_MAX_ATTEMPTS to every consumer that does not choose its own retry budget. */
function withDefaultMaxAttempts(bus: Bus, maxAttempts: number | undefined): Bus {
  if (maxAttempts === undefined) return bus;
  return {
    publish: (topic, key, envelope, headers) => bus.publish(topic, key, envelope, headers),
    consume: (options) => bus.consume({ ...options, retry: { maxAttempts, ...options.retry } }),
    sync: () => bus.sync(),
    close: () => bus.close(),
  };
}

/**
 * A bus whose topics and consumer groups carry `prefix` (KAFKA_NAMESPACE), so installations or test
 * runs sharing one broker never read each other's messages nor resume each other's offsets.
 */
export function namespacedBus(bus: Bus, prefix: string): Bus {
  const topic = (t: string) => `${prefix}.${t}`;
  return {
    publish: (t, key, envelope, headers) => bus.publish(topic(t), key, envelope, headers),
    consume: (options) =>
      bus.consume({ ...options, groupId: `${prefix}.${options.groupId}`, topics: options.topics.map(topic) }),
    sync: () => bus.sync(),
    close: () => bus.close(),
  };
}

/**
 * Embedded: a durable SQLite event store and bus log under DATA_DIR, read models in memory (rebuilt
 * from the event store at start). Distributed: KurrentDB (or, with EVENT_STORE=sqlite, the SQLite file
 * under DATA_DIR that every process on the host shares), Kafka and MongoDB.
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
    return embeddedAdaptersOnBus(dir, bus, config, options.metrics);
  }

  const { kurrentdb, mongo, kafka } = config;
  const sqliteStore = config.eventStore === 'sqlite';
  if ((!sqliteStore && !kurrentdb.url) || !mongo.url || kafka.brokers.length === 0) {
    throw new Error(
      'distributed mode needs KURRENTDB_URL (or EVENT_STORE=sqlite), MONGO_URL and KAFKA_BROKERS',
    );
  }
  let eventStore: EventStore;
  if (kurrentdb.url && !sqliteStore) {
    eventStore = new KurrentDbEventStore({ connectionString: kurrentdb.url });
  } else {
    const dir = path.resolve(config.dataDir);
    mkdirSync(dir, { recursive: true });
    eventStore = new SqliteEventStore({
      path: path.join(dir, 'events.sqlite'),
      ...(options.metrics ? { registry: options.metrics } : {}),
    });
  }
  const kafkaBus = new KafkaBus({
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    partitions: kafka.topicPartitions,
    ...(options.metrics ? { registry: options.metrics } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const bus = withDefaultMaxAttempts(
    kafka.namespace ? namespacedBus(kafkaBus, kafka.namespace) : kafkaBus,
    config.bus?.maxAttempts,
  );
  const readModels = new MongoReadModelStore({ uri: mongo.url });
  mkdirSync(path.resolve(config.dataDir), { recursive: true });
  return withPhiEncryption(config.dataDir, config, {
    mode: 'distributed',
    eventStore,
    bus,
    readModels,
    checkpoints: new ReadModelCheckpointStore(readModels),
  });
}

/**
 * The embedded store and read models around a bus of the caller's choosing: a SQLite event store under
 * `dataDir`, read models in memory. The topology of a process that keeps its own state but talks to
 * other processes over a shared broker (e.g. the embedded composition with the Kafka bus).
 */
export function embeddedAdaptersOnBus(
  dataDir: string,
  bus: Bus,
  config: PhiConfig = {},
  metrics?: Registry,
): PlatformAdapters {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const eventStore = new SqliteEventStore({
    path: path.join(dir, 'events.sqlite'),
    ...(metrics ? { registry: metrics } : {}),
  });
  const readModels = new InMemoryReadModelStore();
  return withPhiEncryption(dir, config, {
    mode: 'embedded',
    eventStore,
    bus,
    readModels,
    checkpoints: new SqliteCheckpointStore(eventStore.database),
  });
}
