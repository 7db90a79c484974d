import { loadConfig } from '@ringback/config';
import { bootstrapService } from '@ringback/nest-platform';
import { GatewayModule } from '@ringback/gateway-service';

async function main(): Promise<void> {
  // This entrypoint is the gateway process unless SERVICE_NAME says otherwise.
  const config = loadConfig({ ...process.env, SERVICE_NAME: process.env['SERVICE_NAME'] || 'gateway' });
  await bootstrapService({ name: config.serviceName, module: GatewayModule, config });
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): report on stderr and fail the process.
  process.stderr.write(
    `gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
