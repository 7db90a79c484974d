import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { signDevToken } from '@ringback/auth';
import {
  E2E_SECRET,
  aurora,
  configureLocations,
  inboundContact,
  startRingback,
  type RunningRingback,
} from './test-fixtures/all-in-one.harness';
import { settleRingback } from './test-fixtures/day-host';

const root = path.resolve(__dirname, '../../..');
const RULES = path.join(root, 'deploy/prometheus/recording-rules.yml');
const RULE_TESTS = path.join(root, 'deploy/prometheus/recording-rules.test.yml');
const DASHBOARD = path.join(root, 'deploy/grafana/ringback-kpis.dashboard.json');

function requirePromtool(t: TestContext): boolean {
  if (spawnSync('promtool', ['--version']).status === 0) return true;
  const reason = 'not run: no promtool (apt-get install prometheus)';
  if (process.env['RINGBACK_REQUIRE_INFRA'] === '1') throw new Error(reason);
  t.skip(reason);
  return false;
}

/** Metric names in a PromQL expression (recording-rule names contain a colon). */
const metricsIn = (expr: string): string[] =>
  [...expr.replace(/"[^"]*"/g, '""').matchAll(/\b([a-z_][a-z0-9_:]*)\s*(?=[{[(]|$|\s|\))/gi)]
    .map((m) => m[1]!)
    .filter((n) => n.startsWith('ringback') || n.includes(':'))
    .filter((n) => n.includes('ringback'));

describe('deploy/: Prometheus recording rules and the Grafana dashboard', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringback-deploy-'));
  let rb: RunningRingback;
  let exported: Set<string>;

  before(async () => {
    rb = await startRingback(dataDir);
    const admin = await signDevToken({ role: 'admin' }, E2E_SECRET);
    await configureLocations(rb, admin, { aurora });
    // One call today, so the KPI gauges have series to show.
    const now = new Date().toISOString();
    const event = inboundContact({ taskId: 'deploy-t1', providerCallId: 'deploy-c1' }, now);
    await rb.adapters.eventStore.appendToStream(event.streamId, [event], { expectedRevision: 'any' });
    await settleRingback(rb.service, rb.adapters);
    const text = await (await fetch(`${rb.service.url}/metrics`)).text();
    // Declared metrics (a labelled counter that never counted has a TYPE line and no sample yet).
    exported = new Set(
      [...text.matchAll(/^# TYPE ([a-z_][a-z0-9_]*) (\w+)$/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [name!, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
      ),
    );
  });
  after(async () => {
    await rb?.service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('promtool checks the rules and their unit tests pass', (t) => {
    if (!requirePromtool(t)) return;
    execFileSync('promtool', ['check', 'rules', RULES]);
    execFileSync('promtool', ['test', 'rules', RULE_TESTS], { cwd: path.dirname(RULE_TESTS) });
  });

  it('reads only metrics a running Ringback exports, and the dashboard only those and the rules', () => {
    const rules = (
      parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { record: string; expr: string }[] }[] }
    ).groups.flatMap((g) => g.rules);
    const recorded = new Set(rules.map((r) => r.record));
    for (const r of rules)
      for (const name of metricsIn(r.expr))
        assert.ok(exported.has(name), `rule ${r.record} reads ${name}, which /metrics does not export`);
    assert.ok(exported.has('ringback_kpi_today_calls') && exported.has('ringback_kpi_today_tasks'));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    assert.ok(dashboard.panels.length >= 8);
    for (const panel of dashboard.panels)
      for (const target of panel.targets)
        for (const name of metricsIn(target.expr))
          assert.ok(
            recorded.has(name) || exported.has(name),
            `panel "${panel.title}" reads ${name}, which neither a rule nor /metrics provides`,
          );
  });

  it('the KPI gauges count today’s call at its clinic', async () => {
    const text = await (await fetch(`${rb.service.url}/metrics`)).text();
    assert.match(text, /ringback_kpi_today_calls\{[^}]*location="aurora"[^}]*kind="missed_call"[^}]*\} 1/);
    assert.match(
      text,
      /ringback_kpi_today_tasks\{[^}]*tier="2"[^}]*state="opened"[^}]*\} 1|ringback_kpi_today_tasks\{[^}]*state="opened"[^}]*\} 1/,
    );
  });
});
