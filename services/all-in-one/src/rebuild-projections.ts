import { loadConfig } from '@ringback/config';
import { ringbackEventRegistry } from '@ringback/contracts';
import { createPlatformAdapters, rebuildProjections } from '@ringback/runtime';
import { projectionCatalogue } from './projection-catalogue';

// `npm run projections:rebuild`: drop every read model and checkpoint, replay the event store.
// In embedded mode read models are in memory and rebuilt at every start anyway; this matters for
// MongoDB read models in distributed mode. Run it while the services are stopped.
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, SERVICE_NAME: 'projections-rebuild' });
  const adapters = createPlatformAdapters(config);
  try {
    const rebuilt = await rebuildProjections({
      eventStore: adapters.eventStore,
      readModels: adapters.readModels,
      projections: projectionCatalogue,
      registry: ringbackEventRegistry(),
    });
    process.stdout.write(
      `rebuilt ${rebuilt.length} projection(s)${rebuilt.length ? `: ${rebuilt.join(', ')}` : ''}\n`,
    );
  } finally {
    await adapters.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `projections:rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
