import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DEV_TOKEN_TTL_SECONDS, createTokenVerifier } from '@ringback/auth';
import { DEV_AUTH_JWT_SECRET } from '@ringback/config';

const root = path.resolve(__dirname, '../../..');
const SECRET = 'dev-token-spec-secret-with-enough-length-0123';

const env = (extra: Record<string, string> = {}) => {
  const base: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'development', ...extra };
  if (!('AUTH_JWT_SECRET' in extra)) delete base['AUTH_JWT_SECRET'];
  return base as NodeJS.ProcessEnv;
};

const runScript = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'services/all-in-one/src/dev-token.ts', ...args], {
    cwd: root,
    env: env(extra),
    encoding: 'utf8',
  });

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

describe('npm run -s token (dev token CLI)', () => {
  it('prints exactly one JWT that the server verifies, with the requested scope', async () => {
    const out = runScript(['--role', 'supervisor', '--regions', 'west,north'], { AUTH_JWT_SECRET: SECRET });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stderr, '');
    assert.match(out.stdout, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const token = out.stdout.trim();
    const user = await createTokenVerifier({ jwtSecret: SECRET, jwksUrl: null }).verify(token);
    assert.deepEqual(user, {
      sub: 'dev-supervisor',
      role: 'supervisor',
      regions: ['west', 'north'],
      locations: [],
      pods: [],
    });
    const claims = claimsOf(token);
    assert.equal(Number(claims['exp']) - Number(claims['iat']), DEV_TOKEN_TTL_SECONDS);
  });

  it('signs with the development default secret when AUTH_JWT_SECRET is unset; --sub and lists', async () => {
    const out = runScript(['--role', 'coordinator', '--pods', 'pod-a, pod-b', '--sub', 'alex']);
    assert.equal(out.status, 0, out.stderr);
    const user = await createTokenVerifier({ jwtSecret: DEV_AUTH_JWT_SECRET, jwksUrl: null }).verify(
      out.stdout.trim(),
    );
    assert.equal(user.sub, 'alex');
    assert.deepEqual(user.pods, ['pod-a', 'pod-b']);
  });

  it('works through npm exactly as documented', { skip: !hasNpm() && 'npm not on PATH' }, async () => {
    const out = spawnSync('npm', ['run', '-s', 'token', '--', '--role', 'admin'], {
      cwd: root,
      env: env({ AUTH_JWT_SECRET: SECRET }),
      encoding: 'utf8',
    });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout.split('\n').filter(Boolean).length, 1);
    const user = await createTokenVerifier({ jwtSecret: SECRET, jwksUrl: null }).verify(out.stdout.trim());
    assert.equal(user.role, 'admin');
  });

  it('refuses bad roles and unknown flags, and any use with NODE_ENV=production', () => {
    const badRole = runScript(['--role', 'root']);
    assert.equal(badRole.status, 2);
    assert.equal(badRole.stdout, '');
    const unknown = runScript(['--role', 'admin', '--bogus', 'x']);
    assert.equal(unknown.status, 2);
    const prod = runScript(['--role', 'admin'], { NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET });
    assert.equal(prod.status, 1);
    assert.equal(prod.stdout, '');
    assert.match(prod.stderr, /production/);
  });
});

function hasNpm(): boolean {
  return spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;
}
