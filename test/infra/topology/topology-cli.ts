// `npm run topology -- up` runs this in the background (test/infra/topology.sh); run directly it stays
// in the foreground until SIGTERM/SIGINT, then stops every service gracefully.
//   env: KAFKA_BROKERS, MONGO_URL (from test/infra/infra.sh up), TOPOLOGY_DATA_DIR, TOPOLOGY_PORT,
//        TOPOLOGY_NAMESPACE, AUTH_JWT_SECRET, INGEST_WEBHOOK_SECRET (development values when unset)
import path from 'node:path';
import { DEV_AUTH_JWT_SECRET, DEV_INGEST_WEBHOOK_SECRET } from '@ringback/config';
import { startTopology } from './topology';

async function main(): Promise<void> {
  const kafkaBrokers = process.env['KAFKA_BROKERS'];
  const mongoUrl = process.env['MONGO_URL'];
  if (!kafkaBrokers || !mongoUrl) throw new Error('KAFKA_BROKERS and MONGO_URL are required');
  const topology = await startTopology({
    kafkaBrokers,
    mongoUrl,
    dataDir: path.resolve(process.env['TOPOLOGY_DATA_DIR'] ?? '.infra-run/topology/data'),
    namespace: process.env['TOPOLOGY_NAMESPACE'] ?? 'topology',
    authJwtSecret: process.env['AUTH_JWT_SECRET'] ?? DEV_AUTH_JWT_SECRET,
    webhookSecret: process.env['INGEST_WEBHOOK_SECRET'] ?? DEV_INGEST_WEBHOOK_SECRET,
    ...(process.env['TOPOLOGY_PORT'] ? { proxyPort: Number(process.env['TOPOLOGY_PORT']) } : {}),
    env: { NODE_ENV: 'development' },
  });
  for (const p of topology.processes)
    process.stdout.write(`${p.service}#${p.replica} ${p.url} pid ${p.child.pid} log ${p.logFile}\n`);
  process.stdout.write(`READY ${topology.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping every service\n`);
    void topology.stop().then((codes) => {
      for (const c of codes)
        process.stdout.write(`${c.service}#${c.replica} exited ${c.code ?? 'SIGKILL'}\n`);
      process.exit(codes.every((c) => c.code === 0) ? 0 : 1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`topology failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
