import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { createLogger, createMetricsRegistry } from '@ringback/observability';
import { createPlatformAdapters } from '@ringback/runtime';
import { AllInOneModule } from './all-in-one.module';
import { startDemoTraffic } from './demo/demo-traffic';

async function main(): Promise<void> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    SERVICE_NAME: process.env['SERVICE_NAME'] || 'ringback',
  };
  // Contract: `npm start` runs the demo health system unless DEMO_TRAFFIC=off (never by default in production).
  if (!env['DEMO_TRAFFIC'] && env['NODE_ENV'] !== 'production') env['DEMO_TRAFFIC'] = 'on';
  const config = loadConfig(env);
  const registry = createMetricsRegistry(config.serviceName);
  // One logger for the adapters (dead letters) and the service.
  const logger = createLogger({ service: config.serviceName, level: config.log.level });
  const adapters = createPlatformAdapters(config, { metrics: registry, logger });
  const service = await bootstrapService({
    name: config.serviceName,
    module: AllInOneModule.forRoot(adapters),
    config,
    registry,
    logger,
  });
  if (config.demoTraffic) startDemoTraffic({ url: service.url, config, logger: service.logger });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `ringback failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
