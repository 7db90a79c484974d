import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { soakVerdict, type SoakVerdictInput, type SoakWindow } from './soak-verdict';

/** Windows with the given p99s, lags of a calm run, every webhook accepted. */
const windows = (p99s: readonly number[]): SoakWindow[] =>
  p99s.map((p99Ms, i) => ({
    minute: i + 1,
    p99Ms,
    relayLag: 2,
    consumerLag: 1,
    projectionLag: 3,
    failed: 0,
  }));

const run = (p99s: readonly number[], extra: Partial<SoakVerdictInput> = {}) =>
  soakVerdict({
    samples: windows(p99s),
    tailFailed: 0,
    heapStartMb: 150,
    heapOutsideMb: 110,
    caughtUp: true,
    ...extra,
  });

/** Thirty windows around 40 ms with the given minutes (1-based) replaced. */
const steady = (replace: Record<number, number> = {}) =>
  Array.from({ length: 30 }, (_, i) => replace[i + 1] ?? [38, 42, 40, 45, 36][i % 5]!);

describe('soak verdict', () => {
  it('calls a steady run flat, and says what it held it to', () => {
    const v = run(steady());
    assert.deepEqual(v.problems, []);
    assert.equal(v.flat, true);
    assert.equal(v.latency?.baselineMs, 40);
    assert.equal(v.latency?.windowLimitMs, 130);
    assert.equal(v.latency?.trendLimitMs, 80);
    assert.equal(v.latency?.maxExcursions, 3);
  });

  it('calls latency that creeps up with the run not flat, though no window passes the window limit', () => {
    const rising = Array.from({ length: 30 }, (_, i) => 40 + i * 3); // 40 -> 127 ms
    const v = run(rising);
    assert.equal(v.flat, false);
    assert.equal(v.latency?.excursions.length, 0);
    assert.match(v.problems.join(), /p99 grew: the last third's median window 113.5 ms, over 100.3 ms/);
  });

  it('allows one window in ten over the limit, apart, and no more', () => {
    assert.equal(run(steady({ 7: 300, 15: 180, 26: 900 })).flat, true);
    const v = run(steady({ 7: 300, 15: 180, 21: 140, 26: 900 }));
    assert.equal(v.flat, false);
    assert.match(v.problems.join(), /in 4 windows \(at most 3\): minutes 7, 15, 21, 26/);
  });

  it('calls three windows over the limit in a row not flat: a degradation that lasted', () => {
    const v = run(steady({ 12: 150, 13: 200, 14: 160 }));
    assert.equal(v.latency?.excursions.length, 3);
    assert.equal(v.latency?.longestRun, 3);
    assert.deepEqual(v.problems, ['p99 over 130 ms in 3 windows in a row (at most 2)']);
    assert.equal(run(steady({ 12: 150, 13: 200 })).flat, true);
  });

  it('still calls the seventeenth recorded run (p99 over the limit in minutes 20 to 23) not flat', () => {
    // The window p99s of the seventeenth soak (SECURITY.md), f874f50 at 60.3/s.
    const seventeenth = [
      37.8, 53.8, 38.6, 23.1, 47.1, 29.8, 29.1, 25.8, 28.6, 43.2, 29.5, 33.5, 75, 54.2, 32.1, 40, 83.9, 53.7,
      111.1, 160.8, 200, 138.3, 207.3, 32.2, 66.7, 40.6, 37.9, 40.4, 37.1, 57.2,
    ];
    const v = run(seventeenth);
    assert.equal(v.flat, false);
    assert.equal(v.latency?.longestRun, 4); // minutes 20-23 over 117.6 ms
  });

  it('judges lag, memory, catching up and failed webhooks as before', () => {
    const lagging = windows(steady());
    lagging[9] = { ...lagging[9]!, consumerLag: 500 };
    assert.match(run([], { samples: lagging }).problems.join(), /consumer lag grew to 500 \(minute 10\)/);
    assert.match(
      run(steady(), { heapOutsideMb: 300 }).problems.join(),
      /heap outside the read models grew 150 -> 300 MB/,
    );
    assert.match(run(steady(), { caughtUp: false }).problems.join(), /still behind/);
    assert.match(run(steady(), { tailFailed: 2 }).problems.join(), /2 webhooks not accepted/);
    assert.deepEqual(run([40]).problems, ['fewer than two windows: run longer']);
  });
});
