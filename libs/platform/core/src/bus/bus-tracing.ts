import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { BusMessage } from '../ports/bus.port';
import { BusHeader } from './bus-headers';

export const BUS_TRACER_NAME = 'ringback-bus';

/** Trace headers (`traceparent`, `tracestate`) for `ctx`, as the registered global propagator writes them. */
export function injectTraceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/**
 * The parent context of a consumed message: the trace in its headers, else the envelope's own
 * `traceparent` (messages written by producers that did not set headers). Extraction starts from
 * the root context so that whatever was active where the consumer was started never leaks into it.
 */
export function extractTraceContext(
  headers: Record<string, string>,
  envelopeTraceparent: string | null,
): Context {
  const fromHeaders = propagation.extract(ROOT_CONTEXT, headers);
  if (trace.getSpanContext(fromHeaders) || !envelopeTraceparent) return fromHeaders;
  return propagation.extract(ROOT_CONTEXT, { [BusHeader.traceparent]: envelopeTraceparent });
}

/**
 * Runs `send` inside a PRODUCER span and hands it the trace headers of that span, so the consumer's
 * span becomes its child. The tracer is looked up per call: a cached one would keep pointing at a
 * provider that was replaced since.
 */
export function withProducerSpan<T>(
  topic: string,
  key: string,
  messagingSystem: string,
  send: (traceHeaders: Record<string, string>) => Promise<T>,
): Promise<T> {
  const attributes: Attributes = {
    'messaging.system': messagingSystem,
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
    'messaging.destination.name': topic,
    [`messaging.${messagingSystem === 'kafka' ? 'kafka' : 'ringback'}.message.key`]: key,
  };
  return trace
    .getTracer(BUS_TRACER_NAME)
    .startActiveSpan(`send ${topic}`, { kind: SpanKind.PRODUCER, attributes }, (span) =>
      settle(span, () => send(injectTraceHeaders())),
    );
}

/** Runs `handle` inside a CONSUMER span whose parent is the trace the message carries. */
export function withConsumerSpan<T>(
  message: BusMessage,
  groupId: string,
  messagingSystem: string,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(message.headers, message.envelope.traceparent);
  const attributes: Attributes = {
    'messaging.system': messagingSystem,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': message.topic,
    'messaging.destination.partition.id': String(message.partition),
    'messaging.consumer.group.name': groupId,
    'messaging.message.id': message.envelope.eventId,
    [`messaging.${messagingSystem === 'kafka' ? 'kafka' : 'ringback'}.offset`]: message.offset,
    'ringback.event.type': message.envelope.type,
    'ringback.delivery.attempt': message.attempt,
  };
  return trace
    .getTracer(BUS_TRACER_NAME)
    .startActiveSpan(`process ${message.topic}`, { kind: SpanKind.CONSUMER, attributes }, parent, (span) =>
      settle(span, handle),
    );
}

async function settle<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}
