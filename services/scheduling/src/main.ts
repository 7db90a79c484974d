import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { SchedulingModule } from '@ringback/scheduling-service';

async function main(): Promise<void> {
  // This entrypoint is the scheduling process unless SERVICE_NAME says otherwise.
  const config = loadConfig({ ...process.env, SERVICE_NAME: process.env['SERVICE_NAME'] || 'scheduling' });
  await bootstrapService({ name: config.serviceName, module: SchedulingModule, config });
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): report on stderr and fail the process.
  process.stderr.write(
    `scheduling failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
