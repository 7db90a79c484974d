import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Ringback-defined metric starts with this, so dashboards can tell ours from runtime metrics. */
export const METRIC_PREFIX = 'ringback_';

/** Latency buckets in seconds, from a fast in-process handler up to a slow broker round trip. */
export const DEFAULT_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const SNAKE_CASE = /^[a-z][a-z0-9_]*$/;

const LINT_FAILING_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface CreateMetricsRegistryOptions {
  /** Process and Node.js runtime metrics (CPU, memory, event loop, GC). Default true. */
  defaultMetrics?: boolean;
}

/**
 * A fresh registry (never prom-client's global one, so tests and the single-process composition do
 * not collide) whose every series carries `service="<serviceName>"`.
 */
export function createMetricsRegistry(
  serviceName: string,
  options: CreateMetricsRegistryOptions = {},
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: serviceName });
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges `_total`, which `promtool check metrics` rejects; the per-type
    // gauges without the suffix (`nodejs_active_handles{type=...}`, ...) carry the same information.
    for (const name of LINT_FAILING_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  return registry;
}

/** Prometheus text exposition of everything in `registry`; serve it with `registry.contentType`. */
export async function renderMetrics(registry: Registry): Promise<string> {
  return registry.metrics();
}

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/**
 * The full name of a Ringback metric: `ringback_` prefixed, snake_case, and counters ending in `_total`
 * (what `promtool check metrics` expects).
 */
export function metricName(name: string, kind: MetricKind): string {
  const prefixed = name.startsWith(METRIC_PREFIX) ? name : `${METRIC_PREFIX}${name}`;
  if (!SNAKE_CASE.test(prefixed)) throw new Error(`metric name ${JSON.stringify(name)} must be snake_case`);
  if (kind === 'counter' && !prefixed.endsWith('_total')) return `${prefixed}_total`;
  return prefixed;
}

export interface MetricOptions<L extends string> {
  /** Without the `ringback_` prefix (added if missing). */
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds; default {@link DEFAULT_SECONDS_BUCKETS}. Name histograms after their unit (`_seconds`). */
  buckets?: number[];
}

export interface GaugeOptions<L extends string> extends MetricOptions<L> {
  /** Called on every scrape; set the gauge from current state here instead of on every change. */
  collect?: (this: Gauge<L>) => void | Promise<void>;
}

// Modules composed into one process may declare the same metric; the second declaration gets the
// first instance instead of prom-client's "already registered" error.
function existing<M>(registry: Registry, name: string, type: new (...args: never[]) => M): M | undefined {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return undefined;
  if (!(found instanceof type)) throw new Error(`metric ${name} is already registered with another type`);
  return found as M;
}

export function createCounter<L extends string = string>(
  registry: Registry,
  options: MetricOptions<L>,
): Counter<L> {
  const name = metricName(options.name, 'counter');
  return (
    existing(registry, name, Counter<L>) ??
    new Counter<L>({ name, help: options.help, labelNames: options.labelNames ?? [], registers: [registry] })
  );
}

export function createHistogram<L extends string = string>(
  registry: Registry,
  options: HistogramOptions<L>,
): Histogram<L> {
  const name = metricName(options.name, 'histogram');
  return (
    existing(registry, name, Histogram<L>) ??
    new Histogram<L>({
      name,
      help: options.help,
      labelNames: options.labelNames ?? [],
      buckets: options.buckets ?? DEFAULT_SECONDS_BUCKETS,
      registers: [registry],
    })
  );
}

export function createGauge<L extends string = string>(
  registry: Registry,
  options: GaugeOptions<L>,
): Gauge<L> {
  const name = metricName(options.name, 'gauge');
  return (
    existing(registry, name, Gauge<L>) ??
    new Gauge<L>({
      name,
      help: options.help,
      labelNames: options.labelNames ?? [],
      registers: [registry],
      ...(options.collect ? { collect: options.collect } : {}),
    })
  );
}

/** The three factories bound to one registry, for code that receives the registry by injection. */
export interface DomainMetrics {
  readonly registry: Registry;
  counter<L extends string = string>(options: MetricOptions<L>): Counter<L>;
  histogram<L extends string = string>(options: HistogramOptions<L>): Histogram<L>;
  gauge<L extends string = string>(options: GaugeOptions<L>): Gauge<L>;
}

export function domainMetrics(registry: Registry): DomainMetrics {
  return {
    registry,
    counter: (options) => createCounter(registry, options),
    histogram: (options) => createHistogram(registry, options),
    gauge: (options) => createGauge(registry, options),
  };
}
