// One gateway replica on the real Kafka broker, as its own process: an empty embedded event store
// (the gateway owns no streams), the Kafka bus, read models in memory. Prints `READY <url>`.
// Started as: node --import tsx gateway-on-kafka.fixture.ts <dataDir>   (env: KAFKA_BROKERS, AUTH_JWT_SECRET)
import { mkdirSync } from 'node:fs';
import { logLevel } from 'kafkajs';
import { KafkaBus } from '@ringback/bus-kafka';
import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { createLogger } from '@ringback/observability';
import { embeddedAdaptersOnBus } from '@ringback/runtime';
import { GatewayAppModule } from '../gateway-app.module';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: gateway-on-kafka.fixture.ts <dataDir>');
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
  });
  const adapters = embeddedAdaptersOnBus(
    dataDir,
    new KafkaBus({
      brokers: config.kafka.brokers,
      clientId: `gateway-replica-${process.pid}`,
      partitions: 3,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
      logLevel: logLevel.NOTHING,
    }),
  );
  const service = await bootstrapService({
    name: 'gateway',
    module: GatewayAppModule.forRoot(adapters),
    config,
    logger: createLogger({ service: 'gateway', level: 'silent' }),
    tracing: false,
  });
  process.stdout.write(`READY ${service.url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `gateway replica failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
