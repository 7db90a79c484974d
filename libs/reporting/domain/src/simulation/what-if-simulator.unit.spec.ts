import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultTriagePolicy } from '@ringback/triage-policy';
import { simulationRecordOf, type RecordedFact } from './simulation-record';
import { coordinatorHours, coordinatorsOfPlan, planOfRecord } from './staffing';
import { simulate } from './what-if-simulator';
import { whatIfReport } from './what-if-report';

// Monday 2026-11-30 in Denver (UTC-7): 09:00 local is 16:00Z. Business hours 09:00-17:00 weekdays.
const Z = (hhmm: string) => `2026-11-30T${hhmm}:00.000Z`;
const ms = (hhmm: string) => Date.parse(Z(hhmm));
const week = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const hours = Object.fromEntries(
  [...week, 'sat', 'sun'].map((d) => [
    d,
    (week as readonly string[]).includes(d) ? [['09:00', '17:00']] : [],
  ]),
);
const location: RecordedFact = {
  type: 'LocationConfigured',
  streamId: 'location-den',
  data: {
    locationId: 'den',
    name: 'Denver',
    regionId: 'mountain',
    podId: 'pod-a',
    timezone: 'America/Denver',
    hours,
    holidays: [],
    serviceLines: [],
    version: 1,
  },
};

let seq = 0;
/** A Tier 3 task opened at `hhmm` (UTC), its 60-minute business clock due an hour later. */
function opened(taskId: string, hhmm: string, tier: 1 | 2 | 3 = 3, targetMinutes = 60): RecordedFact {
  seq += 1;
  return {
    type: 'TaskOpened',
    streamId: `task-${taskId}`,
    data: {
      taskId,
      locationId: 'den',
      regionId: 'mountain',
      podId: 'pod-a',
      channel: 'missed_call',
      providerCallId: `call-${seq}`,
      callerPhone: '+13035550100',
      callerName: null,
      intent: tier === 1 ? 'urgent_symptom' : tier === 2 ? 'new_patient' : 'billing',
      transcript: null,
      language: null,
      occurredAt: Z(hhmm),
      preferredWindow: null,
      triage: {
        tier,
        rule: 'intent:billing',
        reasons: [],
        policyVersion: 1,
        handoff: null,
        crisis: false,
        requiredDocumentation: [],
      },
      sla: {
        targetMinutes,
        mode: tier === 1 ? 'wall_clock' : 'business',
        startedAt: Z(hhmm),
        dueAt: new Date(ms(hhmm) + targetMinutes * 60_000).toISOString(),
        calendarVersion: 1,
      },
      openedAt: Z(hhmm),
    },
  };
}
const presence = (coordinatorId: string, p: string, hhmm: string): RecordedFact => ({
  type: 'CoordinatorPresenceChanged',
  streamId: `coordinator-${coordinatorId}`,
  data: {
    coordinatorId,
    presence: p,
    previous: 'offline',
    reason: 'manual',
    changedBy: coordinatorId,
    wrapUpUntil: null,
    changedAt: Z(hhmm),
  },
});
const profile = (coordinatorId: string): RecordedFact => ({
  type: 'CoordinatorProfileSet',
  streamId: `coordinator-${coordinatorId}`,
  data: {
    coordinatorId,
    name: coordinatorId,
    podIds: ['pod-a'],
    languages: ['en'],
    serviceLines: [],
    schedulingAuthority: [],
    version: 1,
    setBy: 'admin',
    setAt: Z('15:00'),
  },
});
/** A whole recorded session: offered at `at`, started `responseMin` later, one attempt, finished. */
function session(
  taskId: string,
  coordinatorId: string,
  at: string,
  o: { responseMin: number; handleMin: number; successful: boolean; attemptNumber?: number },
): RecordedFact[] {
  const t0 = ms(at);
  const start = t0 + o.responseMin * 60_000;
  const end = start + o.handleMin * 60_000;
  const isoOf = (n: number) => new Date(n).toISOString();
  return [
    {
      type: 'TaskOffered',
      streamId: `task-${taskId}`,
      data: {
        taskId,
        offerId: `o-${taskId}-${at}`,
        coordinatorId,
        offeredAt: isoOf(t0),
        expiresAt: isoOf(t0 + 120_000),
      },
    },
    {
      type: 'CoordinatorTaskStarted',
      streamId: `coordinator-${coordinatorId}`,
      data: { coordinatorId, taskId, via: 'offer', startedAt: isoOf(start) },
    },
    {
      type: 'CallbackAttemptRecorded',
      streamId: `task-${taskId}`,
      data: {
        taskId,
        attemptId: `a-${taskId}-${at}`,
        attemptNumber: o.attemptNumber ?? 1,
        coordinatorId,
        outcome: o.successful ? 'reached_resolved' : 'no_answer',
        successful: o.successful,
        nextAttemptAt: null,
        note: null,
        attemptedAt: isoOf(end),
      },
    },
    {
      type: 'CoordinatorTaskFinished',
      streamId: `coordinator-${coordinatorId}`,
      data: { coordinatorId, taskId, finish: o.successful ? 'resolved' : 'requeued', finishedAt: isoOf(end) },
    },
  ];
}

const zoneOf = () => 'America/Denver';
const period = { fromMs: ms('15:00'), toMs: ms('23:59') };

describe('what-if simulator', () => {
  it('given one coordinator and four 20-minute callbacks queued at once, only three make their hour', () => {
    const record = simulationRecordOf([
      location,
      profile('ann'),
      presence('ann', 'available', '16:00'),
      ...['t1', 't2', 't3', 't4'].map((id) => opened(id, '16:00')),
      // Recorded traces: every caller is reached on the first attempt, 20 minutes each.
      ...['t1', 't2', 't3', 't4'].flatMap((id, i) =>
        session(id, 'ann', `16:${String(i * 20).padStart(2, '0')}`.replace('16:60', '17:00'), {
          responseMin: 0,
          handleMin: 20,
          successful: true,
        }),
      ),
    ]);
    const result = simulate(record, { ...period, staffing: { kind: 'recorded' }, warmUpMs: 0 });
    const report = whatIfReport(result, period, zoneOf);
    // Attempts at 16:20, 16:40, 17:00 (due), 17:20: three met, one breached.
    assert.deepEqual(
      result.simulated.map((f) => [f.taskId, f.firstReachedAt, f.slaMet, f.slaBreached]),
      [
        ['t1', Z('16:20'), true, false],
        ['t2', Z('16:40'), true, false],
        ['t3', Z('17:00'), true, false],
        ['t4', Z('17:20'), false, true],
      ],
    );
    assert.equal(report.projected.slaAttainment.overall, 0.75);
    assert.equal(result.work.sessions.replayed, 4);
  });

  it('when a plan puts a second coordinator on, all four are reached within the hour', () => {
    const record = simulationRecordOf([
      location,
      profile('ann'),
      presence('ann', 'available', '16:00'),
      ...['t1', 't2', 't3', 't4'].map((id) => opened(id, '16:00')),
      ...['t1', 't2', 't3', 't4'].flatMap((id) =>
        session(id, 'ann', '16:00', { responseMin: 0, handleMin: 20, successful: true }),
      ),
    ]);
    const two = Array.from({ length: 24 }, (_, h) => (h >= 9 && h < 17 ? 2 : 0));
    const result = simulate(record, {
      ...period,
      warmUpMs: 0,
      staffing: { kind: 'plan', plan: { rows: [{ podId: 'pod-a', weekdays: [1, 2, 3, 4, 5], hours: two }] } },
    });
    assert.deepEqual(
      result.simulated.map((f) => f.firstReachedAt),
      [Z('16:20'), Z('16:20'), Z('16:40'), Z('16:40')],
    );
    assert.equal(whatIfReport(result, period, zoneOf).projected.slaAttainment.overall, 1);
  });

  it('a failed attempt is retried by the retry policy 15 minutes later, and the clock stops at the success', () => {
    const record = simulationRecordOf([
      location,
      profile('ann'),
      presence('ann', 'available', '16:00'),
      opened('t1', '16:00'),
      ...session('t1', 'ann', '16:00', { responseMin: 1, handleMin: 4, successful: false }),
      ...session('t1', 'ann', '16:20', { responseMin: 1, handleMin: 4, successful: true, attemptNumber: 2 }),
    ]);
    const [fact] = simulate(record, { ...period, staffing: { kind: 'recorded' } }).simulated;
    // Offered 16:00, started 16:01, failed 16:05, retry at 16:20, started 16:21, reached 16:25.
    assert.equal(fact!.firstAttemptAt, Z('16:05'));
    assert.equal(fact!.firstReachedAt, Z('16:25'));
    assert.equal(fact!.slaMet, true);
  });

  it('nobody signed in: the clock breaches and the task waits', () => {
    const record = simulationRecordOf([location, profile('ann'), opened('t1', '16:00')]);
    const [fact] = simulate(record, { ...period, staffing: { kind: 'recorded' } }).simulated;
    assert.equal(fact!.slaBreached, true);
    assert.equal(fact!.firstAttemptAt, null);
  });

  it('a Tier 1 clock stops when the clinician accepts the escalation (recorded handoff delay)', () => {
    const record = simulationRecordOf([
      location,
      profile('ann'),
      presence('ann', 'available', '16:00'),
      opened('t1', '16:00', 1, 15),
      {
        type: 'TaskOffered',
        streamId: 'task-t1',
        data: {
          taskId: 't1',
          offerId: 'o',
          coordinatorId: 'ann',
          offeredAt: Z('16:00'),
          expiresAt: Z('16:02'),
        },
      },
      {
        type: 'CoordinatorTaskStarted',
        streamId: 'coordinator-ann',
        data: { coordinatorId: 'ann', taskId: 't1', via: 'offer', startedAt: Z('16:02') },
      },
      {
        type: 'TaskEscalated',
        streamId: 'task-t1',
        data: { taskId: 't1', role: 'RN', escalatedBy: 'ann', reason: 'x', escalatedAt: Z('16:02') },
      },
      {
        type: 'ClinicalHandoffAccepted',
        streamId: 'task-t1',
        data: { taskId: 't1', role: 'RN', acceptedBy: 'rn', acceptedAt: Z('16:10') },
      },
      {
        type: 'CoordinatorTaskFinished',
        streamId: 'coordinator-ann',
        data: { coordinatorId: 'ann', taskId: 't1', finish: 'resolved', finishedAt: Z('16:05') },
      },
    ]);
    const [fact] = simulate(record, { ...period, staffing: { kind: 'recorded' } }).simulated;
    assert.equal(fact!.escalatedAt, Z('16:02'));
    assert.equal(fact!.handoffAcceptedAt, Z('16:10'));
    assert.equal(fact!.slaMet, true);
    assert.equal(fact!.resolvedAt, Z('16:10'));
  });

  it('a policy version with a longer Tier 3 target turns a breach into a met clock', () => {
    const lenient = {
      ...defaultTriagePolicy,
      version: 2,
      sla: { ...defaultTriagePolicy.sla, tier3: { targetMinutes: 120, mode: 'business' as const } },
    };
    const record = simulationRecordOf([
      location,
      { type: 'TriagePolicyChanged', streamId: 'triage_policy-hs', data: { policy: lenient } },
      profile('ann'),
      presence('ann', 'available', '16:00'),
      ...['t1', 't2', 't3', 't4'].map((id) => opened(id, '16:00')),
      ...['t1', 't2', 't3', 't4'].flatMap((id) =>
        session(id, 'ann', '16:00', { responseMin: 0, handleMin: 20, successful: true }),
      ),
    ]);
    const asRecorded = simulate(record, { ...period, staffing: { kind: 'recorded' } });
    const under2 = simulate(record, { ...period, staffing: { kind: 'recorded' }, policyVersion: 2 });
    assert.equal(whatIfReport(asRecorded, period, zoneOf).projected.slaAttainment.overall, 0.75);
    assert.equal(whatIfReport(under2, period, zoneOf).projected.slaAttainment.overall, 1);
    assert.equal(under2.simulated[3]!.slaDueAt, Z('18:00'));
    assert.throws(
      () => simulate(record, { ...period, staffing: { kind: 'recorded' }, policyVersion: 9 }),
      /version 9/,
    );
  });

  it('imported history: judged by the clock Ringback would run, replayed with drawn work, the same for a seed', () => {
    const calls = Array.from({ length: 40 }, (_, i) => ({
      callId: `c${i}`,
      locationId: 'den',
      occurredAt: new Date(ms('16:00') + i * 5 * 60_000).toISOString(),
      outcome: 'missed' as const,
      intent: 'billing' as const,
      firstCallbackAt: new Date(ms('16:00') + i * 5 * 60_000 + 90 * 60_000).toISOString(),
      reachedAt: new Date(ms('16:00') + i * 5 * 60_000 + 90 * 60_000).toISOString(),
      booked: false,
    }));
    const record = simulationRecordOf([
      location,
      { type: 'HistoricalCallsImported', streamId: 'call_import-1', data: { calls } },
    ]);
    const plan = {
      rows: [
        {
          podId: 'pod-a',
          weekdays: [1, 2, 3, 4, 5],
          hours: Array.from({ length: 24 }, (_, h) => (h >= 9 && h < 17 ? 2 : 0)),
        },
      ],
    };
    const a = simulate(record, { ...period, staffing: { kind: 'plan', plan }, seed: 7 });
    const b = simulate(record, { ...period, staffing: { kind: 'plan', plan }, seed: 7 });
    const report = whatIfReport(a, period, zoneOf);
    // Every historical callback came 90 minutes after the call: none made the 60-minute clock.
    assert.equal(report.actual.slaAttainment.overall, 0);
    assert.equal(report.actual.slaDecided, 40);
    assert.deepEqual(a.simulated, b.simulated);
    assert.equal(a.work.sessions.replayed, 0);
    assert.ok(a.work.sessions.drawn >= 40);
    // Two coordinators with six-minute calls keep up with a call every five minutes.
    assert.ok(report.projected.slaAttainment.overall! > 0.9, JSON.stringify(report.projected));
  });
});

describe('staffing plans', () => {
  it('the plan of a recorded day gives back its coordinator-hours', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 8 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (shifts) => {
          // A Monday in Denver; each shift starts on the hour and lasts whole hours (clipped at midnight).
          const day0 = Date.parse('2026-11-30T07:00:00.000Z');
          const record = {
            locations: simulationRecordOf([location]).locations,
            coordinators: shifts.map(([h, len], i) => ({
              coordinatorId: `c${i}`,
              podIds: ['pod-a'],
              languages: ['en'],
              serviceLines: [],
              signedIn: [[day0 + h * 3_600_000, day0 + Math.min(24, h + len) * 3_600_000]] as [
                number,
                number,
              ][],
            })),
          };
          const to = day0 + 24 * 3_600_000;
          const plan = planOfRecord(record, day0, to);
          const recorded = coordinatorHours(record.coordinators, day0, to)['pod-a'];
          const planned = coordinatorHours(coordinatorsOfPlan(plan, record, day0, to), day0, to)['pod-a'];
          assert.equal(planned, recorded);
        },
      ),
      { numRuns: 50 },
    );
  });
});
