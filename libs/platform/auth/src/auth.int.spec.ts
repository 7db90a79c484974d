import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { loadConfig } from '@ringback/config';
import { createLogger } from '@ringback/observability';
import { PlatformModule, bootstrapService, type RunningService } from '@ringback/nest-platform';
import { Authenticated, CurrentUser } from './auth.guard';
import { AuthModule } from './auth.module';
import type { AuthUser } from './claims';
import { devTokenOptionsFor, signDevToken } from './dev-token';
import { createTokenVerifier } from './verify';

const SECRET = 'auth-spec-secret-that-is-long-enough-0123456789';

@Controller('whoami')
class WhoAmIHttpController {
  @Get()
  @Authenticated()
  whoami(@CurrentUser() user: AuthUser) {
    return user;
  }

  @Get('admin')
  @Authenticated('admin')
  admin(@CurrentUser() user: AuthUser) {
    return { sub: user.sub };
  }
}

@Module({ imports: [PlatformModule, AuthModule], controllers: [WhoAmIHttpController] })
class WhoAmIModule {}

interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

describe('AuthGuard over HTTP (HS256)', () => {
  let service: RunningService;
  before(async () => {
    service = await bootstrapService({
      name: 'auth-spec',
      module: WhoAmIModule,
      config: loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', AUTH_JWT_SECRET: SECRET }),
      logger: createLogger({ service: 'auth-spec', level: 'silent' }),
      tracing: false,
    });
  });
  after(async () => {
    await service?.close();
  });

  const call = (path: string, token?: string) =>
    fetch(`${service.url}/api/v1${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  const expect401 = async (res: Response, code: string) => {
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    const body = (await res.json()) as ErrorBody;
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'details', 'message']);
    assert.equal(body.error.code, code);
  };

  it('lets a valid token through and hands the claims to the handler', async () => {
    const token = await signDevToken({ role: 'supervisor', regions: ['west', 'north'] }, SECRET);
    const res = await call('/whoami', token);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      sub: 'dev-supervisor',
      role: 'supervisor',
      regions: ['west', 'north'],
      locations: [],
      pods: [],
    });
  });

  it('answers 401 without a token or with a malformed Authorization header', async () => {
    await expect401(await call('/whoami'), 'unauthorized');
    const basic = await fetch(`${service.url}/api/v1/whoami`, { headers: { authorization: 'Basic YTpi' } });
    await expect401(basic, 'unauthorized');
    await expect401(await call('/whoami', 'not-a-jwt'), 'invalid_token');
  });

  it('answers 401 to a tampered token', async () => {
    const token = await signDevToken({ role: 'clinic_staff', locations: ['aurora'] }, SECRET);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    await expect401(await call('/whoami', `${header}.${forged}.${signature}`), 'invalid_token');
    const otherKey = await signDevToken({ role: 'admin' }, 'some-other-secret-of-sufficient-length-000');
    await expect401(await call('/whoami', otherKey), 'invalid_token');
  });

  it('answers 401 to an expired token', async () => {
    const token = await signDevToken({ role: 'admin' }, SECRET, {
      now: Date.now() - 13 * 3600_000,
      expiresInSeconds: 3600,
    });
    await expect401(await call('/whoami', token), 'token_expired');
  });

  it('answers 401 to a token with the wrong algorithm (none, HS512, RS256)', async () => {
    const claims = { role: 'admin', regions: [], locations: [], pods: [] };
    const exp = Math.floor(Date.now() / 1000) + 600;
    const unsigned = [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...claims, sub: 'x', exp })).toString('base64url'),
      '',
    ].join('.');
    await expect401(await call('/whoami', unsigned), 'invalid_token');
    const hs512 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('x')
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    await expect401(await call('/whoami', hs512), 'invalid_token');
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('x')
      .setExpirationTime(exp)
      .sign(privateKey);
    await expect401(await call('/whoami', rs256), 'invalid_token');
  });

  it('answers 401 to a token without exp or with claims outside the schema', async () => {
    const key = new TextEncoder().encode(SECRET);
    const noExp = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .sign(key);
    await expect401(await call('/whoami', noExp), 'invalid_token');
    const badRole = await new SignJWT({ role: 'root' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setExpirationTime('1h')
      .sign(key);
    await expect401(await call('/whoami', badRole), 'invalid_token');
  });

  it('answers 401 to a token that is not valid yet (nbf in the future)', async () => {
    const early = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setNotBefore(Math.floor(Date.now() / 1000) + 600)
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(SECRET));
    await expect401(await call('/whoami', early), 'invalid_token');
  });

  it('signs dev tokens with the configured issuer and audience, which a checking verifier then accepts', async () => {
    const checking = createTokenVerifier({
      jwtSecret: SECRET,
      jwksUrl: null,
      issuer: 'ringback-dev',
      audience: 'rb',
    });
    const plain = await signDevToken({ role: 'admin' }, SECRET);
    await assert.rejects(
      checking.verify(plain),
      (e: unknown) => (e as { getStatus(): number }).getStatus() === 401,
    );
    const dev = await signDevToken(
      { role: 'admin' },
      SECRET,
      devTokenOptionsFor({ issuer: 'ringback-dev', audience: 'rb' }),
    );
    assert.equal((await checking.verify(dev)).role, 'admin');
  });

  it('answers 403 to an authenticated user without the required role, 401 before 403', async () => {
    const coordinator = await signDevToken({ role: 'coordinator', pods: ['pod-mountain'] }, SECRET);
    const res = await call('/whoami/admin', coordinator);
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as ErrorBody).error.code, 'forbidden');
    await expect401(await call('/whoami/admin'), 'unauthorized');
    const admin = await signDevToken({ role: 'admin' }, SECRET);
    assert.deepEqual(await (await call('/whoami/admin', admin)).json(), { sub: 'dev-admin' });
  });
});

describe('token verifier with a JWKS (RS256)', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  before(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  after(() => {
    server?.close();
  });

  it('accepts RS256 tokens signed by a key of the set and refuses HS256 ones', async () => {
    const verifier = createTokenVerifier({ jwtSecret: SECRET, jwksUrl });
    const token = await new SignJWT({ role: 'supervisor', regions: ['west'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('okta|123')
      .setExpirationTime('1h')
      .sign(privateKey);
    assert.deepEqual(await verifier.verify(token), {
      sub: 'okta|123',
      role: 'supervisor',
      regions: ['west'],
      locations: [],
      pods: [],
    });
    const hs = await signDevToken({ role: 'admin' }, SECRET);
    await assert.rejects(
      verifier.verify(hs),
      (e: unknown) => (e as { getStatus(): number }).getStatus() === 401,
    );
  });

  const rejects401 = async (verifier: ReturnType<typeof createTokenVerifier>, token: string) =>
    assert.rejects(
      verifier.verify(token),
      (e: unknown) => (e as { getStatus(): number }).getStatus() === 401,
    );

  it('refuses HS/RS confusion: an HS256 token keyed with the public RSA key, and alg none', async () => {
    const verifier = createTokenVerifier({ jwtSecret: null, jwksUrl });
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: Record<string, unknown>[] };
    // The classic attack: the public key (which anyone can fetch) used as an HMAC secret.
    for (const secret of [JSON.stringify(jwks.keys[0]), String(jwks.keys[0]!['n'])]) {
      const confused = await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setSubject('mallory')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      await rejects401(verifier, confused);
    }
    const payload = Buffer.from(
      JSON.stringify({ sub: 'mallory', role: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url')}.${payload}.`;
    await rejects401(verifier, none);
  });

  it('refuses a wrong or missing issuer or audience, and a token not valid yet', async () => {
    const verifier = createTokenVerifier({
      jwtSecret: null,
      jwksUrl,
      issuer: 'https://idp.example.org/',
      audience: 'ringback',
    });
    const sign = (set: (jwt: SignJWT) => SignJWT) =>
      set(
        new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setSubject('okta|1')
          .setExpirationTime('1h'),
      ).sign(privateKey);
    const good = await sign((j) => j.setIssuer('https://idp.example.org/').setAudience('ringback'));
    assert.equal((await verifier.verify(good)).sub, 'okta|1');
    for (const bad of [
      await sign((j) => j.setIssuer('https://evil.example.org/').setAudience('ringback')),
      await sign((j) => j.setAudience('ringback')),
      await sign((j) => j.setIssuer('https://idp.example.org/').setAudience('another-app')),
      await sign((j) => j.setIssuer('https://idp.example.org/')),
      await sign((j) =>
        j
          .setIssuer('https://idp.example.org/')
          .setAudience('ringback')
          .setNotBefore(Math.floor(Date.now() / 1000) + 600),
      ),
      await sign((j) =>
        j
          .setIssuer('https://idp.example.org/')
          .setAudience('ringback')
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60),
      ),
    ])
      await rejects401(verifier, bad);
  });

  it('refuses to start without any key', () => {
    assert.throws(() => createTokenVerifier({ jwtSecret: null, jwksUrl: null }), /AUTH_JWT_SECRET/);
  });
});
