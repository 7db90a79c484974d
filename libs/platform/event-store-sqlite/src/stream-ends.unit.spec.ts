import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamEnds } from './stream-ends';

describe('StreamEnds', () => {
  it('knows an end from a read to the end of a stream and from an append, the append replacing a lower one', () => {
    const ends = new StreamEnds(10);
    assert.equal(ends.endOf('s'), undefined);
    ends.readTo('s', 0);
    assert.equal(ends.endOf('s'), 0, 'a stream read from the start and found empty');
    ends.appended('s', 2);
    assert.equal(ends.endOf('s'), 3, 'revisions 0..2 now exist');
    ends.readTo('s', 5);
    assert.equal(ends.endOf('s'), 3, 'an empty read from 5 says less than the end known');
    ends.forget();
    assert.equal(ends.endOf('s'), undefined);
    assert.equal(ends.size, 0);
  });

  it('forgets the least recently used stream first', () => {
    const ends = new StreamEnds(2);
    ends.readTo('a', 1);
    ends.readTo('b', 1);
    assert.equal(ends.endOf('a'), 1, 'a used again: b is now the oldest');
    ends.appended('c', 0);
    assert.deepEqual(
      ['a', 'b', 'c'].map((s) => ends.endOf(s)),
      [1, undefined, 1],
    );
  });

  it('never claims a stream ends before an event it has (model: the streams as appended)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('append' as const),
        stream: fc.nat(4),
        count: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({
        kind: fc.constant('read' as const),
        stream: fc.nat(4),
        from: fc.nat(8),
        max: fc.option(fc.nat(3)),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const ends = new StreamEnds(capacity);
        const lengths = new Map<string, number>();
        for (const o of ops) {
          const s = `s-${o.stream}`;
          const length = lengths.get(s) ?? 0;
          if (o.kind === 'append') {
            lengths.set(s, length + o.count);
            ends.appended(s, length + o.count - 1);
          } else {
            // What SqliteEventStore.readStream tells it: the end, when the read was not cut by maxCount.
            const found = Math.max(0, Math.min(length - o.from, o.max ?? Infinity));
            if (o.max === null || found < o.max) ends.readTo(s, found > 0 ? o.from + found : o.from);
          }
          for (const [stream, n] of lengths) {
            const end = ends.endOf(stream);
            if (end !== undefined) assert.ok(end >= n, `${stream} has ${n} events, said to end at ${end}`);
          }
          assert.ok(ends.size <= capacity);
        }
      }),
    );
  });
});
