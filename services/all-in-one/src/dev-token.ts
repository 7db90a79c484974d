import { parseArgs } from 'node:util';
import { USER_ROLES, devTokenOptionsFor, signDevToken, type UserRole } from '@ringback/auth';
import { loadConfig } from '@ringback/config';

// `npm run -s token -- --role supervisor --regions west`: prints one HS256 user token (12 h) signed
// with AUTH_JWT_SECRET (the development default when unset), and nothing else. Development only.

const USAGE = `usage: npm run -s token -- --role <${USER_ROLES.join('|')}> [--regions a,b] [--locations a,b] [--pods a,b] [--sub id]`;

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  if (process.env['NODE_ENV'] === 'production') {
    fail('refusing to mint development tokens with NODE_ENV=production', 1);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        role: { type: 'string' },
        regions: { type: 'string' },
        locations: { type: 'string' },
        pods: { type: 'string' },
        sub: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  if (values['help']) fail(USAGE, 0);
  const role = values['role'];
  if (typeof role !== 'string' || !(USER_ROLES as readonly string[]).includes(role)) {
    fail(`--role must be one of ${USER_ROLES.join(', ')}\n${USAGE}`, 2);
  }
  const config = loadConfig(process.env);
  if (!config.auth.jwtSecret) fail('AUTH_JWT_SECRET is not set', 1);
  const sub = values['sub'];
  const token = await signDevToken(
    {
      role: role as UserRole,
      ...(typeof sub === 'string' && sub.trim() !== '' ? { sub: sub.trim() } : {}),
      regions: list(values['regions'] as string | undefined),
      locations: list(values['locations'] as string | undefined),
      pods: list(values['pods'] as string | undefined),
    },
    config.auth.jwtSecret,
    devTokenOptionsFor(config.auth),
  );
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  fail(`token: ${error instanceof Error ? error.message : String(error)}`, 1);
});
