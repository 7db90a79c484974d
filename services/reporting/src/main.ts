import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { ReportingModule } from '@ringback/reporting-service';

async function main(): Promise<void> {
  // This entrypoint is the reporting process unless SERVICE_NAME says otherwise.
  const config = loadConfig({ ...process.env, SERVICE_NAME: process.env['SERVICE_NAME'] || 'reporting' });
  await bootstrapService({ name: config.serviceName, module: ReportingModule, config });
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): report on stderr and fail the process.
  process.stderr.write(
    `reporting failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
