import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from './args';
import {
  formatNumber,
  formatRatio,
  ratioOf,
  renderMarkdown,
  renderTextTable,
  statusOf,
  withoutResults,
} from './report';
import { percentiles, quantile } from './stats';
import { summarizeProfile } from './profile';
import type { BenchmarkResult, ResultRow } from './types';
import { cloneText } from './clone-text';
import { callerNumber } from './caller-number';

const row = (over: Partial<ResultRow>): ResultRow => ({
  benchmark: 'ingest',
  metric: 'embedded calls/s',
  goal: { kind: 'min', value: 2000, unit: 'calls/s' },
  measured: 1500,
  unit: 'calls/s',
  baseline: { label: 'raw', value: 6000, unit: 'calls/s' },
  ...over,
});

describe('bench results held', () => {
  // After one benchmark on a fresh clone (the result files are git-ignored) the others have none, and
  // BENCHMARKS.md must not be rewritten with their recorded rows as "not run yet".
  it('names the registered benchmarks without a result, in registry order', () => {
    const registry = [{ name: 'ingest' }, { name: 'latency' }, { name: 'rebuild' }];
    assert.deepEqual(withoutResults([{ benchmark: 'rebuild' }], registry), ['ingest', 'latency']);
    assert.deepEqual(
      withoutResults([{ benchmark: 'latency' }, { benchmark: 'ingest' }, { benchmark: 'rebuild' }], registry),
      [],
    );
  });
});

describe('bench arguments', () => {
  const known = ['ingest', 'latency', 'fanout'];
  it('runs everything in registry order without names, the named ones in registry order otherwise', () => {
    assert.deepEqual(parseArgs([], known), {
      names: known,
      list: false,
      profile: true,
      markdown: true,
      report: false,
      help: false,
    });
    const some = parseArgs(['fanout', 'ingest', 'fanout'], known);
    assert.ok(!('error' in some));
    assert.deepEqual(some.names, ['ingest', 'fanout']);
  });
  it('reads the flags', () => {
    const a = parseArgs(['--list', '--no-profile', '--no-markdown', '--report'], known);
    assert.ok(!('error' in a));
    assert.equal(a.list, true);
    assert.equal(a.profile, false);
    assert.equal(a.markdown, false);
    assert.equal(a.report, true);
  });
  it('refuses unknown benchmarks and options', () => {
    assert.match((parseArgs(['nope'], known) as { error: string }).error, /unknown benchmark "nope"/);
    assert.match((parseArgs(['--fast'], known) as { error: string }).error, /unknown option --fast/);
  });
});

describe('bench results', () => {
  it('says met, not met, not run or info from goal and measured figure', () => {
    assert.equal(statusOf(row({})), 'not met');
    assert.equal(statusOf(row({ measured: 2000 })), 'met');
    assert.equal(statusOf(row({ goal: { kind: 'max', value: 250, unit: 'ms' }, measured: 251 })), 'not met');
    assert.equal(statusOf(row({ goal: { kind: 'max', value: 250, unit: 'ms' }, measured: 250 })), 'met');
    assert.equal(statusOf(row({ measured: null })), 'not run');
    assert.equal(statusOf(row({ measured: Number.NaN })), 'not run');
    assert.equal(statusOf(row({ goal: null })), 'info');
  });
  it('divides measured by baseline, and only when both exist', () => {
    assert.equal(ratioOf(row({})), 0.25);
    assert.equal(ratioOf(row({ baseline: null })), null);
    assert.equal(ratioOf(row({ measured: null })), null);
    assert.equal(ratioOf(row({ baseline: { label: 'x', value: 0, unit: 'u' } })), null);
    assert.equal(formatRatio(0.25), '0.250x');
    assert.equal(formatRatio(89.4), '89.4x');
    assert.equal(formatRatio(826.6), '827x');
    assert.equal(formatRatio(null), '-');
    assert.equal(formatNumber(1234.5), '1,235');
    assert.equal(formatNumber(12.345), '12.3');
  });
  it('renders an aligned text table', () => {
    const text = renderTextTable([
      row({}),
      row({ metric: 'kafka', measured: null, note: 'not run: no broker' }),
    ]);
    const lines = text.split('\n');
    assert.equal(lines.length, 4);
    assert.match(
      lines[0]!,
      /^benchmark\s+metric\s+goal\s+measured\s+baseline \(same run\)\s+ratio\s+status$/,
    );
    assert.match(
      lines[2]!,
      />= 2,000 calls\/s\s+1,500 calls\/s\s+6,000 calls\/s \(raw\)\s+0\.250x\s+not met/,
    );
    assert.match(lines[3]!, /not run: no broker/);
  });
  it('writes BENCHMARKS.md with every registered benchmark, the machine, profiles and how to repeat', () => {
    const result: BenchmarkResult = {
      benchmark: 'ingest',
      title: 'Ingest',
      startedAt: '2026-12-01T20:00:00.000Z',
      durationSeconds: 12,
      machine: {
        cpu: 'Test CPU (x86_64)',
        cores: 2,
        memory: '24105 MiB RAM',
        os: 'Linux 6',
        node: 'v24.21.0',
      },
      rows: [
        row({
          note: 'a | pipe',
          profile: {
            file: 'p.cpuprofile',
            totalMs: 100,
            top: [{ function: 'f', location: 'a.ts', selfMs: 40, selfPercent: 40 }],
          },
        }),
      ],
      details: {},
    };
    const md = renderMarkdown({
      results: [result],
      registry: [
        { name: 'ingest', title: 'Ingest' },
        { name: 'latency', title: 'Latency' },
      ],
      generatedAt: '2026-12-01T21:00:00.000Z',
      preface: 'Why.',
      howToRepeat: '`npm run bench`',
    });
    assert.match(md, /^# Benchmarks\n\nWhy\./);
    assert.match(
      md,
      /\| ingest \| embedded calls\/s \| >= 2,000 calls\/s \| 1,500 calls\/s \| 6,000 calls\/s \(raw\) \| 0\.250x \| \*\*NOT MET\*\* \|/,
    );
    assert.match(md, /\| latency \| Latency \| - \| not run yet \| - \| - \| not run \|/);
    assert.match(md, /- \*\*ingest\*\*, embedded calls\/s: a \| pipe/);
    assert.match(md, /\| 40\.0 \| 40 \| f \| a\.ts \|/);
    assert.match(
      md,
      /Test CPU \(x86_64\), 2 cores; 24105 MiB RAM; Linux 6; Node v24\.21\.0: ingest \(2026-12-01T20:00:00\.000Z, 12 s\)/,
    );
    assert.match(md, /## How to repeat\n\n`npm run bench`/);
    assert.match(md, /Wall time of the benchmarks shown: 12 s\./);
  });
});

describe('bench statistics and profiles', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(quantile(xs, 0.5), 50);
    assert.equal(quantile(xs, 0.99), 99);
    assert.deepEqual(percentiles([3, 1, 2]), { count: 3, p50: 2, p90: 3, p99: 3, max: 3 });
    assert.ok(Number.isNaN(percentiles([]).p50));
  });
  it('sums self time by function, leaving out idle time and the skipped start', () => {
    const profile = {
      startTime: 0,
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: 0 } },
        { id: 2, callFrame: { functionName: 'hot', url: 'file:///repo/libs/a.ts', lineNumber: 3 } },
        {
          id: 3,
          callFrame: { functionName: 'boot', url: 'file:///repo/node_modules/x/y.js', lineNumber: 0 },
        },
      ],
      samples: [3, 3, 2, 1, 2, 2],
      timeDeltas: [400_000, 500_000, 200_000, 5000, 1000, 2000],
    };
    const s = summarizeProfile(profile, '/repo', 'p.cpuprofile', 5, 1);
    assert.equal(s.totalMs, 203);
    assert.deepEqual(s.top, [{ function: 'hot', location: 'libs/a.ts', selfMs: 203, selfPercent: 100 }]);
    const all = summarizeProfile(profile, '/repo', 'p.cpuprofile');
    assert.equal(all.top[0]!.location, 'x/y.js');
  });
});

describe('bench data', () => {
  it('copies recorded events with new UUIDv7 node bits and new area codes, the rest unchanged', () => {
    const text =
      '{"taskId":"019ad2c4-1b2a-7f00-8abc-0123456789ab","from":"+13032000001","n":"call-west.+13032000001"}';
    const one = cloneText(text, 1);
    assert.notEqual(one, text);
    assert.match(one, /"taskId":"019ad2c4-1b2a-7f00-8abc-[0-9a-f]{12}"/);
    assert.match(one, /"from":"\+14012000001"/);
    assert.equal(cloneText(text, 1), one);
    assert.notEqual(cloneText(text, 2), one);
    assert.equal(cloneText('{"location":"west-clinic-1"}', 3), '{"location":"west-clinic-1"}');
    assert.match(cloneText(text, 501), /"from":"\+14012010001"/);
    const copies = new Set(Array.from({ length: 2000 }, (_, k) => cloneText('+13032000001', k + 1)));
    assert.equal(copies.size, 2000);
  });
  it('gives every load index its own caller number', () => {
    const numbers = new Set(Array.from({ length: 20_000 }, (_, i) => callerNumber(i * 397)));
    assert.equal(numbers.size, 20_000);
    for (const n of numbers) assert.match(n, /^\+1\d{3}[2-9]\d{2}\d{4}$/);
  });
});
