import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  createCounter,
  createGauge,
  createHistogram,
  createMetricsRegistry,
  domainMetrics,
  metricName,
  renderMetrics,
} from './metrics';

function promtoolAvailable(): boolean {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

function requirePromtool(t: TestContext): boolean {
  if (promtoolAvailable()) return true;
  const reason = 'not run: promtool not installed';
  if (process.env['RINGBACK_REQUIRE_INFRA'] === '1') throw new Error(reason);
  t.skip(reason);
  return false;
}

describe('metrics', () => {
  it('labels default metrics with the service', async () => {
    const registry = createMetricsRegistry('call-ingest');
    const text = await renderMetrics(registry);
    assert.match(text, /^process_cpu_user_seconds_total\{service="call-ingest"\} \d/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds\{service="call-ingest"\}/m);
  });

  it('prefixes domain metrics and gives counters the _total suffix', async () => {
    assert.equal(metricName('calls_received', 'counter'), 'ringback_calls_received_total');
    assert.equal(metricName('ringback_calls_received_total', 'counter'), 'ringback_calls_received_total');
    assert.equal(metricName('queue_depth', 'gauge'), 'ringback_queue_depth');
    assert.throws(() => metricName('Bad-Name', 'gauge'), /snake_case/);

    const registry = createMetricsRegistry('triage', { defaultMetrics: false });
    const m = domainMetrics(registry);
    m.counter({ name: 'tasks_opened', help: 'Tasks opened.', labelNames: ['tier'] }).inc({ tier: '1' });
    m.histogram({ name: 'triage_duration_seconds', help: 'Time to triage.' }).observe(0.02);
    m.gauge({
      name: 'open_tasks',
      help: 'Open tasks.',
      collect() {
        this.set(7);
      },
    });
    const text = await renderMetrics(registry);
    assert.match(text, /^ringback_tasks_opened_total\{tier="1",service="triage"\} 1$/m);
    assert.match(text, /^ringback_triage_duration_seconds_bucket\{le="0\.025",service="triage"\} 1$/m);
    assert.match(text, /^ringback_open_tasks\{service="triage"\} 7$/m);
  });

  it('returns the existing metric when a module declares it again', () => {
    const registry = createMetricsRegistry('x', { defaultMetrics: false });
    const a = createCounter(registry, { name: 'events_handled', help: 'Events handled.' });
    const b = createCounter(registry, { name: 'events_handled', help: 'Events handled.' });
    assert.equal(a, b);
    assert.throws(
      () => createGauge(registry, { name: 'events_handled_total', help: 'clash' }),
      /another type/,
    );
    assert.equal(
      createHistogram(registry, { name: 'h_seconds', help: 'h' }),
      createHistogram(registry, { name: 'h_seconds', help: 'h' }),
    );
  });

  it('keeps registries independent', async () => {
    const a = createMetricsRegistry('a', { defaultMetrics: false });
    const b = createMetricsRegistry('b', { defaultMetrics: false });
    createCounter(a, { name: 'only_in_a', help: 'a' }).inc();
    assert.doesNotMatch(await renderMetrics(b), /only_in_a/);
  });

  it('renders an exposition that promtool accepts', async (t) => {
    if (!requirePromtool(t)) return;
    const registry = createMetricsRegistry('call-ingest');
    const m = domainMetrics(registry);
    m.counter({
      name: 'calls_received',
      help: 'Missed-call webhooks accepted.',
      labelNames: ['location_id'],
    }).inc({ location_id: 'aurora' });
    m.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP latency.',
      labelNames: ['method', 'route', 'status'],
    }).observe({ method: 'GET', route: '/healthz', status: '200' }, 0.003);
    m.gauge({ name: 'consumer_lag_events', help: 'Events behind the head.' }).set(0);
    const text = await renderMetrics(registry);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics failed:\n${check.stdout}${check.stderr}`);
  });
});
