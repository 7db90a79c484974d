import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamIdFilter } from './stream-id-filter';

describe('StreamIdFilter', () => {
  it('has every id added, past its first capacity too (no false negatives)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 3_000 }),
        (ids) => {
          const filter = new StreamIdFilter(1_024);
          for (const id of ids) filter.add(id);
          for (const id of ids) assert.ok(filter.mayHave(id), JSON.stringify(id));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('lets 1-2 % of ids never added through, growing a filter at a time', () => {
    const filter = new StreamIdFilter(1_024);
    assert.equal(filter.mayHave('task-0'), false, 'an empty filter has nothing');
    for (let i = 0; i < 20_000; i++) filter.add(`task-${i}`);
    const added = filter.added;
    // Ids the filters may already have (a few per cent, as they fill) are not set again.
    assert.ok(added > 19_000 && added <= 20_000, `${added}`);
    filter.add('task-7');
    assert.equal(filter.added, added, 'an id added again is not counted twice');
    let passed = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mayHave(`call-${i}`)) passed++;
    // Five filters (1,024 to 16,384 ids), the first four full: 0.8 + 0.4 + 0.2 + 0.1 % and a little.
    assert.ok(passed < 2_000, `${passed} of 100,000 absent ids passed`);
    assert.ok(passed > 0, 'a Bloom filter has false positives: none means it answers something else');
  });
});
