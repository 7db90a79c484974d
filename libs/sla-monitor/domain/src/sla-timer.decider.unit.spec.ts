import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ringbackEventRegistry, type SlaEvent } from '@ringback/contracts';
import { parseLocationSchedule } from '@ringback/calendar';
import { DomainError, deciderSpec, foldEvents, isUuidV7 } from '@ringback/kernel';
import {
  DEFAULT_BREACH_POLICY,
  slaThresholdEventId,
  slaTimerDecider,
  type FireDue,
  type SlaTier,
  type StartClock,
  type Stop,
  type TaskSlaClock,
} from './sla-timer.decider';

const ms = (iso: string): number => Date.parse(iso);
const iso = (at: number): string => new Date(at).toISOString();
const registry = ringbackEventRegistry();
const spec = deciderSpec(slaTimerDecider);

const lunch: [string, string][] = [
  ['08:00', '12:00'],
  ['13:00', '17:00'],
];
const aurora = parseLocationSchedule({
  timezone: 'America/Denver',
  hours: { mon: lunch, tue: lunch, wed: lunch, thu: lunch, fri: lunch },
  holidays: ['2026-12-25'],
});

const stamp = (causationId: string | null = null) => ({
  recordedAt: '2026-11-23T18:50:00.000Z',
  correlationId: 'corr-1',
  causationId,
  traceparent: null,
});

/** Tier 1: 15 wall-clock minutes from Friday 18:00 local (after hours: Tier 1 runs 24/7). */
const tier1Clock: TaskSlaClock = {
  mode: 'wall_clock',
  targetMinutes: 15,
  startedAt: '2026-11-21T01:00:00.000Z',
  dueAt: '2026-11-21T01:15:00.000Z',
  calendarVersion: 1,
};

/** Tier 2: 15 business minutes from Monday 11:50 local; lunch 12:00–13:00 pauses it; due 13:05. */
const tier2Clock: TaskSlaClock = {
  mode: 'business',
  targetMinutes: 15,
  startedAt: '2026-11-23T18:50:00.000Z',
  dueAt: '2026-11-23T20:05:00.000Z',
  calendarVersion: 1,
};

const start = (
  clock: TaskSlaClock,
  options: { tier?: SlaTier; source?: string; schedule?: typeof aurora | null } = {},
): StartClock => ({
  type: 'StartClock',
  taskId: 't1',
  locationId: 'aurora',
  tier: options.tier ?? (clock.mode === 'wall_clock' ? 1 : 2),
  clock,
  schedule: options.schedule === undefined ? aurora : options.schedule,
  sourceEventId: options.source ?? 'task-opened-1',
  sourceOccurredAt: clock.startedAt,
  stamp: stamp('task-opened-1'),
});

const fire = (now: number | string, extra: Partial<FireDue> = {}): FireDue => ({
  type: 'FireDue',
  taskId: 't1',
  now: typeof now === 'number' ? now : ms(now),
  stamp: stamp(),
  ...extra,
});

const stop = (at: string, met: boolean, source = 'sla-stopped-1'): Stop => ({
  type: 'Stop',
  taskId: 't1',
  at,
  met,
  reason: 'first_contact',
  sourceEventId: source,
  stamp: stamp(source),
});

/** Runs commands against the decider, folding what each decides: the stream they would produce. */
function history(...commands: (StartClock | FireDue | Stop)[]): SlaEvent[] {
  const events: SlaEvent[] = [];
  for (const c of commands) events.push(...slaTimerDecider.decide(c, foldEvents(slaTimerDecider, events)));
  return events;
}

const types = (events: readonly SlaEvent[] | undefined): string[] => (events ?? []).map((e) => e.type);

function assertValid(events: readonly SlaEvent[] | undefined): void {
  for (const e of events ?? []) assert.doesNotThrow(() => registry.validate(e), e.type);
}

describe('sla timer decider: StartClock', () => {
  it('given no history, a Tier 1 clock starts with wall-clock thresholds (75% = 11:15 minutes)', () => {
    spec
      .given([])
      .when(start(tier1Clock))
      .then(({ events, error }) => {
        assert.equal(error, undefined);
        assertValid(events);
        assert.deepEqual(types(events), ['SlaClockStarted']);
        const [e] = events!;
        assert.equal(e!.streamId, 'sla-t1');
        assert.equal(e!.causationId, 'task-opened-1');
        assert.ok(isUuidV7(e!.eventId));
        assert.deepEqual(e!.data, {
          taskId: 't1',
          locationId: 'aurora',
          tier: 1,
          mode: 'wall_clock',
          targetMinutes: 15,
          startedAt: '2026-11-21T01:00:00.000Z',
          dueAt: '2026-11-21T01:15:00.000Z',
          atRiskAt: '2026-11-21T01:11:15.000Z',
          breachAt: '2026-11-21T01:15:00.000Z',
          restart: false,
          clockVersion: 1,
          calendarVersion: 1,
          thresholdBasis: 'wall_clock',
        });
      });
  });

  it('a Tier 2 business clock counts at-risk in business minutes across the lunch closure', () => {
    spec
      .given([])
      .when(start(tier2Clock))
      .then(({ events }) => {
        assertValid(events);
        const data = events![0]!.data as { atRiskAt: string; breachAt: string; thresholdBasis: string };
        // 10 minutes before lunch, 1:15 after: 13:01:15 local (20:01:15Z), not 12:01:15.
        assert.equal(data.atRiskAt, '2026-11-23T20:01:15.000Z');
        assert.equal(data.breachAt, '2026-11-23T20:05:00.000Z');
        assert.equal(data.thresholdBasis, 'location_calendar');
      });
  });

  it('a business clock that starts while closed waits for the opening (preferred window / after hours)', () => {
    // Friday 18:00 local, 60 business minutes: Monday 08:45 at risk, due Monday 09:00.
    const clock: TaskSlaClock = {
      mode: 'business',
      targetMinutes: 60,
      startedAt: '2026-11-21T01:00:00.000Z',
      dueAt: '2026-11-23T16:00:00.000Z',
      calendarVersion: 1,
    };
    spec
      .given([])
      .when(start(clock, { tier: 3 }))
      .then(({ events }) => {
        const data = events![0]!.data as { atRiskAt: string };
        assert.equal(data.atRiskAt, '2026-11-23T15:45:00.000Z');
      });
  });

  it('without a schedule a business clock interpolates at-risk between start and due, and says so', () => {
    spec
      .given([])
      .when(start(tier2Clock, { schedule: null }))
      .then(({ events }) => {
        assertValid(events);
        const data = events![0]!.data as { atRiskAt: string; thresholdBasis: string };
        // 75 real minutes from 11:50 to 13:05: at risk after 56:15.
        assert.equal(data.atRiskAt, '2026-11-23T19:46:15.000Z');
        assert.equal(data.thresholdBasis, 'interpolated');
      });
  });

  it('the same clock again decides nothing, whether from the same task event or another', () => {
    const given = history(start(tier2Clock));
    spec
      .given(given)
      .when(start(tier2Clock))
      .then(({ events }) => assert.deepEqual(events, []));
    spec
      .given(given)
      .when(start(tier2Clock, { source: 'call-joined-2' }))
      .then(({ events }) => assert.deepEqual(events, []));
  });

  it('a redelivered TaskOpened after a retriage does not bring the old clock back', () => {
    const retriaged: TaskSlaClock = {
      ...tier1Clock,
      startedAt: '2026-11-23T19:00:00.000Z',
      dueAt: '2026-11-23T19:15:00.000Z',
    };
    const given = history(start(tier2Clock), start(retriaged, { tier: 1, source: 'call-joined-2' }));
    spec
      .given(given)
      .when(start(tier2Clock))
      .then(({ events }) => assert.deepEqual(events, []));
  });

  it('a retriage restarts the clock as the next version, and its thresholds fire afresh', () => {
    const retriaged: TaskSlaClock = {
      mode: 'wall_clock',
      targetMinutes: 15,
      startedAt: '2026-11-23T18:55:00.000Z',
      dueAt: '2026-11-23T19:10:00.000Z',
      calendarVersion: 1,
    };
    const given = history(start(tier2Clock), fire('2026-11-23T20:01:15Z'));
    assert.deepEqual(types(given), ['SlaClockStarted', 'SlaAtRiskReached']);
    spec
      .given(given)
      .when(start(retriaged, { tier: 1, source: 'call-joined-2' }))
      .then(({ events }) => {
        assertValid(events);
        const data = events![0]!.data as { restart: boolean; clockVersion: number; tier: number };
        assert.equal(data.restart, true);
        assert.equal(data.clockVersion, 2);
        assert.equal(data.tier, 1);
        const after = [...given, ...events!];
        spec
          .given(after)
          .when(fire('2026-11-23T20:02:00Z'))
          .then(({ events: fired }) => {
            assert.deepEqual(types(fired), ['SlaAtRiskReached', 'SlaBreached']);
            assert.equal(
              fired![0]!.eventId,
              slaThresholdEventId('t1', 'at_risk', 2, ms('2026-11-23T19:06:15Z')),
            );
            assert.notEqual(fired![0]!.eventId, given[1]!.eventId);
            assert.equal((fired![1]!.data as { tier: number }).tier, 1);
          });
      });
  });

  it('refuses a clock due before it starts', () => {
    spec
      .given([])
      .when(start({ ...tier1Clock, dueAt: '2026-11-21T00:59:00.000Z' }))
      .then(({ error }) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.code, 'invalid_sla_clock');
      });
  });
});

describe('sla timer decider: FireDue', () => {
  const started = history(start(tier2Clock));

  it('before at-risk, nothing fires', () => {
    spec
      .given(started)
      .when(fire(ms('2026-11-23T20:01:15Z') - 1))
      .then(({ events }) => assert.deepEqual(events, []));
  });

  it('at the at-risk instant exactly, at-risk fires with the threshold as event time', () => {
    spec
      .given(started)
      .when(fire('2026-11-23T20:01:15Z'))
      .then(({ events }) => {
        assertValid(events);
        assert.deepEqual(types(events), ['SlaAtRiskReached']);
        const [e] = events!;
        assert.equal(e!.occurredAt, '2026-11-23T20:01:15.000Z');
        assert.equal(e!.recordedAt, '2026-11-23T18:50:00.000Z');
        assert.equal(e!.eventId, slaThresholdEventId('t1', 'at_risk', 1, ms('2026-11-23T20:01:15Z')));
        assert.deepEqual(e!.data, {
          taskId: 't1',
          locationId: 'aurora',
          tier: 2,
          atRiskAt: '2026-11-23T20:01:15.000Z',
          dueAt: '2026-11-23T20:05:00.000Z',
          clockVersion: 1,
        });
      });
  });

  it('at the breach instant after at-risk fired, only the breach fires, with supervisor alert and bump', () => {
    spec
      .given(history(start(tier2Clock), fire('2026-11-23T20:01:15Z')))
      .when(fire('2026-11-23T20:05:00Z'))
      .then(({ events }) => {
        assertValid(events);
        assert.deepEqual(types(events), ['SlaBreached']);
        assert.deepEqual(events![0]!.data, {
          taskId: 't1',
          locationId: 'aurora',
          tier: 2,
          dueAt: '2026-11-23T20:05:00.000Z',
          breachedAt: '2026-11-23T20:05:00.000Z',
          supervisorAlert: true,
          priorityBump: DEFAULT_BREACH_POLICY[2].priorityBump,
          overflow: DEFAULT_BREACH_POLICY[2].overflow,
          clockVersion: 1,
        });
      });
  });

  it('after downtime past both thresholds, one decision records at-risk then breach', () => {
    spec
      .given(started)
      .when(fire('2026-11-24T09:00:00Z'))
      .then(({ events }) => {
        assertValid(events);
        assert.deepEqual(types(events), ['SlaAtRiskReached', 'SlaBreached']);
        assert.equal(events![1]!.occurredAt, '2026-11-23T20:05:00.000Z');
      });
  });

  it('repeats decide nothing, and a repeat from the same state decides the same ids', () => {
    const fired = history(start(tier2Clock), fire('2026-11-24T09:00:00Z'));
    spec
      .given(fired)
      .when(fire('2026-11-25T09:00:00Z'))
      .then(({ events }) => assert.deepEqual(events, []));
    const again = slaTimerDecider.decide(
      { ...fire('2026-11-24T10:00:00Z'), stamp: { ...stamp(), recordedAt: '2026-11-24T10:00:00.000Z' } },
      foldEvents(slaTimerDecider, started),
    );
    assert.deepEqual(
      again.map((e) => e.eventId),
      fired.slice(1).map((e) => e.eventId),
    );
  });

  it('uses the breach policy handed in', () => {
    spec
      .given(started)
      .when(fire('2026-11-24T09:00:00Z', { breachPolicy: { priorityBump: 5, overflow: false } }))
      .then(({ events }) => {
        const data = events![1]!.data as { priorityBump: number; overflow: boolean };
        assert.deepEqual([data.priorityBump, data.overflow], [5, false]);
      });
  });

  it('with no clock, nothing fires', () => {
    spec
      .given([])
      .when(fire('2026-11-24T09:00:00Z'))
      .then(({ events }) => assert.deepEqual(events, []));
  });
});

describe('sla timer decider: Stop', () => {
  it('a stop before at-risk is recorded once and prevents both thresholds', () => {
    const given = history(start(tier2Clock));
    spec
      .given(given)
      .when(stop('2026-11-23T18:55:00.000Z', true))
      .then(({ events }) => {
        assertValid(events);
        assert.deepEqual(types(events), ['SlaClockStopped']);
        assert.deepEqual(events![0]!.data, {
          taskId: 't1',
          met: true,
          stoppedAt: '2026-11-23T18:55:00.000Z',
          reason: 'first_contact',
          clockVersion: 1,
        });
        assert.equal(events![0]!.causationId, 'sla-stopped-1');
        const after = [...given, ...events!];
        spec
          .given(after)
          .when(fire('2026-11-24T09:00:00Z'))
          .then(({ events: fired }) => assert.deepEqual(fired, []));
        spec
          .given(after)
          .when(stop('2026-11-23T18:55:00.000Z', true))
          .then(({ events: again }) => assert.deepEqual(again, []));
        spec
          .given(after)
          .when(stop('2026-11-23T19:00:00.000Z', true, 'another-stop'))
          .then(({ events: again }) => assert.deepEqual(again, []));
      });
  });

  it('a stop between at-risk and breach prevents the breach', () => {
    const given = history(
      start(tier2Clock),
      fire('2026-11-23T20:02:00Z'),
      stop('2026-11-23T20:03:00.000Z', true),
    );
    assert.deepEqual(types(given), ['SlaClockStarted', 'SlaAtRiskReached', 'SlaClockStopped']);
    spec
      .given(given)
      .when(fire('2026-11-23T20:10:00Z'))
      .then(({ events }) => assert.deepEqual(events, []));
  });

  it('a stop after the breach is recorded as not met', () => {
    spec
      .given(history(start(tier2Clock), fire('2026-11-23T20:06:00Z')))
      .when(stop('2026-11-23T20:30:00.000Z', false))
      .then(({ events }) => {
        assertValid(events);
        assert.equal((events![0]!.data as { met: boolean }).met, false);
      });
  });

  it('a stop with no clock decides nothing', () => {
    spec
      .given([])
      .when(stop('2026-11-23T20:30:00.000Z', true))
      .then(({ events }) => assert.deepEqual(events, []));
  });

  it('a retriage after a stop restarts the timers', () => {
    const retriaged: TaskSlaClock = {
      mode: 'wall_clock',
      targetMinutes: 15,
      startedAt: '2026-11-23T19:00:00.000Z',
      dueAt: '2026-11-23T19:15:00.000Z',
      calendarVersion: null,
    };
    spec
      .given(
        history(
          start(tier2Clock),
          stop('2026-11-23T18:55:00.000Z', true),
          start(retriaged, { tier: 1, source: 'call-joined-2' }),
        ),
      )
      .when(fire('2026-11-23T19:20:00Z'))
      .then(({ events }) => {
        assert.deepEqual(types(events), ['SlaAtRiskReached', 'SlaBreached']);
        assert.equal((events![1]!.data as { clockVersion: number }).clockVersion, 2);
      });
  });
});

describe('sla timer decider: idempotency of starts and stops', () => {
  it('start and stop ids derive from the task event, so redelivery appends the same id', () => {
    const a = slaTimerDecider.decide(start(tier1Clock), slaTimerDecider.initialState());
    const b = slaTimerDecider.decide(
      { ...start(tier1Clock), stamp: { ...stamp(), recordedAt: '2026-11-23T19:00:00.000Z' } },
      slaTimerDecider.initialState(),
    );
    assert.equal(a[0]!.eventId, b[0]!.eventId);
    const started = history(start(tier1Clock));
    const s1 = slaTimerDecider.decide(
      stop(iso(ms('2026-11-21T01:05:00Z')), true),
      foldEvents(slaTimerDecider, started),
    );
    const s2 = slaTimerDecider.decide(
      stop(iso(ms('2026-11-21T01:05:00Z')), true),
      foldEvents(slaTimerDecider, started),
    );
    assert.equal(s1[0]!.eventId, s2[0]!.eventId);
  });
});
