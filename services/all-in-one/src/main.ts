import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { createMetricsRegistry } from '@ringback/observability';
import { createPlatformAdapters } from '@ringback/runtime';
import { AllInOneModule } from './all-in-one.module';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, SERVICE_NAME: process.env['SERVICE_NAME'] || 'ringback' });
  const registry = createMetricsRegistry(config.serviceName);
  const adapters = createPlatformAdapters(config, { metrics: registry });
  await bootstrapService({
    name: config.serviceName,
    module: AllInOneModule.forRoot(adapters),
    config,
    registry,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `ringback failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
