import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { loadConfig, type RingbackConfig } from '@ringback/config';
import { DomainError } from '@ringback/kernel';
import { createLogger, type Logger, type Registry } from '@ringback/observability';
import { z } from 'zod';
import {
  LOGGER,
  METRICS_REGISTRY,
  PlatformModule,
  READINESS,
  RINGBACK_CONFIG,
  ReadinessRegistry,
  ZodValidationPipe,
  bootstrapService,
  type RunningService,
} from './index';

const thingSchema = z.object({
  name: z.string().min(1),
  count: z.coerce.number().int().positive(),
  window: z.object({ start: z.iso.datetime() }).optional(),
});
const listQuery = z.object({ tier: z.enum(['1', '2', '3']) });

@Injectable()
class Probe {
  constructor(
    @Inject(LOGGER) readonly logger: Logger,
    @Inject(READINESS) readonly readiness: ReadinessRegistry,
    @Inject(METRICS_REGISTRY) readonly registry: Registry,
    @Inject(RINGBACK_CONFIG) readonly config: RingbackConfig,
  ) {}
}

@Controller('things')
class ThingsHttpController {
  constructor(@Inject(Probe) private readonly probe: Probe) {}

  @Post()
  @HttpCode(201)
  create(@Body(new ZodValidationPipe(thingSchema)) body: z.output<typeof thingSchema>) {
    return body;
  }

  @Get()
  list(@Query(new ZodValidationPipe(listQuery)) query: z.output<typeof listQuery>) {
    return { tier: query.tier, service: this.probe.config.serviceName };
  }

  @Get('closed')
  closed(): never {
    throw new DomainError('task_already_resolved', 'The task is already resolved');
  }

  @Get('rule')
  rule(): never {
    throw new DomainError('hours_overlap', 'Opening intervals overlap', [{ day: 'mon' }]);
  }

  @Get('boom')
  boom(): never {
    throw new Error('mongo at 10.1.2.3 refused the write for caller +1 303 555 0101');
  }

  @Post('raw')
  raw(@Req() req: { rawBody?: Buffer }) {
    return { sha256: req.rawBody ? createHash('sha256').update(req.rawBody).digest('hex') : null };
  }
}

@Module({
  imports: [PlatformModule],
  controllers: [ThingsHttpController],
  providers: [Probe],
  exports: [Probe],
})
class ThingsModule {}

describe('nest platform over HTTP', () => {
  let service: RunningService;
  const lines: string[] = [];

  before(async () => {
    const logger = createLogger({
      service: 'platform-spec',
      level: 'info',
      destination: { write: (s: string) => void lines.push(s) },
    });
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      SERVICE_NAME: 'platform-spec',
    });
    service = await bootstrapService({
      name: 'platform-spec',
      module: ThingsModule,
      config,
      logger,
      tracing: false,
    });
  });
  after(async () => {
    await service?.close();
  });

  const request = (path: string, init: RequestInit = {}) => fetch(`${service.url}/api/v1${path}`, init);
  const post = (path: string, body: string) =>
    request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('gives service modules the platform tokens', () => {
    const probe = service.app.get(Probe);
    assert.equal(probe.readiness, service.readiness);
    assert.equal(probe.registry, service.registry);
    assert.equal(probe.config.serviceName, 'platform-spec');
  });

  it('validates bodies with zod and returns the parsed value', async () => {
    const ok = await post('/things', JSON.stringify({ name: 'a', count: '3' }));
    assert.equal(ok.status, 201);
    assert.deepEqual(await ok.json(), { name: 'a', count: 3 });

    const bad = await post('/things', JSON.stringify({ name: '', count: -1, window: { start: 'later' } }));
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; details: { field: string; in: string }[] } };
    assert.equal(body.error.code, 'validation_failed');
    assert.deepEqual(
      body.error.details.map((d) => `${d.in}:${d.field}`),
      ['body:name', 'body:count', 'body:window.start'],
    );
  });

  it('validates query strings', async () => {
    assert.deepEqual(await (await request('/things?tier=2')).json(), { tier: '2', service: 'platform-spec' });
    const bad = await request('/things?tier=9');
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { details: { field: string; in: string }[] } };
    assert.deepEqual(
      body.error.details.map((d) => `${d.in}:${d.field}`),
      ['query:tier'],
    );
  });

  it('maps domain errors to 409 and 422 with their code', async () => {
    const conflict = await request('/things/closed');
    assert.equal(conflict.status, 409);
    assert.deepEqual(await conflict.json(), {
      error: { code: 'task_already_resolved', message: 'The task is already resolved', details: [] },
    });
    const rule = await request('/things/rule');
    assert.equal(rule.status, 422);
    assert.deepEqual(((await rule.json()) as { error: { details: unknown[] } }).error.details, [
      { day: 'mon' },
    ]);
  });

  it('answers unknown errors with a bare 500 and logs them without PHI', async () => {
    const res = await request('/things/boom');
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), {
      error: { code: 'internal_error', message: 'Internal server error', details: [] },
    });
    assert.doesNotMatch(text, /mongo|10\.1\.2\.3/);
    const failure = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'request failed');
    assert.ok(failure, 'the 500 is logged');
    assert.equal(failure['route'], '/api/v1/things/boom');
    assert.doesNotMatch(lines.join('\n'), /303 555 0101|3035550101/);
  });

  it('keeps the raw request body for webhook signatures', async () => {
    const raw = '{"providerCallId":"CA1",  "from":"+1 303 555 0101"}';
    const res = await post('/things/raw', raw);
    assert.deepEqual(await res.json(), { sha256: createHash('sha256').update(raw).digest('hex') });
  });

  it('fails cleanly when the port is taken', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: String(service.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    await assert.rejects(
      bootstrapService({ name: 'second', module: ThingsModule, config, tracing: false }),
      /EADDRINUSE/,
    );
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200, 'the first instance is unaffected');
  });

  it('reports not ready once shutdown begins', async () => {
    await service.close();
    assert.equal((await service.readiness.evaluate()).ready, false);
  });
});
