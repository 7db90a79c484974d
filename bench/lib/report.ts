// Pure rendering of results: status and ratio of a row, the console table, BENCHMARKS.md.
import type { BenchmarkResult, Goal, ResultRow } from './types';

export type Status = 'met' | 'not met' | 'not run' | 'info';

export function statusOf(row: ResultRow): Status {
  if (row.measured === null || !Number.isFinite(row.measured)) return 'not run';
  if (!row.goal) return 'info';
  return meets(row.goal, row.measured) ? 'met' : 'not met';
}

/** The registered benchmarks no result is held for, in registry order. */
export function withoutResults(
  results: readonly Pick<BenchmarkResult, 'benchmark'>[],
  registry: readonly { name: string }[],
): string[] {
  const have = new Set(results.map((r) => r.benchmark));
  return registry.map((b) => b.name).filter((name) => !have.has(name));
}

export function meets(goal: Goal, measured: number): boolean {
  return goal.kind === 'min' ? measured >= goal.value : measured <= goal.value;
}

/** measured ÷ baseline (same unit); null without both. */
export function ratioOf(row: ResultRow): number | null {
  if (row.measured === null || !row.baseline || !Number.isFinite(row.measured)) return null;
  if (!Number.isFinite(row.baseline.value) || row.baseline.value === 0) return null;
  return row.measured / row.baseline.value;
}

/** Three significant figures, thousands separated, no exponent. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatGoal(goal: Goal | null): string {
  if (!goal) return '-';
  return `${goal.kind === 'min' ? '>=' : '<='} ${formatNumber(goal.value)} ${goal.unit}`;
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '-';
  return ratio >= 10 ? `${formatNumber(ratio)}x` : `${ratio.toFixed(ratio >= 1 ? 2 : 3)}x`;
}

export const TABLE_HEADERS = [
  'benchmark',
  'metric',
  'goal',
  'measured',
  'baseline (same run)',
  'ratio',
  'status',
];

export function tableCells(row: ResultRow): string[] {
  return [
    row.benchmark,
    row.metric,
    formatGoal(row.goal),
    row.measured === null ? (row.note ?? 'not run') : `${formatNumber(row.measured)} ${row.unit}`,
    row.baseline ? `${formatNumber(row.baseline.value)} ${row.baseline.unit} (${row.baseline.label})` : '-',
    formatRatio(ratioOf(row)),
    statusOf(row),
  ];
}

/** A fixed-width text table (console). */
export function renderTextTable(rows: readonly ResultRow[]): string {
  const cells = [TABLE_HEADERS, ...rows.map(tableCells)];
  const widths = TABLE_HEADERS.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdownTable(rows: readonly ResultRow[]): string {
  const out = [
    `| ${TABLE_HEADERS.join(' | ')} |`,
    `|${TABLE_HEADERS.map(() => '---').join('|')}|`,
    ...rows.map((r) => {
      const cells = tableCells(r);
      const status = statusOf(r);
      cells[6] = status === 'met' ? '**met**' : status === 'not met' ? '**NOT MET**' : status;
      return `| ${cells.map(escapeCell).join(' | ')} |`;
    }),
  ];
  return out.join('\n');
}

export interface MarkdownInput {
  results: readonly BenchmarkResult[];
  /** Benchmarks of the registry in order, with their titles (missing results are listed as not run). */
  registry: readonly { name: string; title: string; method?: string }[];
  generatedAt: string;
  preface: string;
  howToRepeat: string;
}

export function renderMarkdown(input: MarkdownInput): string {
  const byName = new Map(input.results.map((r) => [r.benchmark, r]));
  const rows: ResultRow[] = [];
  for (const b of input.registry) {
    const r = byName.get(b.name);
    if (r) rows.push(...r.rows);
    else
      rows.push({
        benchmark: b.name,
        metric: b.title,
        goal: null,
        measured: null,
        unit: '',
        baseline: null,
        note: 'not run yet',
      });
  }
  const machines = new Map<string, string[]>();
  for (const r of input.results) {
    const m = r.machine;
    const load = m.loadAverage === undefined ? '' : `; load average ${m.loadAverage} at start`;
    const key = `${m.cpu}, ${m.cores} cores; ${m.memory}; ${m.os}; Node ${m.node}${load}`;
    machines.set(key, [
      ...(machines.get(key) ?? []),
      `${r.benchmark} (${r.startedAt}, ${formatNumber(r.durationSeconds)} s)`,
    ]);
  }
  const parts: string[] = [];
  parts.push('# Benchmarks', '', input.preface.trim(), '');
  parts.push('## Results', '', renderMarkdownTable(rows), '');
  parts.push(
    'Ratio is measured ÷ baseline: for a rate, the share of the raw component limit the system reaches; for a',
    'latency, how many times the raw figure it takes. Status compares the measured figure with the goal of',
    'the issue, which is never adjusted to the result.',
    '',
  );
  const notes = rows.filter((r) => r.note && r.measured !== null);
  if (notes.length) {
    parts.push('### Notes', '');
    for (const r of notes) parts.push(`- **${r.benchmark}**, ${r.metric}: ${r.note}`);
    parts.push('');
  }
  const profiled = rows.filter((r) => r.profile);
  if (profiled.length) {
    parts.push('## Where the time goes (goals not met)', '');
    for (const r of profiled) {
      const p = r.profile!;
      parts.push(
        `### ${r.benchmark}: ${r.metric}`,
        '',
        `\`--cpu-prof\` of the system under test during a re-run of the same load (\`${p.file}\`, ${formatNumber(p.totalMs)} ms sampled); top self time:`,
        '',
        '| self % | self ms | function | where |',
        '|---|---|---|---|',
        ...p.top.map(
          (t) =>
            `| ${t.selfPercent.toFixed(1)} | ${formatNumber(t.selfMs)} | ${escapeCell(t.function)} | ${escapeCell(t.location)} |`,
        ),
        '',
      );
    }
  }
  const methods = input.registry.filter((b) => b.method);
  if (methods.length) {
    parts.push('## Method', '');
    for (const b of methods) parts.push(`- **${b.name}** (${b.title}): ${b.method!.trim()}`);
    parts.push('');
  }
  parts.push('## Machine', '');
  for (const [machine, benches] of machines) parts.push(`- ${machine}: ${benches.join(', ')}`);
  const total = input.results.reduce((sum, r) => sum + r.durationSeconds, 0);
  parts.push(
    '',
    `Wall time of the benchmarks shown: ${formatNumber(total)} s. Written ${input.generatedAt} from \`bench/results/*.json\`.`,
    '',
  );
  parts.push('## How to repeat', '', input.howToRepeat.trim(), '');
  return parts.join('\n');
}
