import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  parseTraceParent,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

export interface StartTracingOptions {
  serviceName: string;
  /**
   * Explicit exporter (e.g. `InMemorySpanExporter` in tests); spans go to it synchronously.
   * Takes precedence over `otlpEndpoint`.
   */
  exporter?: SpanExporter;
  /**
   * OTLP/HTTP collector base URL (`/v1/traces` is appended). Default: `OTEL_EXPORTER_OTLP_ENDPOINT`.
   * When neither this nor `exporter` is given, spans are still created (trace ids reach logs and
   * event metadata) but nothing is exported.
   */
  otlpEndpoint?: string | null;
  /** Incoming request paths that get no span (probes and scrapes). */
  ignoreIncomingPaths?: string[];
}

/** A started tracing pipeline. */
export interface TracingHandle {
  /** Hands every ended span to the exporter (exports are asynchronous even with an explicit exporter). */
  forceFlush(): Promise<void>;
  /** Flushes pending spans and unregisters the globals. */
  shutdown(): Promise<void>;
}

export const DEFAULT_UNTRACED_PATHS = ['/healthz', '/readyz', '/metrics'];

const TRACER_NAME = 'ringback';

/** `a=1&b=2` -> `a=REDACTED&b=REDACTED`: the parameter names of a query string, never its values. */
export function redactedQuery(query: string): string {
  const params = new URLSearchParams(query);
  return [...new Set(params.keys())].map((k) => `${encodeURIComponent(k)}=REDACTED`).join('&');
}

let active: { sdk: NodeSDK; http: HttpInstrumentation; processors: SpanProcessor[]; users: number } | null =
  null;

function spanProcessorsFor(options: StartTracingOptions): SpanProcessor[] {
  if (options.exporter) return [new SimpleSpanProcessor({ exporter: options.exporter })];
  const endpoint =
    options.otlpEndpoint === undefined ? process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] : options.otlpEndpoint;
  if (endpoint)
    return [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }),
      }),
    ];
  // A provider with a no-op processor still mints real trace ids, so logs and events stay correlated.
  return [new NoopSpanProcessor()];
}

/**
 * Starts OpenTelemetry for this process: W3C trace-context (and baggage) propagation, an
 * AsyncLocalStorage context manager, HTTP client/server instrumentation, and an exporter as described
 * on {@link StartTracingOptions}. Call it before the HTTP server is created. A second call while
 * tracing is active shares the running pipeline (its options are ignored); the pipeline stops when
 * every handle has been shut down.
 */
export function startTracing(options: StartTracingOptions): TracingHandle {
  if (active) {
    active.users += 1;
    return handleFor(active);
  }
  const ignored = new Set(options.ignoreIncomingPaths ?? DEFAULT_UNTRACED_PATHS);
  const http = new HttpInstrumentation({
    ignoreIncomingRequestHook: (req) => ignored.has((req.url ?? '').split('?')[0] ?? ''),
    // Query values may carry anything a client typed (a number, a name): spans keep only the names.
    startIncomingSpanHook: (req) => {
      const query = ('url' in req && typeof req.url === 'string' ? req.url : '').split('?')[1];
      return query ? { 'url.query': redactedQuery(query) } : {};
    },
  });
  const processors = spanProcessorsFor(options);
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    instrumentations: [http],
    spanProcessors: processors,
    // Metrics are Prometheus (prom-client) and logs are pino; the SDK must not start exporters for them.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // Core modules loaded before start() are patched on their next require; make that happen now.
  require('node:http');
  require('node:https');
  active = { sdk, http, processors, users: 1 };
  return handleFor(active);
}

function handleFor(state: NonNullable<typeof active>): TracingHandle {
  let done = false;
  return {
    async forceFlush() {
      await Promise.all(state.processors.map((p) => p.forceFlush()));
    },
    async shutdown() {
      if (done) return;
      done = true;
      state.users -= 1;
      if (state.users > 0 || active !== state) return;
      active = null;
      state.http.disable();
      try {
        await state.sdk.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}

/** `00-<trace id>-<span id>-<flags>` of the active span, for event metadata; null outside a span. */
export function currentTraceparent(): string | null {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return null;
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Trace id of the active span, for log lines and error reports; null outside a span. */
export function currentTraceId(): string | null {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? span.traceId : null;
}

/**
 * Runs `fn` as a continuation of the trace a stored traceparent points at (an event consumed from
 * the bus, a socket push caused by an event). A missing or malformed traceparent runs `fn` unchanged.
 */
export function withTraceparent<T>(traceparent: string | null | undefined, fn: () => T): T {
  const parent = traceparent ? parseTraceParent(traceparent) : null;
  if (!parent || !isSpanContextValid(parent)) return fn();
  return context.with(trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true }), fn);
}

export interface WithSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
}

/**
 * Runs `fn` inside a new active span that ends when `fn` settles; a thrown error marks the span as
 * failed (with the error type only: messages may carry PHI) and is rethrown.
 */
export async function withSpan<T>(
  name: string,
  fn: (span: Span) => T | Promise<T>,
  options: WithSpanOptions = {},
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} },
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.name : 'error',
        });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

export { SpanKind } from '@opentelemetry/api';
