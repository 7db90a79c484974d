// A whole Ringback process (embedded adapters on DATA_DIR) on a virtual clock, for the SIGKILL day
// scenario. The test process drives it: HTTP for the API, IPC for time ('at'), settling and reading
// streams. Started as: node --import tsx day-node.fixture.ts <dataDir> <startIso>
import { VirtualClock } from '@ringback/kernel';
import { settleRingback } from './day-host';
import { startRingback } from './all-in-one.harness';

type Request =
  | { id: number; type: 'at'; iso: string }
  | { id: number; type: 'settle' }
  | { id: number; type: 'readStream'; streamId: string };

async function main(): Promise<void> {
  const [dataDir, startIso] = process.argv.slice(2);
  if (!dataDir || !startIso) throw new Error('usage: day-node.fixture.ts <dataDir> <startIso>');
  const clock = new VirtualClock(startIso);
  const rb = await startRingback(dataDir, {
    clock,
    env: { ROUTING_INTERVAL_MS: '0', SLA_TIMER_INTERVAL_MS: '0' },
  });
  const reply = (id: number, body: Record<string, unknown>) => process.send?.({ id, ...body });
  process.on('message', (raw) => {
    const req = raw as Request;
    void (async () => {
      try {
        if (req.type === 'at') {
          if (Date.parse(req.iso) > clock.now()) clock.set(req.iso);
          await settleRingback(rb.service, rb.adapters);
          reply(req.id, { ok: true });
        } else if (req.type === 'settle') {
          await settleRingback(rb.service, rb.adapters);
          reply(req.id, { ok: true });
        } else {
          const events = (await rb.adapters.eventStore.readStream(req.streamId)).map((r) => ({
            type: r.envelope.type,
            data: r.envelope.data,
          }));
          reply(req.id, { ok: true, events });
        }
      } catch (error) {
        reply(req.id, {
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
    })();
  });
  process.send?.({ type: 'ready', url: rb.service.url });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `day node failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
