import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cloneDoc } from './clone-doc';

describe('cloneDoc', () => {
  it('copies plain JSON deeply, sharing nothing', () => {
    const doc = {
      id: 'a',
      n: 1,
      none: null,
      gone: undefined,
      hours: { mon: [['08:00', '12:00']], tue: [] as string[][] },
      tags: ['x', { y: [1, 2] }],
    };
    const copy = cloneDoc(doc);
    assert.deepStrictEqual(copy, doc);
    assert.ok('gone' in copy);
    copy.hours.mon[0]![0] = '09:00';
    (copy.tags[1] as { y: number[] }).y.push(3);
    assert.equal(doc.hours.mon[0]![0], '08:00');
    assert.deepEqual(doc.tags[1], { y: [1, 2] });
  });

  it('hands anything else to structuredClone', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    const copy = cloneDoc({ id: 'a', at, positions: new Map([['p', 1n]]) });
    assert.ok(copy.at instanceof Date && copy.at !== at && copy.at.getTime() === at.getTime());
    assert.deepEqual(copy.positions, new Map([['p', 1n]]));
    assert.equal(cloneDoc(null), null);
    assert.equal(cloneDoc(7n), 7n);
  });
});
