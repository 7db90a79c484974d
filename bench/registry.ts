// The benchmarks `npm run bench` runs, in this order. Adding one: write bench/benchmarks/<name>.bench.ts
// exporting a `Benchmark` (bench/lib/types.ts) and add it to this list. The interface, in short:
//   name           what `npm run bench -- <name>` selects and the result file is called
//   title          one line
//   budgetSeconds  rough wall time (progress bar weight; the whole list must stay within 20 minutes)
//   run(ctx)       does the work and returns ResultRow[]: metric, goal ({kind:'min'|'max', value, unit}
//                  or null), measured (null: not run, say why in note), unit, baseline measured in the same
//                  run ({label, value, unit}), note, profile (a --cpu-prof summary for a goal not met).
// ctx gives progress(fraction, label), log(), infra() (real Kafka and FerretDB, started on first use and
// stopped at the end), shared (figures for later benchmarks), detail(key, value) (kept in the JSON),
// profile (false with --no-profile) and resultsDir. Load must come from separate processes
// (bench/lib/workers.ts); the system under test runs in its own (bench/lib/ringback.ts). See bench/README.md.
import { ingestBenchmark } from './benchmarks/ingest.bench';
import { latencyBenchmark } from './benchmarks/latency.bench';
import { rebuildBenchmark } from './benchmarks/rebuild.bench';
import { recoveryBenchmark } from './benchmarks/recovery.bench';
import { fanoutBenchmark } from './benchmarks/fanout.bench';
import { kafkaClientsBenchmark } from './benchmarks/kafka-clients.bench';
import { whatIfBenchmark } from './benchmarks/what-if.bench';
import type { Benchmark } from './lib/types';

export const BENCHMARKS: readonly Benchmark[] = [
  ingestBenchmark,
  latencyBenchmark,
  rebuildBenchmark,
  recoveryBenchmark,
  fanoutBenchmark,
  whatIfBenchmark,
  kafkaClientsBenchmark,
];
