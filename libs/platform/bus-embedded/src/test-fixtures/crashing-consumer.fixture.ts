// Child process for the SIGKILL case of embedded-bus.int.spec.ts: consumes `ringback.crash.events`
// as group `crash-group`, reports every message on stdout and hangs forever in message `stuckAt`,
// where the parent kills it.
import { EmbeddedBus } from '../embedded-bus';

const [path, stuckAt] = process.argv.slice(2);
if (!path || stuckAt === undefined)
  throw new Error('usage: crashing-consumer.fixture.ts <db path> <n to hang in>');

const bus = new EmbeddedBus({ path, pollIntervalMs: 50 });
void bus.consume({
  groupId: 'crash-group',
  topics: ['ringback.crash.events'],
  handler: async (m) => {
    const n = (m.envelope.data as { n: number }).n;
    if (n === Number(stuckAt)) {
      process.stdout.write(`stuck ${n}\n`);
      await new Promise(() => undefined);
    }
    process.stdout.write(`handled ${n}\n`);
  },
});
