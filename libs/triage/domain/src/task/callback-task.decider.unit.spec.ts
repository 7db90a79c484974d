import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deciderSpec, DomainError, foldEvents } from '@ringback/kernel';
import {
  callbackTaskDecider,
  statusOf,
  type TaskCommand,
  type TaskEvent,
  type TaskSlaClock,
  type TaskTriage,
} from './callback-task.decider';
import { taskView } from './task-view';

const spec = deciderSpec(callbackTaskDecider);
const taskId = 't-1';
const T = (hhmm: string) => `2026-11-23T${hhmm}:00.000Z`;

const tier2Triage: TaskTriage = {
  tier: 2,
  rule: 'intent:new_patient',
  reasons: ['Stated intent new_patient maps to Tier 2 in the health-system policy.'],
  policyVersion: 1,
  handoff: null,
  crisis: false,
  requiredDocumentation: [],
};
const tier1Triage: TaskTriage = {
  tier: 1,
  rule: 'phrase:chest pain',
  reasons: ['Transcript mentions "chest pain".'],
  policyVersion: 1,
  handoff: { role: 'RN' },
  crisis: false,
  requiredDocumentation: ['handoff_recipient'],
};
const sla2: TaskSlaClock = {
  targetMinutes: 15,
  mode: 'business',
  startedAt: T('18:50'),
  dueAt: T('19:05'),
  calendarVersion: 3,
};
const sla1: TaskSlaClock = {
  targetMinutes: 15,
  mode: 'wall_clock',
  startedAt: T('18:50'),
  dueAt: T('19:05'),
  calendarVersion: 3,
};

const open = (over: Partial<Extract<TaskCommand, { type: 'OpenTask' }>['data']> = {}): TaskCommand => ({
  type: 'OpenTask',
  data: {
    taskId,
    at: T('18:50'),
    locationId: 'aurora',
    regionId: 'west',
    podId: 'pod-mountain',
    callerPhone: '+13035550101',
    callerName: 'Dana Reyes',
    intent: 'new_patient',
    transcript: "Hi, I'd like to book a first visit",
    occurredAt: T('18:50'),
    channel: 'missed_call',
    providerCallId: 'CA1',
    triage: tier2Triage,
    sla: sla2,
    ...over,
  },
});

/** Events as the decider would produce them, for `given`. */
const opened = (over: Parameters<typeof open>[0] = {}): TaskEvent => {
  const e = callbackTaskDecider.decide(open(over), callbackTaskDecider.initialState());
  return e[0]!;
};
const claimed = (coordinatorId = 'c-1', at = T('18:55')): TaskEvent => ({
  type: 'TaskClaimed',
  data: { taskId, coordinatorId, claimedAt: at },
});
const offered = (expiresAt = T('18:53')): TaskEvent => ({
  type: 'TaskOffered',
  data: { taskId, offerId: 'o-1', coordinatorId: 'c-1', offeredAt: T('18:51'), expiresAt },
});
const attempt = (outcome: 'no_answer' | 'reached_booked' | 'wrong_number', n = 1): TaskEvent => ({
  type: 'CallbackAttemptRecorded',
  data: {
    taskId,
    attemptId: `a-${n}`,
    attemptNumber: n,
    coordinatorId: 'c-1',
    outcome,
    successful: outcome === 'reached_booked',
    nextAttemptAt: outcome === 'no_answer' ? T('19:30') : null,
    note: null,
    attemptedAt: T('18:58'),
  },
});
const escalated = (): TaskEvent => ({
  type: 'TaskEscalated',
  data: { taskId, role: 'RN', escalatedBy: 'c-1', reason: null, escalatedAt: T('18:56') },
});
const handoffAccepted = (): TaskEvent => ({
  type: 'ClinicalHandoffAccepted',
  data: { taskId, role: 'RN', acceptedBy: 'rn-7', acceptedAt: T('19:00') },
});
const resolved = (): TaskEvent => ({
  type: 'TaskResolved',
  data: { taskId, resolvedBy: 'c-1', resolution: 'booked', note: null, resolvedAt: T('19:10') },
});
const unreachable = (): TaskEvent => ({
  type: 'TaskMarkedUnreachable',
  data: {
    taskId,
    markedBy: 'c-1',
    followUpChannel: 'sms',
    attemptCount: 1,
    note: null,
    markedAt: T('19:40'),
  },
});

const expectError =
  (code: string) =>
  ({ error, events }: { error?: unknown; events?: TaskEvent[] }) => {
    assert.equal(events, undefined, `expected ${code}, got events ${JSON.stringify(events)}`);
    assert.ok(error instanceof DomainError, String(error));
    assert.equal(error.code, code);
  };
const expectEvents =
  (...types: TaskEvent['type'][]) =>
  ({ error, events }: { error?: unknown; events?: TaskEvent[] }) => {
    assert.equal(error, undefined, String(error instanceof DomainError ? error.code : error));
    assert.deepEqual(
      events!.map((e) => e.type),
      types,
    );
  };

describe('CallbackTask: OpenTask', () => {
  it('opens a task with its triage and SLA clock', () => {
    spec
      .given([])
      .when(open())
      .then(({ events }) => {
        assert.equal(events!.length, 1);
        const e = events![0]!;
        assert.equal(e.type, 'TaskOpened');
        if (e.type !== 'TaskOpened') return;
        assert.equal(e.data.openedAt, T('18:50'));
        assert.equal(e.data.callerPhone, '+13035550101');
        assert.deepEqual(e.data.triage, tier2Triage);
        assert.deepEqual(e.data.sla, sla2);
        assert.equal(e.data.preferredWindow, null);
      });
  });

  it('is idempotent for the same providerCallId and refuses a second open otherwise', () => {
    spec.given([opened()]).when(open()).then(expectEvents());
    spec
      .given([opened()])
      .when(open({ providerCallId: 'CA2' }))
      .then(expectError('task_already_exists'));
  });

  it('validates phone, times and triage consistency', () => {
    spec
      .given([])
      .when(open({ callerPhone: '303-555-0101' }))
      .then(expectError('invalid_phone'));
    spec
      .given([])
      .when(open({ occurredAt: '2026-11-23T11:50:00-07:00' }))
      .then(expectError('invalid_time'));
    spec
      .given([])
      .when(open({ sla: { ...sla2, dueAt: T('18:00') } }))
      .then(expectError('invalid_sla'));
    spec
      .given([])
      .when(open({ preferredWindow: { start: T('20:00'), end: T('19:00') } }))
      .then(expectError('invalid_preferred_window'));
    spec
      .given([])
      .when(open({ triage: { ...tier1Triage, handoff: null } }))
      .then(expectError('invalid_triage'));
  });

  it('commands on a task that does not exist fail with task_not_found', () => {
    spec
      .given([])
      .when({ type: 'Claim', data: { taskId, at: T('18:55'), coordinatorId: 'c-1' } })
      .then(expectError('task_not_found'));
  });

  it('rejects a command addressed to another task', () => {
    spec
      .given([opened()])
      .when({ type: 'Claim', data: { taskId: 'other', at: T('18:55'), coordinatorId: 'c-1' } })
      .then(expectError('task_id_mismatch'));
  });
});

describe('CallbackTask: JoinCall', () => {
  const join = (over: Partial<Extract<TaskCommand, { type: 'JoinCall' }>['data']> = {}): TaskCommand => ({
    type: 'JoinCall',
    data: {
      taskId,
      at: T('19:00'),
      providerCallId: 'CA2',
      channel: 'missed_call',
      occurredAt: T('18:59'),
      ...over,
    },
  });

  it('counts a repeat call and keeps it as an audit entry', () => {
    spec
      .given([opened()])
      .when(join())
      .then(({ events }) => {
        assert.equal(events![0]!.type, 'CallJoinedTask');
        assert.equal((events![0] as Extract<TaskEvent, { type: 'CallJoinedTask' }>).data.callCount, 2);
        assert.equal((events![0] as Extract<TaskEvent, { type: 'CallJoinedTask' }>).data.retriage, null);
      });
  });

  it('is idempotent per providerCallId', () => {
    const first = callbackTaskDecider.decide(join(), foldEvents(callbackTaskDecider, [opened()]));
    spec
      .given([opened(), ...first])
      .when(join())
      .then(expectEvents());
    spec
      .given([opened()])
      .when(join({ providerCallId: 'CA1' }))
      .then(expectEvents());
  });

  it('raises the task to a more urgent triage, never lowers it', () => {
    const up = callbackTaskDecider.decide(
      join({
        transcript: 'now I have chest pain',
        triage: tier1Triage,
        sla: { ...sla1, startedAt: T('18:59'), dueAt: T('19:14') },
      }),
      foldEvents(callbackTaskDecider, [opened()]),
    );
    const state = foldEvents(callbackTaskDecider, [opened(), ...up]);
    assert.equal(state.status === 'open' && state.task.triage.tier, 1);
    assert.equal(state.status === 'open' && state.task.sla.dueAt, T('19:14'));
    spec
      .given([opened({ triage: tier1Triage, sla: sla1 })])
      .when(join({ triage: tier2Triage, sla: sla2 }))
      .then(({ events }) =>
        assert.equal((events![0] as Extract<TaskEvent, { type: 'CallJoinedTask' }>).data.retriage, null),
      );
  });

  it('does not join a closed task', () => {
    spec.given([opened(), claimed(), resolved()]).when(join()).then(expectError('task_not_open'));
  });
});

describe('CallbackTask: offers', () => {
  const offer = (expiresAt = T('18:53'), at = T('18:51')): TaskCommand => ({
    type: 'Offer',
    data: { taskId, at, offerId: 'o-1', coordinatorId: 'c-1', expiresAt },
  });
  const accept = (at = T('18:52'), coordinatorId = 'c-1', offerId = 'o-1'): TaskCommand => ({
    type: 'AcceptOffer',
    data: { taskId, at, offerId, coordinatorId },
  });

  it('Offer: offers an open task, one pending offer at a time, expiry in the future', () => {
    spec.given([opened()]).when(offer()).then(expectEvents('TaskOffered'));
    // The same offer again (a dispatcher retrying or rolling forward) decides nothing; another is refused.
    spec.given([opened(), offered()]).when(offer()).then(expectEvents());
    spec
      .given([opened(), offered()])
      .when({
        type: 'Offer',
        data: { taskId, at: T('18:51'), offerId: 'o-2', coordinatorId: 'c-2', expiresAt: T('18:53') },
      })
      .then(expectError('offer_already_pending'));
    spec
      .given([opened()])
      .when(offer(T('18:50')))
      .then(expectError('invalid_offer_expiry'));
    spec.given([opened(), claimed()]).when(offer()).then(expectError('task_not_open'));
    spec.given([opened(), claimed(), resolved()]).when(offer()).then(expectError('already_resolved'));
  });

  it('AcceptOffer: assigns the task to the offered coordinator before expiry', () => {
    spec.given([opened(), offered()]).when(accept()).then(expectEvents('OfferAccepted'));
    const s = foldEvents(callbackTaskDecider, [
      opened(),
      offered(),
      {
        type: 'OfferAccepted',
        data: { taskId, offerId: 'o-1', coordinatorId: 'c-1', acceptedAt: T('18:52') },
      },
    ]);
    assert.equal(s.status, 'assigned');
    assert.equal(s.status === 'assigned' && s.assigneeId, 'c-1');
    spec
      .given([opened(), offered()])
      .when(accept(T('18:53')))
      .then(expectError('offer_expired'));
    spec
      .given([opened(), offered()])
      .when(accept(T('18:52'), 'c-2'))
      .then(expectError('offer_not_pending'));
    spec
      .given([opened(), offered()])
      .when(accept(T('18:52'), 'c-1', 'o-9'))
      .then(expectError('offer_not_pending'));
    spec.given([opened()]).when(accept()).then(expectError('offer_not_pending'));
  });

  it('DeclineOffer: back to the queue', () => {
    const decline: TaskCommand = {
      type: 'DeclineOffer',
      data: { taskId, at: T('18:52'), offerId: 'o-1', coordinatorId: 'c-1', reason: 'on a call' },
    };
    spec.given([opened(), offered()]).when(decline).then(expectEvents('OfferDeclined'));
    spec.given([opened()]).when(decline).then(expectError('offer_not_pending'));
    const s = foldEvents(callbackTaskDecider, [
      opened(),
      offered(),
      ...callbackTaskDecider.decide(decline, foldEvents(callbackTaskDecider, [opened(), offered()])),
    ]);
    assert.deepEqual(s.status === 'open' && s.offer, null);
  });

  it('ExpireOffer: only once the offer has lapsed', () => {
    const expire = (at: string): TaskCommand => ({
      type: 'ExpireOffer',
      data: { taskId, at, offerId: 'o-1' },
    });
    spec
      .given([opened(), offered()])
      .when(expire(T('18:53')))
      .then(expectEvents('OfferExpired'));
    spec
      .given([opened(), offered()])
      .when(expire(T('18:52')))
      .then(expectError('offer_not_expired'));
    spec
      .given([opened()])
      .when(expire(T('18:53')))
      .then(expectError('offer_not_pending'));
  });
});

describe('CallbackTask: Claim', () => {
  const claim = (coordinatorId = 'c-1', at = T('18:55')): TaskCommand => ({
    type: 'Claim',
    data: { taskId, at, coordinatorId },
  });
  it('claims an open task; re-claim by the assignee is a no-op; others are refused', () => {
    spec.given([opened()]).when(claim()).then(expectEvents('TaskClaimed'));
    spec.given([opened(), claimed()]).when(claim()).then(expectEvents());
    spec.given([opened(), claimed()]).when(claim('c-2')).then(expectError('task_already_assigned'));
    spec.given([opened(), escalated()]).when(claim()).then(expectError('task_not_open'));
    spec.given([opened(), claimed(), resolved()]).when(claim()).then(expectError('already_resolved'));
  });
  it('respects a live offer to someone else, not a lapsed one', () => {
    spec
      .given([opened(), offered()])
      .when(claim('c-2', T('18:52')))
      .then(expectError('offer_pending_for_other'));
    spec
      .given([opened(), offered()])
      .when(claim('c-2', T('18:54')))
      .then(expectEvents('TaskClaimed'));
    spec
      .given([opened(), offered()])
      .when(claim('c-1', T('18:52')))
      .then(expectEvents('TaskClaimed'));
  });
});

describe('CallbackTask: RecordAttempt and the SLA stop rule', () => {
  const record = (
    outcome: Extract<TaskCommand, { type: 'RecordAttempt' }>['data']['outcome'],
    nextAttemptAt: string | null = null,
    coordinatorId = 'c-1',
    at = T('19:00'),
  ): TaskCommand => ({
    type: 'RecordAttempt',
    data: { taskId, at, attemptId: 'a-9', coordinatorId, outcome, nextAttemptAt },
  });

  it('Tier 2: first successful contact stops the clock (met when before dueAt)', () => {
    for (const outcome of ['reached_booked', 'reached_resolved', 'reached_escalated'] as const) {
      spec
        .given([opened(), claimed()])
        .when(record(outcome))
        .then(({ events }) => {
          assert.deepEqual(
            events!.map((e) => e.type),
            ['CallbackAttemptRecorded', 'SlaStopped'],
          );
          const stop = events![1] as Extract<TaskEvent, { type: 'SlaStopped' }>;
          assert.deepEqual(stop.data, {
            taskId,
            tier: 2,
            reason: 'first_contact',
            startedAt: T('18:50'),
            dueAt: T('19:05'),
            stoppedAt: T('19:00'),
            met: true,
          });
        });
    }
    spec
      .given([opened(), claimed()])
      .when(record('reached_booked', null, 'c-1', T('19:06')))
      .then(({ events }) =>
        assert.equal((events![1] as Extract<TaskEvent, { type: 'SlaStopped' }>).data.met, false),
      );
  });

  it('the clock stops once: a second successful contact does not stop it again', () => {
    const stop: TaskEvent = {
      type: 'SlaStopped',
      data: {
        taskId,
        tier: 2,
        reason: 'first_contact',
        startedAt: T('18:50'),
        dueAt: T('19:05'),
        stoppedAt: T('18:58'),
        met: true,
      },
    };
    spec
      .given([opened(), claimed(), attempt('reached_booked'), stop])
      .when(record('reached_resolved'))
      .then(expectEvents('CallbackAttemptRecorded'));
  });

  it('Tier 1: contact does not stop the clock (only the accepted clinical handoff does)', () => {
    spec
      .given([opened({ triage: tier1Triage, sla: sla1 }), claimed()])
      .when(record('reached_escalated'))
      .then(expectEvents('CallbackAttemptRecorded'));
  });

  it('failed outcomes: retryable ones need a later nextAttemptAt, wrong_number takes none', () => {
    for (const outcome of ['no_answer', 'voicemail_left', 'voicemail_full', 'busy'] as const) {
      spec
        .given([opened(), claimed()])
        .when(record(outcome, T('19:30')))
        .then(({ events }) => {
          assert.deepEqual(
            events!.map((e) => e.type),
            ['CallbackAttemptRecorded', 'TaskRequeued'],
          );
          const e = events![0] as Extract<TaskEvent, { type: 'CallbackAttemptRecorded' }>;
          assert.equal(e.data.successful, false);
          assert.equal(e.data.nextAttemptAt, T('19:30'));
          assert.equal(e.data.attemptNumber, 1);
        });
      spec.given([opened(), claimed()]).when(record(outcome)).then(expectError('next_attempt_required'));
      spec
        .given([opened(), claimed()])
        .when(record(outcome, T('18:59')))
        .then(expectError('invalid_next_attempt'));
    }
    spec
      .given([opened(), claimed()])
      .when(record('wrong_number'))
      .then(expectEvents('CallbackAttemptRecorded'));
    spec
      .given([opened(), claimed()])
      .when(record('wrong_number', T('19:30')))
      .then(expectError('unexpected_next_attempt'));
  });

  it('a retry sends the task back to the queue until its time; the next attempt needs a new owner', () => {
    const events = callbackTaskDecider.decide(
      record('no_answer', T('19:30')),
      foldEvents(callbackTaskDecider, [opened(), claimed()]),
    );
    const requeued = events[1] as Extract<TaskEvent, { type: 'TaskRequeued' }>;
    assert.deepEqual(requeued.data, {
      taskId,
      previousAssigneeId: 'c-1',
      reason: 'retry_scheduled',
      availableAt: T('19:30'),
      requeuedAt: T('19:00'),
    });
    const s = foldEvents(callbackTaskDecider, [opened(), claimed(), ...events]);
    assert.equal(statusOf(s), 'open');
    assert.equal(s.status === 'open' && s.task.nextAttemptAt, T('19:30'));
    assert.equal(taskView(s, 'on_track')!.assigneeId, null);
    spec
      .given([opened(), claimed(), ...events])
      .when(record('reached_booked', null, 'c-1', T('19:31')))
      .then(expectError('task_not_assigned'));
  });

  it('the last failure allowed by the retry policy closes the task as unreachable with its follow-up', () => {
    const exhausted: TaskCommand = {
      type: 'RecordAttempt',
      data: {
        taskId,
        at: T('19:00'),
        attemptId: 'a-3',
        coordinatorId: 'c-1',
        outcome: 'busy',
        nextAttemptAt: null,
        retriesExhausted: { followUpChannel: 'sms' },
      },
    };
    spec
      .given([opened(), claimed()])
      .when(exhausted)
      .then(({ events, error }) => {
        assert.equal(error, undefined);
        assert.deepEqual(
          events!.map((e) => e.type),
          ['CallbackAttemptRecorded', 'TaskMarkedUnreachable'],
        );
        const marked = events![1] as Extract<TaskEvent, { type: 'TaskMarkedUnreachable' }>;
        assert.equal(marked.data.followUpChannel, 'sms');
        assert.equal(marked.data.attemptCount, 1);
      });
    // Tier 1 never closes without a clinical handoff.
    spec
      .given([opened({ triage: tier1Triage, sla: sla1 }), claimed()])
      .when(exhausted)
      .then(expectError('clinical_handoff_required'));
    spec
      .given([opened(), claimed()])
      .when({ ...exhausted, data: { ...exhausted.data, outcome: 'wrong_number' } } as TaskCommand)
      .then(expectError('unexpected_retries_exhausted'));
  });

  it('only the assignee records attempts, on a claimed task', () => {
    spec
      .given([opened()])
      .when(record('no_answer', T('19:30')))
      .then(expectError('task_not_assigned'));
    spec
      .given([opened(), claimed()])
      .when(record('no_answer', T('19:30'), 'c-2'))
      .then(expectError('not_assignee'));
    spec
      .given([opened(), claimed(), resolved()])
      .when(record('reached_booked'))
      .then(expectError('already_resolved'));
  });

  it('moves the task to in_progress and numbers attempts', () => {
    const s = foldEvents(callbackTaskDecider, [
      opened(),
      claimed(),
      attempt('no_answer', 1),
      attempt('no_answer', 2),
    ]);
    assert.equal(statusOf(s), 'in_progress');
    assert.equal(s.status !== 'none' && s.task.attemptCount, 2);
  });
});

describe('CallbackTask: Escalate and AcceptHandoff', () => {
  const escalate: TaskCommand = {
    type: 'Escalate',
    data: { taskId, at: T('18:56'), role: 'RN', escalatedBy: 'c-1' },
  };
  const acceptHandoff = (role?: 'RN' | 'MA'): TaskCommand => ({
    type: 'AcceptHandoff',
    data: { taskId, at: T('19:00'), acceptedBy: 'rn-7', ...(role ? { role } : {}) },
  });

  it('escalates from open, assigned or in progress; not twice; not when closed', () => {
    spec.given([opened()]).when(escalate).then(expectEvents('TaskEscalated'));
    spec.given([opened(), claimed()]).when(escalate).then(expectEvents('TaskEscalated'));
    spec
      .given([opened(), claimed(), attempt('no_answer')])
      .when(escalate)
      .then(expectEvents('TaskEscalated'));
    spec.given([opened(), escalated()]).when(escalate).then(expectError('already_escalated'));
    spec.given([opened(), claimed(), resolved()]).when(escalate).then(expectError('already_resolved'));
  });

  it('Tier 1: accepting the handoff stops the clock', () => {
    spec
      .given([opened({ triage: tier1Triage, sla: sla1 }), escalated()])
      .when(acceptHandoff())
      .then(({ events }) => {
        assert.deepEqual(
          events!.map((e) => e.type),
          ['ClinicalHandoffAccepted', 'SlaStopped'],
        );
        const stop = events![1] as Extract<TaskEvent, { type: 'SlaStopped' }>;
        assert.equal(stop.data.reason, 'clinical_handoff_accepted');
        assert.equal(stop.data.met, true);
      });
  });

  it('Tier 2 escalation: handoff accepted, clock untouched', () => {
    spec
      .given([opened(), claimed(), escalated()])
      .when(acceptHandoff())
      .then(expectEvents('ClinicalHandoffAccepted'));
  });

  it('refuses a handoff that is absent, already accepted, or for another role', () => {
    spec.given([opened()]).when(acceptHandoff()).then(expectError('task_not_escalated'));
    spec
      .given([opened(), escalated(), handoffAccepted()])
      .when(acceptHandoff())
      .then(expectError('handoff_already_accepted'));
    spec.given([opened(), escalated()]).when(acceptHandoff('MA')).then(expectError('handoff_role_mismatch'));
  });
});

describe('CallbackTask: Resolve', () => {
  const resolve: TaskCommand = {
    type: 'Resolve',
    data: { taskId, at: T('19:10'), resolvedBy: 'c-1', resolution: 'booked' },
  };
  it('resolves a worked task', () => {
    spec
      .given([opened(), claimed(), attempt('reached_booked')])
      .when(resolve)
      .then(expectEvents('TaskResolved'));
    assert.equal(statusOf(foldEvents(callbackTaskDecider, [opened(), claimed(), resolved()])), 'resolved');
  });
  it('refuses twice', () => {
    spec.given([opened(), claimed(), resolved()]).when(resolve).then(expectError('already_resolved'));
  });
  it('Tier 1 closes only after an accepted clinical handoff', () => {
    const t1 = opened({ triage: tier1Triage, sla: sla1 });
    spec.given([t1, claimed()]).when(resolve).then(expectError('clinical_handoff_required'));
    spec.given([t1, escalated()]).when(resolve).then(expectError('clinical_handoff_required'));
    spec.given([t1, escalated(), handoffAccepted()]).when(resolve).then(expectEvents('TaskResolved'));
  });
  it('an escalated Tier 2 task needs the handoff accepted too', () => {
    spec.given([opened(), claimed(), escalated()]).when(resolve).then(expectError('handoff_not_accepted'));
  });
});

describe('CallbackTask: MarkUnreachable', () => {
  const mark: TaskCommand = {
    type: 'MarkUnreachable',
    data: { taskId, at: T('19:40'), markedBy: 'c-1', followUpChannel: 'letter' },
  };
  it('after failed attempts, with a follow-up channel', () => {
    spec
      .given([opened(), claimed(), attempt('no_answer', 1), attempt('wrong_number', 2)])
      .when(mark)
      .then(({ events }) => {
        const e = events![0] as Extract<TaskEvent, { type: 'TaskMarkedUnreachable' }>;
        assert.equal(e.type, 'TaskMarkedUnreachable');
        assert.equal(e.data.followUpChannel, 'letter');
        assert.equal(e.data.attemptCount, 2);
      });
  });
  it('refuses without attempts, after contact, when closed, and for Tier 1 without handoff', () => {
    spec.given([opened(), claimed()]).when(mark).then(expectError('no_attempts_recorded'));
    spec
      .given([opened(), claimed(), attempt('reached_booked')])
      .when(mark)
      .then(expectError('caller_was_reached'));
    spec
      .given([opened(), claimed(), attempt('no_answer'), unreachable()])
      .when(mark)
      .then(expectError('already_unreachable'));
    spec
      .given([opened({ triage: tier1Triage, sla: sla1 }), claimed(), attempt('no_answer')])
      .when(mark)
      .then(expectError('clinical_handoff_required'));
  });
});

describe('CallbackTask: Reopen (rework)', () => {
  const reopen = (reason = 'booking was for the wrong provider'): TaskCommand => ({
    type: 'Reopen',
    data: { taskId, at: T('20:00'), reopenedBy: 'sup-1', reason },
  });
  it('reopens a resolved or unreachable task back to the queue', () => {
    spec
      .given([opened(), claimed(), resolved()])
      .when(reopen())
      .then(({ events }) => {
        const e = events![0] as Extract<TaskEvent, { type: 'TaskReopened' }>;
        assert.equal(e.data.previousStatus, 'resolved');
        assert.equal(e.data.reopenCount, 1);
      });
    spec
      .given([opened(), claimed(), attempt('no_answer'), unreachable()])
      .when(reopen())
      .then(expectEvents('TaskReopened'));
    const events = [opened(), claimed(), resolved()];
    const s = foldEvents(callbackTaskDecider, [
      ...events,
      ...callbackTaskDecider.decide(reopen(), foldEvents(callbackTaskDecider, events)),
    ]);
    assert.equal(statusOf(s), 'open');
    assert.equal(s.status !== 'none' && s.task.reopenCount, 1);
  });
  it('refuses an open task or an empty reason', () => {
    spec.given([opened()]).when(reopen()).then(expectError('task_not_closed'));
    spec.given([opened(), claimed(), resolved()]).when(reopen('  ')).then(expectError('reason_required'));
  });
  it('a reopened task must be reached again before it can be marked unreachable', () => {
    const history = [opened(), claimed(), attempt('reached_booked'), resolved()];
    const reopened = callbackTaskDecider.decide(reopen(), foldEvents(callbackTaskDecider, history));
    spec
      .given([...history, ...reopened, claimed('c-1', T('20:05'))])
      .when({
        type: 'MarkUnreachable',
        data: { taskId, at: T('20:10'), markedBy: 'c-1', followUpChannel: 'sms' },
      })
      .then(expectError('no_attempts_recorded'));
  });
});

describe('task view', () => {
  it('renders the contract shape', () => {
    const s = foldEvents(callbackTaskDecider, [opened(), claimed()]);
    assert.deepEqual(taskView(s, 'on_track'), {
      taskId,
      locationId: 'aurora',
      regionId: 'west',
      podId: 'pod-mountain',
      status: 'assigned',
      tier: 2,
      intent: 'new_patient',
      callCount: 1,
      sla: { targetMinutes: 15, startedAt: T('18:50'), dueAt: T('19:05'), status: 'on_track' },
      triage: { policyVersion: 1, rule: 'intent:new_patient', reasons: tier2Triage.reasons },
      handoff: null,
      assigneeId: 'c-1',
      attemptCount: 0,
      nextAttemptAt: null,
      offer: null,
      repeatCaller: null,
    });
    assert.equal(taskView(callbackTaskDecider.initialState(), 'on_track'), null);
  });

  it('shows the Tier 1 handoff and whether it was accepted', () => {
    const t1 = opened({ triage: tier1Triage, sla: sla1 });
    assert.deepEqual(taskView(foldEvents(callbackTaskDecider, [t1]), 'at_risk')!.handoff, {
      role: 'RN',
      accepted: false,
    });
    const v = taskView(foldEvents(callbackTaskDecider, [t1, escalated(), handoffAccepted()]), 'met')!;
    assert.deepEqual(v.handoff, { role: 'RN', accepted: true });
    assert.equal(v.status, 'escalated');
    assert.equal(v.sla.status, 'met');
  });
});

describe('CallbackTask: repeat callers across locations', () => {
  const flag = (otherTaskId = 't-9'): TaskCommand => ({
    type: 'FlagRepeatCaller',
    data: { taskId, at: T('19:00'), otherTaskId, otherLocationId: 'lakewood' },
  });
  const flagged: TaskEvent = {
    type: 'RepeatCallerFlagged',
    data: { taskId, otherTaskId: 't-9', otherLocationId: 'lakewood', flaggedAt: T('19:00') },
  };

  it('links another clinic’s task once, never itself, and shows it on the view', () => {
    spec.given([opened()]).when(flag()).then(expectEvents('RepeatCallerFlagged'));
    spec.given([opened(), flagged]).when(flag()).then(expectEvents());
    spec.given([opened()]).when(flag(taskId)).then(expectError('same_task'));
    spec.given([]).when(flag()).then(expectError('task_not_found'));
    const s = foldEvents(callbackTaskDecider, [opened(), flagged]);
    assert.deepEqual(taskView(s, 'on_track')!.repeatCaller, {
      otherTasks: [{ taskId: 't-9', locationId: 'lakewood' }],
    });
    assert.equal(taskView(foldEvents(callbackTaskDecider, [opened()]), 'on_track')!.repeatCaller, null);
  });
});

describe('CallbackTask: withdrawn offers', () => {
  const withdraw = (offerId = 'o-1'): TaskCommand => ({
    type: 'WithdrawOffer',
    data: { taskId, at: T('18:52'), offerId },
  });

  it('withdraws the pending offer of a coordinator who went away; anything else decides nothing', () => {
    spec.given([opened(), offered()]).when(withdraw()).then(expectEvents('OfferWithdrawn'));
    spec.given([opened(), offered()]).when(withdraw('o-other')).then(expectEvents());
    spec.given([opened()]).when(withdraw()).then(expectEvents());
    const events = callbackTaskDecider.decide(
      withdraw(),
      foldEvents(callbackTaskDecider, [opened(), offered()]),
    );
    const s = foldEvents(callbackTaskDecider, [opened(), offered(), ...events]);
    assert.equal(s.status === 'open' && s.offer, null);
  });
});
