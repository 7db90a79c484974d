import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deciderSpec, DomainError, foldEvents, type Decider } from './decider';

type Ev = { type: 'Opened' } | { type: 'Closed' };
type Cmd = { type: 'Close' };
type St = { status: 'none' } | { status: 'open' } | { status: 'closed' };

const door: Decider<St, Cmd, Ev> = {
  initialState: () => ({ status: 'none' }),
  evolve: (_s, e) => (e.type === 'Opened' ? { status: 'open' } : { status: 'closed' }),
  decide: (_c, s) => {
    if (s.status !== 'open') throw new DomainError('not_open', 'only an open door closes');
    return [{ type: 'Closed' }];
  },
};

describe('decider spec helper', () => {
  it('folds history and reports decided events', () => {
    deciderSpec(door)
      .given([{ type: 'Opened' }])
      .when({ type: 'Close' })
      .then(({ events }) => assert.deepEqual(events, [{ type: 'Closed' }]));
  });

  it('reports the domain error instead of events', () => {
    deciderSpec(door)
      .given([])
      .when({ type: 'Close' })
      .then(({ error, events }) => {
        assert.equal(events, undefined);
        assert.ok(error instanceof DomainError);
        assert.equal(error.code, 'not_open');
      });
  });

  it('foldEvents applies events in order', () => {
    assert.deepEqual(foldEvents(door, [{ type: 'Opened' }, { type: 'Closed' }]), { status: 'closed' });
  });
});
