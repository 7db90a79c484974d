import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, SpanKind, context, propagation, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { BusMessage } from '@ringback/platform-core';
import { eventually, requireInfra, thingHappened, uniqueSuffix } from '@ringback/testing';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

// The global OTel registration lives only as long as this file's tests.
before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});
after(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

const options = (brokers: string[]): KafkaBusOptions => ({
  brokers,
  clientId: `ringback-trace-${uniqueSuffix()}`,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 250,
  logLevel: logLevel.NOTHING,
});

const freshTopic = (): string => `ringback.trace${uniqueSuffix().replace(/[^a-z0-9]/gi, '')}.events`;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

interface Consumed {
  active: SpanContext | undefined;
  message: BusMessage;
}

function firstMessage(): { handler: (m: BusMessage) => Promise<void>; received: Promise<Consumed> } {
  let resolve!: (c: Consumed) => void;
  const received = new Promise<Consumed>((r) => (resolve = r));
  return {
    handler: async (message) => resolve({ active: trace.getActiveSpan()?.spanContext(), message }),
    received,
  };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const finished = (spanId: string): ReadableSpan | undefined =>
  exporter.getFinishedSpans().find((s) => s.spanContext().spanId === spanId);

describe('trace propagation through real Kafka', () => {
  it(
    'A trace started by an HTTP request is continued by a consumer on the other side of real Kafka',
    { timeout: 60_000 },
    async (t) => {
      const brokers = requireInfra(t, 'kafka');
      if (!brokers) return;
      const topic = freshTopic();
      const producerSide = new KafkaBus(options(brokers));
      const consumerSide = new KafkaBus(options(brokers));
      let server: Server | undefined;
      try {
        const { handler, received } = firstMessage();
        await consumerSide.consume({ groupId: `trace-${uniqueSuffix()}`, topics: [topic], handler });

        // The service: its handler continues the caller's trace in a SERVER span and publishes.
        server = createServer((req, res) => {
          const parent = propagation.extract(ROOT_CONTEXT, req.headers);
          void trace
            .getTracer('http-server')
            .startActiveSpan('POST /calls', { kind: SpanKind.SERVER }, parent, async (span) => {
              try {
                await producerSide.publish(topic, 'call-1', thingHappened('call-1', 1));
                res.writeHead(202).end();
              } catch (error) {
                res.writeHead(500).end(String(error));
              } finally {
                span.end();
              }
            });
        });
        await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
        const { port } = server.address() as AddressInfo;

        // The caller's span lives in another process; only its traceparent reaches us.
        const traceId = hex(16);
        const clientSpanId = hex(8);
        const response = await fetch(`http://127.0.0.1:${port}/calls`, {
          method: 'POST',
          headers: { traceparent: `00-${traceId}-${clientSpanId}-01` },
        });
        assert.equal(response.status, 202, await response.text());

        const { active, message } = await within(received, 30_000, 'message consumed');
        assert.equal(active?.traceId, traceId, 'the handler runs inside the caller trace');
        await eventually(() => finished(active!.spanId) !== undefined, 5_000);

        const consumerSpan = finished(active!.spanId)!;
        assert.equal(consumerSpan.kind, SpanKind.CONSUMER);
        assert.equal(consumerSpan.name, `process ${topic}`);
        const producerSpan = finished(consumerSpan.parentSpanContext!.spanId)!;
        assert.equal(
          producerSpan?.kind,
          SpanKind.PRODUCER,
          'the consumer span is a child of the producer span',
        );
        assert.equal(producerSpan.name, `send ${topic}`);
        const serverSpan = finished(producerSpan.parentSpanContext!.spanId)!;
        assert.equal(
          serverSpan?.kind,
          SpanKind.SERVER,
          'the producer span is a child of the HTTP server span',
        );
        assert.equal(serverSpan.name, 'POST /calls');
        assert.equal(
          serverSpan.parentSpanContext?.spanId,
          clientSpanId,
          'the server span continues the incoming traceparent',
        );
        assert.equal(serverSpan.parentSpanContext?.isRemote, true);
        assert.equal(
          consumerSpan.parentSpanContext?.isRemote,
          true,
          'the consumer side learned its parent from the message',
        );
        for (const s of [consumerSpan, producerSpan, serverSpan])
          assert.equal(s.spanContext().traceId, traceId);

        assert.equal(message.headers['traceparent'], `00-${traceId}-${producerSpan.spanContext().spanId}-01`);
        assert.equal(consumerSpan.attributes['messaging.system'], 'kafka');
        assert.equal(consumerSpan.attributes['messaging.destination.name'], topic);
        assert.equal(consumerSpan.attributes['messaging.message.id'], message.envelope.eventId);
      } finally {
        server?.closeAllConnections();
        await new Promise((r) => (server ? server.close(r) : r(undefined)));
        await Promise.all([producerSide.close(), consumerSide.close()]);
      }
    },
  );

  it(
    'falls back to the envelope traceparent for records written without trace headers',
    { timeout: 60_000 },
    async (t) => {
      const brokers = requireInfra(t, 'kafka');
      if (!brokers) return;
      const topic = freshTopic();
      const bus = new KafkaBus(options(brokers));
      const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        const { handler, received } = firstMessage();
        await bus.consume({ groupId: `trace-fallback-${uniqueSuffix()}`, topics: [topic], handler });

        const traceId = hex(16);
        const spanId = hex(8);
        const envelope = thingHappened('call-2', 1, { traceparent: `00-${traceId}-${spanId}-01` });
        await producer.connect();
        await producer.send({ topic, messages: [{ key: 'call-2', value: JSON.stringify(envelope) }] });

        const { active, message } = await within(received, 30_000, 'message consumed');
        assert.equal(message.headers['traceparent'], undefined);
        assert.equal(active?.traceId, traceId);
        await eventually(() => finished(active!.spanId) !== undefined, 5_000);
        assert.equal(finished(active!.spanId)!.parentSpanContext?.spanId, spanId);
      } finally {
        await producer.disconnect();
        await bus.close();
      }
    },
  );
});
