import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { RemindersModule } from '@ringback/reminders-service';

async function main(): Promise<void> {
  // This entrypoint is the reminders process unless SERVICE_NAME says otherwise.
  const config = loadConfig({ ...process.env, SERVICE_NAME: process.env['SERVICE_NAME'] || 'reminders' });
  await bootstrapService({ name: config.serviceName, module: RemindersModule, config });
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): report on stderr and fail the process.
  process.stderr.write(
    `reminders failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
