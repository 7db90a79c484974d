import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { createLogger, createMetricsRegistry } from '@ringback/observability';
import { createPlatformAdapters } from '@ringback/runtime';
import { TriageAppModule } from './triage-app.module';

async function main(): Promise<void> {
  // This entrypoint is the triage process unless SERVICE_NAME says otherwise.
  const config = loadConfig({ ...process.env, SERVICE_NAME: process.env['SERVICE_NAME'] || 'triage' });
  const registry = createMetricsRegistry(config.serviceName);
  // One logger for the adapters (dead letters) and the service.
  const logger = createLogger({ service: config.serviceName, level: config.log.level });
  const adapters = createPlatformAdapters(config, { metrics: registry, logger });
  await bootstrapService({
    name: config.serviceName,
    module: TriageAppModule.forRoot(adapters),
    config,
    registry,
    logger,
  });
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): report on stderr and fail the process.
  process.stderr.write(`triage failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
