import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { EventEnvelope } from '@ringback/contracts';
import type { BusMessage } from '../ports/bus.port';
import { deliverWithRetry, type DeadLetter } from './bus-delivery';
import { extractTraceContext, injectTraceHeaders, withProducerSpan } from './bus-tracing';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

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
beforeEach(() => exporter.reset());

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const TP = `00-${TRACE}-${PARENT}-01`;

function message(
  headers: Record<string, string> = {},
  traceparent: string | null = null,
): Omit<BusMessage, 'attempt'> {
  const envelope = {
    eventId: 'e-1',
    type: 'ThingHappened',
    traceparent,
    data: {},
  } as unknown as EventEnvelope;
  return { topic: 'ringback.thing.events', key: 'thing-1', envelope, headers, partition: 1, offset: '7' };
}

const policy = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2 };

describe('trace propagation helpers', () => {
  it('injects the active span as traceparent', () => {
    const span = trace.getTracer('test').startSpan('outer');
    const headers = context.with(trace.setSpan(context.active(), span), () => injectTraceHeaders());
    span.end();
    assert.equal(headers['traceparent'], `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    assert.deepEqual(injectTraceHeaders(), {}, 'nothing active, nothing injected');
  });

  it('extracts from headers first, from the envelope traceparent otherwise', () => {
    const other = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    assert.equal(trace.getSpanContext(extractTraceContext({ traceparent: TP }, other))?.traceId, TRACE);
    assert.equal(trace.getSpanContext(extractTraceContext({}, TP))?.spanId, PARENT);
    assert.equal(trace.getSpanContext(extractTraceContext({ traceparent: 'garbage' }, TP))?.spanId, PARENT);
    assert.equal(trace.getSpanContext(extractTraceContext({}, null)), undefined);
  });

  it('wraps a send in a PRODUCER span and hands it that span as trace headers', async () => {
    const headers = await withProducerSpan('ringback.thing.events', 'thing-1', 'kafka', async (h) => h);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.kind, SpanKind.PRODUCER);
    assert.equal(span?.name, 'send ringback.thing.events');
    assert.equal(
      headers['traceparent'],
      `00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`,
    );
  });
});

describe('deliverWithRetry', () => {
  it('runs the handler in a CONSUMER span that continues the message trace', async () => {
    let active: string | undefined;
    const outcome = await deliverWithRetry({
      message: message({ traceparent: TP }),
      groupId: 'g',
      handler: async () => {
        active = trace.getActiveSpan()?.spanContext().traceId;
      },
      policy,
      messagingSystem: 'kafka',
      signal: new AbortController().signal,
      deadLetter: async () => assert.fail('no dead letter expected'),
    });
    assert.equal(outcome, 'handled');
    assert.equal(active, TRACE);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.kind, SpanKind.CONSUMER);
    assert.equal(span?.parentSpanContext?.spanId, PARENT);
    assert.equal(span?.attributes['messaging.consumer.group.name'], 'g');
    assert.equal(span?.attributes['ringback.delivery.attempt'], 1);
  });

  it('retries with increasing attempt numbers until the handler succeeds', async () => {
    const attempts: number[] = [];
    const outcome = await deliverWithRetry({
      message: message({}, TP),
      groupId: 'g',
      handler: async (m) => {
        attempts.push(m.attempt);
        if (m.attempt < 3) throw new Error(`fail ${m.attempt}`);
      },
      policy,
      messagingSystem: 'kafka',
      signal: new AbortController().signal,
      deadLetter: async () => assert.fail('no dead letter expected'),
    });
    assert.equal(outcome, 'handled');
    assert.deepEqual(attempts, [1, 2, 3]);
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => s.status.code),
      [SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET],
    );
    assert.ok(
      spans.every((s) => s.spanContext().traceId === TRACE),
      'every attempt continues the envelope trace',
    );
  });

  it('dead-letters after maxAttempts with the last error and the attempt count', async () => {
    const letters: DeadLetter[] = [];
    const outcome = await deliverWithRetry({
      message: message(),
      groupId: 'g',
      handler: async (m) => {
        throw new Error(`boom ${m.attempt}`);
      },
      policy,
      messagingSystem: 'kafka',
      signal: new AbortController().signal,
      deadLetter: async (l) => void letters.push(l),
    });
    assert.equal(outcome, 'dead-lettered');
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.attempts, 3);
    assert.equal(letters[0]!.error, 'Error: boom 3');
    assert.equal(letters[0]!.message.attempt, 3);
  });

  it('gives up without dead-lettering when the consumer stops during a backoff', async () => {
    const controller = new AbortController();
    let calls = 0;
    const outcome = await deliverWithRetry({
      message: message(),
      groupId: 'g',
      handler: async () => {
        calls++;
        setTimeout(() => controller.abort(), 5);
        throw new Error('fails');
      },
      policy: { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
      messagingSystem: 'kafka',
      signal: controller.signal,
      deadLetter: async () => assert.fail('a stopping consumer must not dead-letter'),
    });
    assert.equal(outcome, 'aborted');
    assert.equal(calls, 1);
  });

  it('still completes a message whose handler succeeds while the consumer is stopping', async () => {
    const controller = new AbortController();
    const outcome = await deliverWithRetry({
      message: message(),
      groupId: 'g',
      handler: async () => controller.abort(),
      policy,
      messagingSystem: 'kafka',
      signal: controller.signal,
      deadLetter: async () => assert.fail('no dead letter expected'),
    });
    assert.equal(outcome, 'handled');
  });
});
