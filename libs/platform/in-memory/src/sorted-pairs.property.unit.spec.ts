import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortedPairs } from './sorted-pairs';

const order = (va: unknown, ia: string, vb: unknown, ib: string): number =>
  (va as number) - (vb as number) || (ia < ib ? -1 : ia > ib ? 1 : 0);

type Op = { kind: 'insert' | 'remove'; value: number; id: string };

/** What the pairs must hold: every entry inserted and not removed, in ascending order. */
function model(ops: readonly Op[], initial: [number, string][]): string[] {
  const held = new Map<string, number>(initial.map(([v, id]) => [`${v}|${id}`, v]));
  for (const op of ops) {
    const key = `${op.value}|${op.id}`;
    if (op.kind === 'insert') held.set(key, op.value);
    else held.delete(key);
  }
  return [...held.entries()]
    .map(([key, value]) => ({ value, id: key.slice(key.indexOf('|') + 1) }))
    .sort((a, b) => order(a.value, a.id, b.value, b.id))
    .map((e) => e.id);
}

describe('SortedPairs', () => {
  it('holds what a sorted array would, through inserts and removals across chunk splits', () => {
    // Few distinct values and ids: ties, removals of what is there and of what is not.
    const op = fc.record({
      kind: fc.constantFrom<'insert' | 'remove'>('insert', 'insert', 'remove'),
      value: fc.integer({ min: 0, max: 40 }),
      id: fc.integer({ min: 0, max: 3000 }).map((n) => `id-${n}`),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 })), {
          maxLength: 3000,
          selector: ([v, n]) => `${v}|${n}`,
        }),
        fc.array(op, { maxLength: 3000 }),
        (initialRaw, ops) => {
          const initial = initialRaw
            .map(([v, n]): [number, string] => [v, `id-${n}`])
            .sort((a, b) => order(a[0], a[1], b[0], b[1]));
          const pairs = SortedPairs.fromSorted(
            order,
            initial.map(([v]) => v),
            initial.map(([, id]) => id),
          );
          const present = new Set(initial.map(([v, id]) => `${v}|${id}`));
          for (const o of ops) {
            const key = `${o.value}|${o.id}`;
            if (o.kind === 'insert') {
              // The store never inserts an entry it holds: it removes the old one first.
              if (present.has(key)) continue;
              pairs.insert(o.value, o.id);
              present.add(key);
            } else {
              assert.equal(pairs.remove(o.value, o.id), present.delete(key));
            }
          }
          const expected = model(ops, initial);
          assert.deepEqual([...pairs.ids()], expected);
          assert.equal(pairs.size, expected.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps order across many chunks when entries leave from the front and join at the back', () => {
    const pairs = new SortedPairs(order);
    for (let i = 0; i < 5000; i++) pairs.insert(i, `t${i}`);
    for (let i = 0; i < 4000; i++) {
      assert.ok(pairs.remove(i, `t${i}`));
      pairs.insert(5000 + i, `t${5000 + i}`);
    }
    const ids = [...pairs.ids()];
    assert.equal(ids.length, 5000);
    assert.deepEqual(
      ids,
      Array.from({ length: 5000 }, (_, i) => `t${4000 + i}`),
    );
    assert.equal(pairs.remove(0, 't0'), false);
  });
});
