/**
 * Where a Docker engine is reachable, `infra.sh up` runs the same servers as containers through
 * testcontainers instead of the JVM/Go processes: Apache Kafka (KRaft) and FerretDB, on the same
 * loopback ports. This process holds them; they are removed when it exits (SIGTERM from
 * `infra.sh down`, or the testcontainers reaper if it dies).
 */
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

const kafkaPort = Number(process.env['RINGBACK_KAFKA_PORT'] ?? 39092);
const mongoPort = Number(process.env['RINGBACK_FERRETDB_PORT'] ?? 37017);
const kafkaVersion = process.env['RINGBACK_KAFKA_VERSION'] ?? '4.3.1';

async function main(): Promise<void> {
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    await Promise.allSettled(started.map((c) => c.stop()));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  started.push(
    await new GenericContainer(`apache/kafka:${kafkaVersion}`)
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_NUM_PARTITIONS: '3',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
  );
  started.push(
    await new GenericContainer('ghcr.io/ferretdb/ferretdb:1.24.2')
      .withExposedPorts({ container: 27017, host: mongoPort })
      .withEnvironment({ FERRETDB_HANDLER: 'sqlite', FERRETDB_TELEMETRY: 'disable' })
      .withWaitStrategy(Wait.forListeningPorts())
      .start(),
  );
  process.stdout.write(
    `READY\nKAFKA_BROKERS=127.0.0.1:${kafkaPort}\nMONGO_URL=mongodb://127.0.0.1:${mongoPort}/\n`,
  );
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  process.stderr.write(`containers failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
