import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { createLogger } from './logging';
import {
  currentTraceId,
  currentTraceparent,
  redactedQuery,
  startTracing,
  withSpan,
  withTraceparent,
  type TracingHandle,
} from './tracing';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: TracingHandle;

  before(() => {
    tracing = startTracing({ serviceName: 'tracing-spec', exporter });
  });
  after(async () => {
    await tracing.shutdown();
  });
  beforeEach(() => exporter.reset());
  const finished = async () => {
    await tracing.forceFlush();
    return exporter.getFinishedSpans();
  };

  it('exports spans with the service name', async () => {
    await withSpan('unit-of-work', () => undefined, { attributes: { 'ringback.task_id': 't-1' } });
    const [span] = await finished();
    assert.equal(span?.name, 'unit-of-work');
    assert.equal(span?.attributes['ringback.task_id'], 't-1');
    assert.equal(span?.resource.attributes['service.name'], 'tracing-spec');
  });

  it('exposes the active span as a W3C traceparent and trace id', async () => {
    assert.equal(currentTraceparent(), null);
    assert.equal(currentTraceId(), null);
    let seen: string | null = null;
    await withSpan('outer', async () => {
      await new Promise((r) => setImmediate(r)); // context survives async hops
      seen = currentTraceparent();
      assert.equal(currentTraceId(), TRACEPARENT.exec(seen ?? '')?.[1]);
    });
    const [span] = await finished();
    assert.equal(seen, `00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`);
  });

  it('continues a stored traceparent', async () => {
    const stored = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await withTraceparent(stored, () => withSpan('consume', () => undefined));
    const [span] = await finished();
    assert.equal(span?.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(span?.parentSpanContext?.spanId, '00f067aa0ba902b7');
  });

  it('starts a fresh trace for a missing or malformed traceparent', async () => {
    for (const bad of [
      null,
      undefined,
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    ]) {
      exporter.reset();
      await withTraceparent(bad, () => withSpan('consume', () => undefined));
      const [span] = await finished();
      assert.equal(span?.parentSpanContext, undefined, String(bad));
    }
  });

  it('marks failed spans without recording the error message', async () => {
    await assert.rejects(
      withSpan('fails', () => {
        throw new TypeError('call from +13035550101 failed');
      }),
      TypeError,
    );
    const [span] = await finished();
    assert.equal(span?.status.code, 2);
    assert.equal(span?.status.message, 'TypeError');
  });

  it('traces HTTP requests and propagates trace context between client and server', async () => {
    const http = await import('node:http');
    const server = http.createServer((_req, res) => {
      res.end(currentTraceparent() ?? 'none');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      let clientTraceId: string | null = null;
      const body = await withSpan('client-call', async () => {
        clientTraceId = currentTraceId();
        return new Promise<string>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: '/things' }, (res) => {
              let data = '';
              res.on('data', (c: Buffer) => (data += c.toString()));
              res.on('end', () => resolve(data));
            })
            .on('error', reject);
        });
      });
      assert.equal(
        TRACEPARENT.exec(body)?.[1],
        clientTraceId,
        'the server handled the request inside the caller trace',
      );
      const kinds = (await finished()).map((s) => s.kind);
      assert.ok(
        kinds.includes(1) && kinds.includes(2),
        `server and client spans recorded, got kinds ${kinds.join(',')}`,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('puts trace ids on log lines written inside a span', async () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 's', destination: { write: (s: string) => void lines.push(s) } });
    await withSpan('logged', () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.match(String(inside?.['traceId']), /^[0-9a-f]{32}$/);
    assert.equal(outside?.['traceId'], undefined);
  });

  it('shares one pipeline between concurrent starts', async () => {
    const second = startTracing({ serviceName: 'ignored' });
    await second.shutdown();
    await withSpan('still-exported', () => undefined);
    assert.equal((await finished()).length, 1);
  });
});

describe('redactedQuery', () => {
  it('keeps the parameter names of a query string and none of its values', () => {
    assert.equal(
      redactedQuery('locationId=%2B13035550101&tier=Dana+Reyes&tier=2'),
      'locationId=REDACTED&tier=REDACTED',
    );
    assert.equal(redactedQuery(''), '');
  });
});
