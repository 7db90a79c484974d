import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deciderSpec, DomainError, foldEvents } from '@ringback/kernel';
import {
  coordinatorDecider,
  type CoordinatorCommand,
  type CoordinatorEvent,
  type CoordinatorState,
} from './coordinator.decider';

const spec = deciderSpec(coordinatorDecider);
const coordinatorId = 'c-ann';
const T = (hhmm: string) => `2026-11-23T${hhmm}:00.000Z`;

const profile = {
  name: 'Ann',
  podIds: ['pod-mountain'],
  languages: ['en', 'es'],
  serviceLines: [],
  schedulingAuthority: ['new_patient_visit'],
};
const profileSet: CoordinatorEvent = {
  type: 'CoordinatorProfileSet',
  data: { coordinatorId, ...profile, version: 1, setBy: 'admin-1', setAt: T('08:00') },
};
const presence = (p: 'available' | 'away' | 'offline', at = T('08:01')): CoordinatorEvent => ({
  type: 'CoordinatorPresenceChanged',
  data: {
    coordinatorId,
    presence: p,
    previous: 'offline',
    reason: 'manual',
    changedBy: coordinatorId,
    wrapUpUntil: null,
    changedAt: at,
  },
});
const reserved = (offerId = 'o-1', taskId = 't-1'): CoordinatorEvent => ({
  type: 'CoordinatorOfferReserved',
  data: { coordinatorId, offerId, taskId, expiresAt: T('08:11'), reservedAt: T('08:10') },
});
const released = (outcome: 'accepted' | 'declined' | 'expired', offerId = 'o-1'): CoordinatorEvent => ({
  type: 'CoordinatorOfferReleased',
  data: { coordinatorId, offerId, taskId: 't-1', outcome, releasedAt: T('08:10') },
});
const started = (taskId = 't-1'): CoordinatorEvent => ({
  type: 'CoordinatorTaskStarted',
  data: { coordinatorId, taskId, via: 'offer', startedAt: T('08:10') },
});
const busy: CoordinatorEvent = {
  type: 'CoordinatorPresenceChanged',
  data: {
    coordinatorId,
    presence: 'busy',
    previous: 'available',
    reason: 'offer_accepted',
    changedBy: coordinatorId,
    wrapUpUntil: null,
    changedAt: T('08:10'),
  },
};

const reserve = (offerId = 'o-2', taskId = 't-2', at = T('08:12')): CoordinatorCommand => ({
  type: 'ReserveOffer',
  data: { coordinatorId, at, offerId, taskId, expiresAt: T('08:30') },
});

const types = (outcome: { events?: CoordinatorEvent[]; error?: unknown }) => {
  if (outcome.error) throw outcome.error;
  return outcome.events!.map((e) => e.type);
};
const code = (outcome: { error?: unknown }) => {
  assert.ok(outcome.error instanceof DomainError, `expected a DomainError, got ${String(outcome.error)}`);
  return outcome.error.code;
};

describe('Coordinator: profile and presence', () => {
  it('registers signed out, versions changes, ignores a same profile', () => {
    spec
      .given([])
      .when({ type: 'SetProfile', data: { coordinatorId, at: T('08:00'), setBy: 'admin-1', ...profile } })
      .then((o) => assert.deepEqual(types(o), ['CoordinatorProfileSet']));
    const s = foldEvents(coordinatorDecider, [profileSet]);
    assert.equal(s.status === 'registered' && s.presence, 'offline');
    spec
      .given([profileSet])
      .when({
        type: 'SetProfile',
        data: { coordinatorId, at: T('09:00'), setBy: 'admin-1', ...profile, languages: ['es', 'en'] },
      })
      .then((o) => assert.deepEqual(types(o), []));
    spec
      .given([profileSet])
      .when({
        type: 'SetProfile',
        data: { coordinatorId, at: T('09:00'), setBy: 'admin-1', ...profile, podIds: ['pod-harbor'] },
      })
      .then((o) => {
        assert.deepEqual(types(o), ['CoordinatorProfileSet']);
        assert.equal((o.events![0]!.data as { version: number }).version, 2);
      });
  });

  it('refuses a profile without pods or languages', () => {
    spec
      .given([])
      .when({
        type: 'SetProfile',
        data: { coordinatorId, at: T('08:00'), setBy: 'a', ...profile, podIds: [] },
      })
      .then((o) => assert.equal(code(o), 'pods_required'));
    spec
      .given([])
      .when({
        type: 'SetProfile',
        data: { coordinatorId, at: T('08:00'), setBy: 'a', ...profile, languages: [] },
      })
      .then((o) => assert.equal(code(o), 'languages_required'));
  });

  it('only available, away and offline are set by hand; an unknown coordinator has no presence', () => {
    spec
      .given([profileSet])
      .when({
        type: 'ChangePresence',
        data: { coordinatorId, at: T('08:01'), presence: 'busy', changedBy: 'x' },
      })
      .then((o) => assert.equal(code(o), 'presence_not_manual'));
    spec
      .given([])
      .when({
        type: 'ChangePresence',
        data: { coordinatorId, at: T('08:01'), presence: 'available', changedBy: 'x' },
      })
      .then((o) => assert.equal(code(o), 'coordinator_not_found'));
    spec
      .given([profileSet, presence('available')])
      .when({
        type: 'ChangePresence',
        data: { coordinatorId, at: T('08:02'), presence: 'available', changedBy: coordinatorId },
      })
      .then((o) => assert.deepEqual(types(o), []));
  });

  it('going away drops a pending offer', () => {
    spec
      .given([profileSet, presence('available'), reserved()])
      .when({
        type: 'ChangePresence',
        data: { coordinatorId, at: T('08:10'), presence: 'away', changedBy: coordinatorId },
      })
      .then((o) => {
        assert.deepEqual(types(o), ['CoordinatorOfferReleased', 'CoordinatorPresenceChanged']);
        assert.equal((o.events![0]!.data as { outcome: string }).outcome, 'cancelled');
      });
  });
});

describe('Coordinator: offers', () => {
  it('reserves an available coordinator; never a second offer at once', () => {
    spec
      .given([profileSet, presence('available')])
      .when(reserve())
      .then((o) => assert.deepEqual(types(o), ['CoordinatorOfferReserved']));
    spec
      .given([profileSet, presence('available'), reserved()])
      .when(reserve())
      .then((o) => assert.equal(code(o), 'coordinator_has_offer'));
    // The same reservation again (a retried dispatcher step) is a no-op.
    spec
      .given([profileSet, presence('available'), reserved('o-2', 't-2')])
      .when(reserve('o-2', 't-2'))
      .then((o) => assert.deepEqual(types(o), []));
  });

  it('does not reserve a coordinator who is not available', () => {
    for (const history of [
      [profileSet],
      [profileSet, presence('away')],
      [profileSet, presence('available'), reserved(), released('accepted'), started(), busy],
    ])
      spec
        .given(history)
        .when(reserve())
        .then((o) => assert.equal(code(o), 'coordinator_not_available'));
  });

  it('accepting makes the coordinator busy on the task; declining frees them', () => {
    spec
      .given([profileSet, presence('available'), reserved()])
      .when({
        type: 'ReleaseOffer',
        data: { coordinatorId, at: T('08:10'), offerId: 'o-1', outcome: 'accepted' },
      })
      .then((o) =>
        assert.deepEqual(types(o), [
          'CoordinatorOfferReleased',
          'CoordinatorTaskStarted',
          'CoordinatorPresenceChanged',
        ]),
      );
    spec
      .given([profileSet, presence('available'), reserved()])
      .when({
        type: 'ReleaseOffer',
        data: { coordinatorId, at: T('08:10'), offerId: 'o-1', outcome: 'declined' },
      })
      .then((o) => assert.deepEqual(types(o), ['CoordinatorOfferReleased']));
    const s = foldEvents(coordinatorDecider, [
      profileSet,
      presence('available'),
      reserved(),
      released('declined'),
    ]);
    assert.equal(s.status === 'registered' && s.offer, null);
    assert.equal(s.status === 'registered' && s.presence, 'available');
  });

  it('releasing an offer no longer held decides nothing (redelivery)', () => {
    spec
      .given([profileSet, presence('available'), reserved(), released('expired')])
      .when({
        type: 'ReleaseOffer',
        data: { coordinatorId, at: T('08:12'), offerId: 'o-1', outcome: 'expired' },
      })
      .then((o) => assert.deepEqual(types(o), []));
    spec
      .given([profileSet, presence('available'), reserved('o-9')])
      .when({
        type: 'ReleaseOffer',
        data: { coordinatorId, at: T('08:12'), offerId: 'o-1', outcome: 'accepted' },
      })
      .then((o) => assert.deepEqual(types(o), []));
  });
});

describe('Coordinator: work and wrap-up', () => {
  const working = [profileSet, presence('available'), reserved(), released('accepted'), started(), busy];

  it('finishing the last task starts wrap-up; wrap-up ends at its time', () => {
    spec
      .given(working)
      .when({
        type: 'FinishTask',
        data: { coordinatorId, at: T('08:20'), taskId: 't-1', finish: 'resolved', wrapUpSeconds: 60 },
      })
      .then((o) => {
        assert.deepEqual(types(o), ['CoordinatorTaskFinished', 'CoordinatorPresenceChanged']);
        const d = o.events![1]!.data as { presence: string; wrapUpUntil: string };
        assert.equal(d.presence, 'wrap_up');
        assert.equal(d.wrapUpUntil, '2026-11-23T08:21:00.000Z');
      });
    const wrapping = foldEvents(coordinatorDecider, [
      ...working,
      ...coordinatorDecider.decide(
        {
          type: 'FinishTask',
          data: { coordinatorId, at: T('08:20'), taskId: 't-1', finish: 'resolved', wrapUpSeconds: 60 },
        },
        foldEvents(coordinatorDecider, working),
      ),
    ]);
    const end = (at: string): CoordinatorCommand => ({ type: 'EndWrapUp', data: { coordinatorId, at } });
    assert.deepEqual(coordinatorDecider.decide(end('2026-11-23T08:20:59.000Z'), wrapping), []);
    const ended = coordinatorDecider.decide(end(T('08:21')), wrapping);
    assert.deepEqual(
      ended.map((e) => e.type),
      ['CoordinatorPresenceChanged'],
    );
    assert.equal((ended[0]!.data as { presence: string }).presence, 'available');
  });

  it('finishing a task that is not theirs decides nothing; a claim makes them busy', () => {
    spec
      .given(working)
      .when({
        type: 'FinishTask',
        data: { coordinatorId, at: T('08:20'), taskId: 't-x', finish: 'resolved', wrapUpSeconds: 60 },
      })
      .then((o) => assert.deepEqual(types(o), []));
    spec
      .given([profileSet, presence('available')])
      .when({ type: 'StartTask', data: { coordinatorId, at: T('08:05'), taskId: 't-5' } })
      .then((o) => assert.deepEqual(types(o), ['CoordinatorTaskStarted', 'CoordinatorPresenceChanged']));
  });
});

describe('Coordinator: never two offers at once (property)', () => {
  it('over any sequence of commands, a reservation is only ever granted to a free coordinator', () => {
    const command = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), offer: fc.integer({ min: 1, max: 4 }) }),
      fc.record({
        kind: fc.constant('release' as const),
        offer: fc.integer({ min: 1, max: 4 }),
        outcome: fc.constantFrom('accepted', 'declined', 'expired', 'cancelled' as const),
      }),
      fc.record({
        kind: fc.constant('presence' as const),
        p: fc.constantFrom('available', 'away', 'offline' as const),
      }),
      fc.record({ kind: fc.constant('finish' as const), offer: fc.integer({ min: 1, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (cmds) => {
        let state: CoordinatorState = foldEvents(coordinatorDecider, [profileSet]);
        cmds.forEach((c, i) => {
          const at = new Date(Date.parse(T('09:00')) + i * 1000).toISOString();
          const cmd: CoordinatorCommand =
            c.kind === 'reserve'
              ? {
                  type: 'ReserveOffer',
                  data: {
                    coordinatorId,
                    at,
                    offerId: `o-${c.offer}`,
                    taskId: `t-${c.offer}`,
                    expiresAt: T('23:00'),
                  },
                }
              : c.kind === 'release'
                ? {
                    type: 'ReleaseOffer',
                    data: { coordinatorId, at, offerId: `o-${c.offer}`, outcome: c.outcome },
                  }
                : c.kind === 'presence'
                  ? {
                      type: 'ChangePresence',
                      data: { coordinatorId, at, presence: c.p, changedBy: coordinatorId },
                    }
                  : {
                      type: 'FinishTask',
                      data: {
                        coordinatorId,
                        at,
                        taskId: `t-${c.offer}`,
                        finish: 'resolved',
                        wrapUpSeconds: 0,
                      },
                    };
          const before = state;
          let events: CoordinatorEvent[] = [];
          try {
            events = coordinatorDecider.decide(cmd, state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
          for (const e of events) {
            if (e.type === 'CoordinatorOfferReserved') {
              assert.ok(
                before.status === 'registered' && before.offer === null && before.presence === 'available',
              );
            }
            state = coordinatorDecider.evolve(state, e);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
