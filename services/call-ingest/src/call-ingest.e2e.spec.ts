import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '@ringback/config';
import { createLogger } from '@ringback/observability';
import { bootstrapService, type RunningService } from '@ringback/nest-platform';
import { createPlatformAdapters } from '@ringback/runtime';
import { CallIngestAppModule } from './call-ingest-app.module';

interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

function assertErrorBody(body: unknown, code: string): asserts body is ErrorBody {
  assert.ok(
    typeof body === 'object' && body !== null && 'error' in body,
    `contract error body expected, got ${JSON.stringify(body)}`,
  );
  const error = (body as ErrorBody).error;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'details', 'message']);
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  assert.ok(Array.isArray(error.details));
}

const testConfig = (extra: Record<string, string> = {}) =>
  loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', SERVICE_NAME: 'call-ingest', ...extra });

describe('call-ingest service (in process)', () => {
  let service: RunningService;
  const logLines: string[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-call-ingest-'));

  before(async () => {
    const logger = createLogger({
      service: 'call-ingest',
      level: 'debug',
      destination: { write: (s: string) => void logLines.push(s) },
    });
    const config = testConfig({ DATA_DIR: dataDir });
    service = await bootstrapService({
      name: 'call-ingest',
      module: CallIngestAppModule.forRoot(createPlatformAdapters(config)),
      config,
      logger,
    });
  });
  after(async () => {
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (path: string, init?: RequestInit) => fetch(`${service.url}${path}`, init);

  it('listens on an ephemeral port', () => {
    assert.ok(service.port > 0);
  });

  it('GET /healthz answers 200 while the process is alive', async () => {
    const res = await get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('GET /readyz answers 200 when every check passes and 503 naming the failing component otherwise', async () => {
    const removeOk = service.readiness.registerCheck('probe-ok', () => ({ ok: true }));
    try {
      const ready = await get('/readyz');
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { status: string }).status, 'ready');

      const removeBroken = service.readiness.registerCheck('bus-consumer', async () => ({
        ok: false,
        detail: 'lag 512 > 100',
      }));
      const notReady = await get('/readyz');
      assert.equal(notReady.status, 503);
      assert.match(notReady.headers.get('content-type') ?? '', /application\/json/);
      const body: unknown = await notReady.json();
      assertErrorBody(body, 'not_ready');
      assert.deepEqual(body.error.details, [{ component: 'bus-consumer', detail: 'lag 512 > 100' }]);
      assert.match(body.error.message, /bus-consumer/);

      removeBroken();
      assert.equal((await get('/readyz')).status, 200);
    } finally {
      removeOk();
    }
  });

  it('GET /readyz treats a throwing check as not ready without leaking its message', async () => {
    const remove = service.readiness.registerCheck('read-model', () => {
      throw new Error('connect ECONNREFUSED mongo://secret-host');
    });
    try {
      const res = await get('/readyz');
      assert.equal(res.status, 503);
      const text = await res.text();
      assert.doesNotMatch(text, /secret-host/);
      assertErrorBody(JSON.parse(text), 'not_ready');
    } finally {
      remove();
    }
  });

  it('GET /metrics serves Prometheus text with the service label', async (t: TestContext) => {
    await get('/healthz'); // at least one observed request
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^process_cpu_user_seconds_total\{service="call-ingest"\} [0-9.e+-]+$/m);
    const healthzCount = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('ringback_http_request_duration_seconds_count{') && l.includes('route="/healthz"'),
      );
    for (const label of ['method="GET"', 'status="200"', 'service="call-ingest"'])
      assert.ok(healthzCount?.includes(label), label);
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.]+(e[+-]?\d+)?|NaN|[+-]Inf)$/;
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      assert.match(line, sample);
    }
    const probe = spawnSync('promtool', ['--version']);
    if (probe.error || probe.status !== 0) {
      if (process.env['RINGBACK_REQUIRE_INFRA'] === '1') throw new Error('not run: promtool not installed');
      t.diagnostic('promtool check skipped: promtool not installed');
      return;
    }
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
  });

  it('answers unknown routes with 404 and the contract error body, inside and outside /api/v1', async () => {
    for (const path of [
      '/nope',
      '/api/v1/nope',
      '/api/v1/healthz',
      '/api/v1/calls/missed?from=%2B13035550101',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assertErrorBody(await res.json(), 'not_found');
    }
  });

  it('answers malformed JSON with 400 and the contract error body', async () => {
    const res = await get('/api/v1/calls/missed', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"from": +1 303',
    });
    assert.equal(res.status, 400);
    assertErrorBody(await res.json(), 'bad_request');
  });

  it('sends a trace id header and logs requests by route template, never by URL', async () => {
    const res = await get('/api/v1/tasks/abc?from=%2B13035550101');
    assert.match(res.headers.get('x-trace-id') ?? '', /^[0-9a-f]{32}$/);
    await new Promise((r) => setImmediate(r));
    const requestLines = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'request');
    assert.ok(requestLines.length > 0);
    const last = requestLines.at(-1);
    assert.equal(last?.['route'], 'unmatched');
    assert.equal(last?.['status'], 404);
    assert.equal(last?.['traceId'], res.headers.get('x-trace-id'));
    const all = logLines.join('\n');
    assert.doesNotMatch(all, /3035550101|\/api\/v1\/tasks\/abc/);
    const parsed = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const mapped = parsed.filter((l) => String(l['msg']).includes('Mapped {'));
    assert.ok(
      mapped.length > 0 && mapped.every((l) => l['level'] === 'debug'),
      'route mapping chatter is debug only',
    );
  });
});

describe('call-ingest service (main.ts as a process)', () => {
  it('starts from its entrypoint on PORT=0 and shuts down gracefully on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-call-ingest-main-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/call-ingest/src/main.ts'], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        SERVICE_NAME: '',
        MODE: 'embedded',
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DEMO_TRAFFIC: 'off',
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no listening line within 30 s; stderr:\n${stderr}`)),
          30_000,
        );
        createInterface({ input: child.stdout }).on('line', (line) => {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          lines.push(parsed);
          if (parsed['msg'] === 'call-ingest listening') {
            clearTimeout(timer);
            resolve(Number(parsed['port']));
          }
        });
        void exited.then((code) => reject(new Error(`exited early with ${code}; stderr:\n${stderr}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(res.status, 200);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, `graceful exit expected; stderr:\n${stderr}`);
      assert.ok(lines.every((l) => l['service'] === 'call-ingest'));
      assert.ok(lines.some((l) => l['msg'] === 'shutting down' && l['signal'] === 'SIGTERM'));
      assert.ok(
        !lines.some((l) => String(l['msg']).includes('Mapped {')),
        'Nest startup chatter stays below info',
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
