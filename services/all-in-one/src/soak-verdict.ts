// The soak's verdict (see soak.ts), apart so that its rules are tested on their own.

/** What the verdict reads of one sampling window. */
export interface SoakWindow {
  minute: number;
  p99Ms: number;
  relayLag: number;
  consumerLag: number;
  projectionLag: number;
  failed: number;
}

export interface SoakVerdictInput {
  samples: readonly SoakWindow[];
  /** Webhooks not accepted after the last window. */
  tailFailed: number;
  /** The heap (after a collection) when the run started, and outside the read models at its end. */
  heapStartMb: number;
  heapOutsideMb: number;
  /** The relay, every consumer and every projection caught up after the load stopped. */
  caughtUp: boolean;
}

/** How the latency was judged, for the record. */
export interface LatencyJudgement {
  /** The median of the first third's window p99s: the level the rest is held to. */
  baselineMs: number;
  /** The median of the last third's window p99s, and the most it may be. */
  lastThirdMs: number;
  trendLimitMs: number;
  /** A window's p99 above this is an excursion. */
  windowLimitMs: number;
  /** The windows above `windowLimitMs`, and the most the run may have. */
  excursions: { minute: number; p99Ms: number }[];
  maxExcursions: number;
  /** The longest run of consecutive excursions, and the longest allowed. */
  longestRun: number;
  maxRun: number;
}

export interface SoakVerdict {
  flat: boolean;
  problems: string[];
  latency: LatencyJudgement | undefined;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Flat: nothing grew over the run.
 *
 * - Memory: the heap outside the read models and live views (which hold every task by design) is not
 *   much bigger at the end than the whole heap was at the start.
 * - Lag: no window's relay, consumer or projection lag is more than twice the first's (with a floor),
 *   and all of it is caught up once the load stops.
 * - Latency, judged on the windows' p99s against the first third's median (one window alone is a
 *   noisy baseline; the first runs' first windows were 23 to 118 ms):
 *   - trend: the last third's median is at most 1.5 x the baseline + 20 ms (latency that creeps up
 *     with the data held, a growing heap's collections, a queue that builds, shows here);
 *   - excursions: a window over 2 x the baseline + 50 ms is one; at most one window in ten may be,
 *     and never three in a row (a degradation that lasts minutes is not noise).
 *   Single windows over the limit are allowed because the machine has them without any growth: the
 *   host takes up to a fifth of the CPU for a minute (steal) and the disk has minutes with a dozen
 *   fsyncs over 50 ms, each of which every webhook of the moment waits for. The soak records both per
 *   window, so every excursion can be told apart from the process's own doing.
 * - Every webhook of the run accepted.
 */
export function soakVerdict(input: SoakVerdictInput): SoakVerdict {
  const { samples } = input;
  const problems: string[] = [];
  const first = samples[0];
  if (!first || samples.length < 2) {
    return { flat: false, problems: ['fewer than two windows: run longer'], latency: undefined };
  }
  if (input.heapOutsideMb > input.heapStartMb * 1.25 + 32)
    problems.push(`heap outside the read models grew ${input.heapStartMb} -> ${input.heapOutsideMb} MB`);
  if (!input.caughtUp) problems.push('relay or consumers still behind two minutes after the load stopped');
  // Every window after the first, not only the last: a calm last minute must not hide a bad middle.
  const rest = samples.slice(1);
  const worst = (pick: (x: SoakWindow) => number) => rest.reduce((w, x) => (pick(x) > pick(w) ? x : w));
  const relayed = worst((x) => x.relayLag);
  if (relayed.relayLag > Math.max(50, first.relayLag * 2))
    problems.push(`relay lag grew to ${relayed.relayLag} (minute ${relayed.minute})`);
  const consumers = worst((x) => x.consumerLag);
  if (consumers.consumerLag > Math.max(100, first.consumerLag * 2))
    problems.push(`consumer lag grew to ${consumers.consumerLag} (minute ${consumers.minute})`);
  const projections = worst((x) => x.projectionLag);
  if (projections.projectionLag > Math.max(100, first.projectionLag * 2))
    problems.push(`projection lag grew to ${projections.projectionLag} (minute ${projections.minute})`);

  const third = Math.max(1, Math.floor(samples.length / 3));
  const baselineMs = median(samples.slice(0, third).map((s) => s.p99Ms));
  const lastThirdMs = median(samples.slice(-third).map((s) => s.p99Ms));
  const trendLimitMs = baselineMs * 1.5 + 20;
  const windowLimitMs = baselineMs * 2 + 50;
  const excursions = samples
    .filter((s) => s.p99Ms > windowLimitMs)
    .map(({ minute, p99Ms }) => ({ minute, p99Ms }));
  let longestRun = 0;
  let run = 0;
  for (const s of samples) {
    run = s.p99Ms > windowLimitMs ? run + 1 : 0;
    longestRun = Math.max(longestRun, run);
  }
  const tenth = (x: number) => Number(x.toFixed(1));
  const latency: LatencyJudgement = {
    baselineMs: tenth(baselineMs),
    lastThirdMs: tenth(lastThirdMs),
    trendLimitMs: tenth(trendLimitMs),
    windowLimitMs: tenth(windowLimitMs),
    excursions,
    maxExcursions: Math.max(1, Math.floor(samples.length / 10)),
    longestRun,
    maxRun: 2,
  };
  const ms = (x: number) => `${Number(x.toFixed(1))} ms`;
  if (lastThirdMs > trendLimitMs)
    problems.push(
      `p99 grew: the last third's median window ${ms(lastThirdMs)}, over ${ms(trendLimitMs)} (the first third's ${ms(baselineMs)})`,
    );
  if (excursions.length > latency.maxExcursions)
    problems.push(
      `p99 over ${ms(windowLimitMs)} in ${excursions.length} windows (at most ${latency.maxExcursions}): minutes ${excursions.map((e) => e.minute).join(', ')}`,
    );
  if (longestRun > latency.maxRun)
    problems.push(
      `p99 over ${ms(windowLimitMs)} in ${longestRun} windows in a row (at most ${latency.maxRun})`,
    );
  const failures = samples.reduce((n, s) => n + s.failed, input.tailFailed);
  if (failures > 0) problems.push(`${failures} webhooks not accepted`);
  return { flat: problems.length === 0, problems, latency };
}
