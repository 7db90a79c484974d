// The benchmark interface (see bench/README.md): a benchmark is one file exporting a `Benchmark`,
// listed once in bench/registry.ts.

/** A goal: the measured figure must be at least (`min`) or at most (`max`) `value`. */
export interface Goal {
  kind: 'min' | 'max';
  value: number;
  unit: string;
}

/** Where a not-met figure spends its time: top self-time functions of a `--cpu-prof` profile. */
export interface ProfileSummary {
  file: string;
  totalMs: number;
  top: { function: string; location: string; selfMs: number; selfPercent: number }[];
}

/** One line of the results table. */
export interface ResultRow {
  /** Benchmark name, as in the registry. */
  benchmark: string;
  /** What was measured, e.g. `embedded, calls/s sustained 60 s`. */
  metric: string;
  /** `null`: informational line without a goal. */
  goal: Goal | null;
  /** `null`: not run (see `note`). */
  measured: number | null;
  unit: string;
  /** The raw limit of the underlying component, measured in the same run. */
  baseline: { label: string; value: number; unit: string } | null;
  note?: string;
  profile?: ProfileSummary;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  /** 1-minute load average when the run started (other work on a shared machine shows here). */
  loadAverage?: number;
}

/** What a benchmark's JSON result file holds (bench/results/<name>.json). */
export interface BenchmarkResult {
  benchmark: string;
  title: string;
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  rows: ResultRow[];
  /** Anything else worth keeping (raw figures, settings). */
  details: Record<string, unknown>;
  error?: string;
}

/** Real Kafka and FerretDB, brought up by the harness on first use. */
export interface Infra {
  kafkaBrokers: string;
  mongoUrl: string;
}

export interface BenchContext {
  /** Repository root. */
  root: string;
  /** bench/results (git-ignored). */
  resultsDir: string;
  /** This benchmark's progress, 0..1, with a short label; drawn on stderr. */
  progress(fraction: number, label: string): void;
  /** A line of commentary on stderr (does not break the progress bar). */
  log(message: string): void;
  /** Starts Kafka and FerretDB (test/infra/infra.sh up) if not already up; stopped at the end of the run. */
  infra(): Promise<Infra>;
  /** Figures one benchmark leaves for a later one in the same run (e.g. the maximum ingest rate). */
  shared: Map<string, unknown>;
  /** Whether to profile not-met goals (default true; `--no-profile` turns it off). */
  profile: boolean;
  /** Adds detail to the result file. */
  detail(key: string, value: unknown): void;
}

export interface Benchmark {
  /** Name on the command line (`npm run bench -- <name>`) and of the result file. */
  name: string;
  title: string;
  /** How it is measured, in a sentence or three (BENCHMARKS.md, "Method"). */
  method?: string;
  /** Rough wall time in seconds: the progress bar's weight and a check on the 20-minute budget. */
  budgetSeconds: number;
  run(ctx: BenchContext): Promise<ResultRow[]>;
}
