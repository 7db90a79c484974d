import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecentRows, type RecentRow } from './recent-rows';

const row = (position: number, category = 'task'): RecentRow => ({ position: BigInt(position), category });
const positions = (rows: readonly RecentRow[] | undefined) => rows?.map((r) => Number(r.position));

describe('RecentRows', () => {
  it('answers only for what it covers: after the head it started from, in order, by category and limit', () => {
    const recent = new RecentRows(100);
    assert.equal(recent.read(0n, undefined, undefined), undefined, 'nothing known yet');
    recent.startAfter(10n);
    assert.deepEqual(positions(recent.read(10n, undefined, undefined)), []);
    assert.equal(recent.read(9n, undefined, undefined), undefined, 'row 10 is not held');
    recent.add([row(11), row(12, 'call'), row(13), row(14, 'call'), row(15, 'sla')]);
    assert.deepEqual(positions(recent.read(10n, undefined, undefined)), [11, 12, 13, 14, 15]);
    assert.deepEqual(positions(recent.read(12n, undefined, 2)), [13, 14]);
    assert.deepEqual(positions(recent.read(10n, ['call', 'sla'], undefined)), [12, 14, 15]);
    assert.deepEqual(positions(recent.read(10n, ['call', 'sla', 'call'], 2)), [12, 14]);
    assert.deepEqual(positions(recent.read(12n, ['call'], undefined)), [14]);
    assert.deepEqual(positions(recent.read(15n, undefined, undefined)), []);
    assert.deepEqual(positions(recent.read(99n, ['task'], undefined)), []);
    assert.deepEqual(positions(recent.read(10n, ['none'], undefined)), []);
    assert.deepEqual(positions(recent.read(10n, undefined, 0)), []);
  });

  it("restarts after a row of someone else's: a gap in positions means rows it never saw", () => {
    const recent = new RecentRows(100);
    recent.startAfter(0n);
    recent.add([row(1), row(2)]);
    recent.add([row(4)]); // 3 was written by another connection
    assert.equal(recent.read(2n, undefined, undefined), undefined);
    assert.equal(recent.read(1n, ['task'], undefined), undefined);
    assert.deepEqual(positions(recent.read(3n, undefined, undefined)), [4]);
  });

  it('after forget() knows nothing, until the next rows start it again', () => {
    const recent = new RecentRows(100);
    recent.startAfter(0n);
    recent.add([row(1), row(2)]);
    recent.forget();
    assert.equal(recent.read(2n, undefined, undefined), undefined);
    assert.equal(recent.size, 0);
    recent.add([row(3)]);
    assert.equal(recent.read(1n, undefined, undefined), undefined);
    assert.deepEqual(positions(recent.read(2n, undefined, undefined)), [3]);
  });

  it('holds at most its capacity: past it the older half goes, and reads before it go elsewhere', () => {
    const recent = new RecentRows(8);
    recent.startAfter(0n);
    for (let p = 1; p <= 9; p++) recent.add([row(p, p % 2 ? 'odd' : 'even')]);
    assert.equal(recent.size, 4);
    assert.equal(recent.read(4n, undefined, undefined), undefined);
    assert.deepEqual(positions(recent.read(5n, undefined, undefined)), [6, 7, 8, 9]);
    assert.deepEqual(positions(recent.read(5n, ['odd'], undefined)), [7, 9]);
    assert.throws(() => new RecentRows(1), /capacity/);
  });

  it('answers exactly what a scan of every row it was given would, whenever it answers', () => {
    // Model: all rows ever added (with the gaps of other writers' rows), filtered and cut by a scan.
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        count: fc.integer({ min: 1, max: 5 }),
        gap: fc.boolean(),
        category: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({ kind: fc.constant('forget' as const) }),
    );
    const read = fc.record({
      back: fc.integer({ min: 0, max: 40 }),
      categories: fc.option(fc.subarray(['a', 'b', 'c'], { minLength: 1 }), { nil: undefined }),
      limit: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    });
    let answered = 0;
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 40 }),
        fc.array(read, { maxLength: 10 }),
        fc.integer({ min: 2, max: 16 }),
        (steps, reads, capacity) => {
          const recent = new RecentRows(capacity);
          const all: RecentRow[] = [];
          let next = 1;
          recent.startAfter(0n);
          for (const s of steps) {
            if (s.kind === 'forget') {
              recent.forget();
              continue;
            }
            if (s.gap) all.push(row(next++, 'other-writer'));
            const added = Array.from({ length: s.count }, () => row(next++, s.category));
            all.push(...added);
            recent.add(added);
          }
          const head = next - 1;
          for (const r of reads) {
            const after = BigInt(Math.max(0, head - r.back));
            const got = recent.read(after, r.categories, r.limit);
            if (got === undefined) continue;
            answered += 1;
            const expected = all
              .filter((x) => x.position > after && (!r.categories || r.categories.includes(x.category)))
              .slice(0, r.limit ?? Number.POSITIVE_INFINITY);
            assert.deepEqual(positions(got), positions(expected));
          }
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(answered > 100, `only ${answered} reads were answered from memory`);
  });
});
