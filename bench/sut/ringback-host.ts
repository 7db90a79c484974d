// The system under test for the benchmarks: the real all-in-one composition (every service module,
// as `npm start` runs it) in a process of its own, on one of two topologies:
//   BENCH_TOPOLOGY=embedded    SQLite event store, embedded bus log, read models in memory (main.ts)
//   BENCH_TOPOLOGY=kafka-mongo SQLite event store, the bus on the real Kafka broker (KAFKA_BROKERS,
//                              topics under BENCH_NAMESPACE), read models on FerretDB (MONGO_URL)
// No KurrentDB server can be had on this machine, so the event store stays the SQLite file in both.
// Talks to its parent over IPC: sends {type:'ready', url, pid}; on {type:'stop'} closes gracefully and
// exits 0, so a `--cpu-prof` profile is written.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { logLevel } from 'kafkajs';
import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { createLogger, createMetricsRegistry } from '@ringback/observability';
import {
  ReadModelCheckpointStore,
  createPlatformAdapters,
  namespacedBus,
  withPhiEncryption,
  type PlatformAdapters,
} from '@ringback/runtime';
import { KafkaBus } from '@ringback/bus-kafka';
import { SqliteEventStore } from '@ringback/event-store-sqlite';
import { MongoReadModelStore } from '@ringback/read-model-mongo';
import type { Registry } from 'prom-client';
import { AllInOneModule } from '../../services/all-in-one/src/all-in-one.module';

function kafkaMongoAdapters(dataDir: string, env: NodeJS.ProcessEnv, registry: Registry): PlatformAdapters {
  const brokers = (env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
  const mongoUrl = env['MONGO_URL'];
  const namespace = env['BENCH_NAMESPACE'] ?? `bench-${process.pid}`;
  if (brokers.length === 0 || !mongoUrl) throw new Error('kafka-mongo needs KAFKA_BROKERS and MONGO_URL');
  // Topics and groups under a run-specific prefix, so runs on one broker never share offsets.
  const bus = namespacedBus(
    new KafkaBus({
      brokers,
      clientId: namespace,
      partitions: Number(env['KAFKA_TOPIC_PARTITIONS'] ?? 6),
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      maxWaitTimeMs: 100,
      caughtUpPollMs: 25,
      registry,
      logLevel: logLevel.NOTHING,
    }),
    namespace,
  );
  mkdirSync(dataDir, { recursive: true });
  const eventStore = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
  const readModels = new MongoReadModelStore({
    uri: mongoUrl,
    dbName: namespace.replace(/[^a-z0-9]/gi, '_'),
  });
  // PHI encrypted in the store and on the wire, as in every Ringback process.
  return withPhiEncryption(
    dataDir,
    {},
    {
      mode: 'embedded',
      eventStore,
      bus,
      readModels,
      checkpoints: new ReadModelCheckpointStore(readModels),
    },
  );
}

async function main(): Promise<void> {
  const topology = process.env['BENCH_TOPOLOGY'] ?? 'embedded';
  const config = loadConfig({
    ...process.env,
    NODE_ENV: process.env['NODE_ENV'] ?? 'test',
    SERVICE_NAME: 'ringback',
    DEMO_TRAFFIC: 'off',
  });
  const registry = createMetricsRegistry('ringback');
  const adapters =
    topology === 'kafka-mongo'
      ? kafkaMongoAdapters(config.dataDir, process.env, registry)
      : createPlatformAdapters(config, { metrics: registry });
  const service = await bootstrapService({
    name: 'ringback',
    module: AllInOneModule.forRoot(adapters),
    config,
    registry,
    logger: createLogger({ service: 'ringback', level: config.log.level }),
    tracing: false,
  });
  process.on('message', (raw) => {
    const msg = raw as { type?: string };
    if (msg.type === 'stop') {
      // Exit 0 within 5 s even when a close hangs (a broker connection): `--cpu-prof` writes on exit.
      void Promise.race([
        service.close().catch(() => undefined),
        new Promise((r) => setTimeout(r, 5_000)),
      ]).finally(() => process.exit(0));
    }
    if (msg.type === 'uptime') process.send?.({ type: 'uptime', seconds: process.uptime() });
    if (msg.type === 'memory') {
      global.gc?.();
      process.send?.({ type: 'memory', ...process.memoryUsage() });
    }
  });
  process.send?.({ type: 'ready', url: service.url, pid: process.pid });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench host failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exit(1);
});
// The parent went away (killed, or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(1));
