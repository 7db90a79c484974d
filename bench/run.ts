// `npm run bench [-- name...]`: runs the benchmarks of bench/registry.ts in order with a progress bar
// on stderr, prints the table, writes bench/results/<name>.json and rewrites BENCHMARKS.md from every
// result file present. Exit code 0 even when goals are not met (that is a finding, not a failure);
// 1 when a benchmark could not run.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCHMARKS } from './registry';
import { USAGE, parseArgs } from './lib/args';
import { InfraManager } from './lib/infra';
import { machineInfo } from './lib/machine';
import { ProgressBar } from './lib/progress';
import { renderMarkdown, renderTextTable, withoutResults } from './lib/report';
import type { BenchContext, BenchmarkResult, ResultRow } from './lib/types';

const root = path.resolve(__dirname, '..');
const resultsDir = path.join(root, 'bench/results');

const PREFACE = `
Ringback's speed claims (issue 8), measured on this machine against the raw limit of the component
beneath each one, measured in the same run. Every figure below comes from \`npm run bench\`; the JSON
behind it is in \`bench/results/\` (git-ignored). The system under test is the real all-in-one
composition (every service module, as \`npm start\` runs it; \`bench/sut/ringback-host.ts\`) in a
process of its own, driven by load and client processes of their own over loopback: signed webhooks
(HMAC of the contract), socket.io wallboard clients with real tokens. The webhook and user rate limiters
are off in these runs (\`RATE_LIMIT_WEBHOOK_PER_MINUTE=0\`, \`RATE_LIMIT_USER_PER_MINUTE=0\`) and logs are
at \`warn\`; everything else is the default configuration. "Kafka + FerretDB" is the bus on the real Kafka
4.3.1 broker and the read models on FerretDB through mongoose, both started by the harness
(\`test/infra/infra.sh up\`); the event store is the SQLite file in both topologies, because no KurrentDB
server can be had on this machine (no Docker engine).
`;

const HOW_TO_REPEAT = `
\`\`\`bash
npm run bench                       # every benchmark (18 minutes on the 2 shared cores here)
npm run bench -- ingest             # one (names: ${BENCHMARKS.map((b) => b.name).join(', ')})
npm run bench -- --list             # what there is
npm run bench -- --report           # rewrite this file from bench/results/*.json, run nothing
\`\`\`

Kafka and FerretDB are started on the ports of \`RINGBACK_KAFKA_PORT\`, \`RINGBACK_KAFKA_CONTROLLER_PORT\`
and \`RINGBACK_FERRETDB_PORT\` (defaults 39092, 39093, 37017; downloads cached in \`RINGBACK_INFRA_CACHE\`)
and stopped afterwards, unless they were already running. Run on an otherwise idle machine: the
baselines make the ratios comparable between machines, the absolute figures are not. Adding a benchmark
is one file in \`bench/benchmarks/\` and one line in \`bench/registry.ts\` (see \`bench/README.md\`).
`;

function readResults(): BenchmarkResult[] {
  let files: string[] = [];
  try {
    files = readdirSync(resultsDir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const known = new Set(BENCHMARKS.map((b) => b.name));
  return files
    .map((f) => JSON.parse(readFileSync(path.join(resultsDir, f), 'utf8')) as BenchmarkResult)
    .filter((r) => known.has(r.benchmark));
}

function writeMarkdown(): void {
  const md = renderMarkdown({
    results: readResults(),
    registry: BENCHMARKS,
    generatedAt: new Date().toISOString(),
    preface: PREFACE,
    howToRepeat: HOW_TO_REPEAT,
  });
  writeFileSync(path.join(root, 'BENCHMARKS.md'), md);
  process.stdout.write('BENCHMARKS.md written from bench/results/*.json\n');
}

async function main(): Promise<number> {
  const parsed = parseArgs(
    process.argv.slice(2),
    BENCHMARKS.map((b) => b.name),
  );
  if ('error' in parsed) {
    process.stderr.write(`${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.list) {
    for (const b of BENCHMARKS)
      process.stdout.write(`${b.name.padEnd(16)} ~${b.budgetSeconds} s  ${b.title}\n`);
    return 0;
  }
  mkdirSync(resultsDir, { recursive: true });
  if (parsed.report) {
    writeMarkdown();
    return 0;
  }
  const selected = BENCHMARKS.filter((b) => parsed.names.includes(b.name));
  const bar = new ProgressBar(selected.reduce((s, b) => s + b.budgetSeconds, 0));
  const infra = new InfraManager(root);
  const shared = new Map<string, unknown>();
  const machine = machineInfo();
  const allRows: ResultRow[] = [];
  let failures = 0;
  const stopInfra = () => infra.down((m) => bar.log(m));
  process.once('SIGINT', () => {
    stopInfra();
    process.exit(130);
  });
  try {
    for (const bench of selected) {
      bar.begin(bench.name, bench.budgetSeconds);
      const startedAt = new Date();
      const details: Record<string, unknown> = {};
      const ctx: BenchContext = {
        root,
        resultsDir,
        progress: (f, label) => bar.update(f, label),
        log: (m) => bar.log(`${bench.name}: ${m}`),
        infra: () => infra.up((m) => bar.log(m)),
        shared,
        profile: parsed.profile,
        detail: (k, v) => {
          details[k] = v;
        },
      };
      let rows: ResultRow[] = [];
      let error: string | undefined;
      try {
        rows = await bench.run(ctx);
      } catch (e) {
        failures += 1;
        error = e instanceof Error ? (e.stack ?? e.message) : String(e);
        bar.log(`${bench.name} failed: ${error}`);
        rows = [
          {
            benchmark: bench.name,
            metric: bench.title,
            goal: null,
            measured: null,
            unit: '',
            baseline: null,
            note: `failed: ${error.split('\n')[0]}`,
          },
        ];
      }
      const result: BenchmarkResult = {
        benchmark: bench.name,
        title: bench.title,
        startedAt: startedAt.toISOString(),
        durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
        machine,
        rows,
        details,
        ...(error ? { error } : {}),
      };
      writeFileSync(path.join(resultsDir, `${bench.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
      allRows.push(...rows);
      bar.end();
    }
  } finally {
    stopInfra();
    bar.finish();
  }
  process.stdout.write(`\n${renderTextTable(allRows)}\n\n`);
  if (parsed.markdown) {
    // The result files are git-ignored: after one benchmark on a fresh clone, a rewrite would turn
    // every other recorded row into "not run yet".
    const missing = withoutResults(readResults(), BENCHMARKS);
    if (missing.length === 0) writeMarkdown();
    else
      process.stdout.write(
        `BENCHMARKS.md not rewritten: no result file for ${missing.join(', ')} in bench/results/ ` +
          '(run them too, or `npm run bench -- --report` to write the file from what there is)\n',
      );
  }
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
    );
    process.exit(1);
  },
);
