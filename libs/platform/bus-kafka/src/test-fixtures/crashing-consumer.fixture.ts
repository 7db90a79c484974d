// Child process for the SIGKILL case of kafka-bus.int.spec.ts: consumes <topic> as <group>, reports
// every message on stdout and hangs forever in message <stuckAt>, where the parent kills it. It never
// leaves the group, so the broker only notices through the session timeout.
import { logLevel } from 'kafkajs';
import { KafkaBus } from '../kafka-bus';

const [brokers, topic, groupId, stuckAt, sessionTimeoutMs] = process.argv.slice(2);
if (!brokers || !topic || !groupId || stuckAt === undefined || !sessionTimeoutMs) {
  throw new Error(
    'usage: crashing-consumer.fixture.ts <brokers> <topic> <group> <n to hang in> <session timeout ms>',
  );
}

const bus = new KafkaBus({
  brokers: brokers.split(','),
  sessionTimeoutMs: Number(sessionTimeoutMs),
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 250,
  logLevel: logLevel.NOTHING,
});
void bus.consume({
  groupId,
  topics: [topic],
  handler: async (m) => {
    const n = (m.envelope.data as { n: number }).n;
    if (n === Number(stuckAt)) {
      process.stdout.write(`stuck ${n}\n`);
      await new Promise(() => undefined);
    }
    process.stdout.write(`handled ${n}\n`);
  },
});
