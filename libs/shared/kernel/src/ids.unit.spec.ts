import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UuidV7Generator, deterministicUuidV7, isUuidV7, uuidV7Time } from './ids';
import { VirtualClock } from './clock';

describe('UUIDv7 ids', () => {
  it('are valid v7 ids carrying the clock time', () => {
    const clock = new VirtualClock('2026-11-23T18:50:00Z');
    const id = new UuidV7Generator(clock).next();
    assert.ok(isUuidV7(id), id);
    assert.equal(uuidV7Time(id), clock.now());
  });

  it('sort in creation order within one millisecond', () => {
    const gen = new UuidV7Generator(new VirtualClock(1_700_000_000_000));
    const ids = Array.from({ length: 500 }, () => gen.next());
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('derived ids are stable for the same cause and differ for another', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.string(), fc.string(), (ms, a, b) => {
        const x = deterministicUuidV7(ms, 'triage', a);
        assert.equal(x, deterministicUuidV7(ms, 'triage', a));
        assert.ok(isUuidV7(x));
        assert.equal(uuidV7Time(x), ms);
        if (a !== b) assert.notEqual(x, deterministicUuidV7(ms, 'triage', b));
      }),
    );
  });
});

describe('VirtualClock', () => {
  it('moves only forward, when told', () => {
    const c = new VirtualClock('2026-01-01T00:00:00Z');
    const t0 = c.now();
    c.advance(60_000);
    assert.equal(c.now(), t0 + 60_000);
    assert.throws(() => c.advance(-1), RangeError);
    assert.throws(() => c.set(t0), RangeError);
  });
});
