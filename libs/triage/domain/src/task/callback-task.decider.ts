import { DomainError, type Decider } from '@ringback/kernel';
import type { HandoffRole, Intent, SlaMode, Tier } from '@ringback/triage-policy';

/**
 * CallbackTask aggregate (stream `task-<taskId>`), Emmett style: `decide(command, state) -> events`
 * and `evolve(state, event) -> state`, both pure. Time and ids arrive in commands; anything that
 * needs a calendar (SLA dueAt, next attempt time) is computed by the caller and passed in.
 *
 * Event payloads mirror `@ringback/contracts` `events/task.events.ts` (v1) field for field. The
 * domain cannot import the contracts library (type:domain may only depend on type:domain), so the
 * payload types are declared here and kept in step with the zod schemas there.
 *
 * Routing rule that does NOT live here: "a coordinator is never offered two tasks at once" spans
 * tasks, so it belongs to a per-coordinator routing aggregate / process manager that issues Offer.
 * This aggregate only guarantees one pending offer per task.
 */

// ---------------------------------------------------------------------------------------------
// Shared value types

export type TaskChannel = 'missed_call' | 'voicemail' | 'callback_request';
export type AttemptOutcome =
  | 'reached_booked'
  | 'reached_resolved'
  | 'reached_escalated'
  | 'no_answer'
  | 'voicemail_left'
  | 'voicemail_full'
  | 'wrong_number'
  | 'busy';
export type TaskResolution = 'booked' | 'resolved' | 'handled_clinically' | 'duplicate' | 'handled_elsewhere';
export type FollowUpChannel = 'sms' | 'letter';
export type TaskStatus = 'open' | 'assigned' | 'in_progress' | 'escalated' | 'resolved' | 'unreachable';

export const SUCCESSFUL_OUTCOMES: readonly AttemptOutcome[] = [
  'reached_booked',
  'reached_resolved',
  'reached_escalated',
];
/** Failed outcomes worth another try; they need a `nextAttemptAt`. `wrong_number` is not retried. */
export const RETRYABLE_OUTCOMES: readonly AttemptOutcome[] = [
  'no_answer',
  'voicemail_left',
  'voicemail_full',
  'busy',
];
export const isSuccessfulOutcome = (o: AttemptOutcome): boolean => SUCCESSFUL_OUTCOMES.includes(o);

/** The triage decision recorded on the task (a `TriageResult` minus the SLA target, which is in `sla`). */
export interface TaskTriage {
  tier: Tier;
  rule: string;
  reasons: string[];
  policyVersion: number;
  handoff: { role: HandoffRole } | null;
  crisis: boolean;
  requiredDocumentation: string[];
}

export interface TaskSlaClock {
  targetMinutes: number;
  mode: SlaMode;
  startedAt: string;
  dueAt: string;
  calendarVersion: number | null;
}

// ---------------------------------------------------------------------------------------------
// Events (payloads = contracts task.events.ts v1)

export type TaskEvent =
  | {
      type: 'TaskOpened';
      data: {
        taskId: string;
        locationId: string;
        regionId: string;
        podId: string;
        channel: TaskChannel;
        providerCallId: string;
        callerPhone: string;
        callerName: string | null;
        intent: Intent | null;
        transcript: string | null;
        language: string | null;
        occurredAt: string;
        preferredWindow: { start: string; end: string } | null;
        triage: TaskTriage;
        sla: TaskSlaClock;
        openedAt: string;
      };
    }
  | {
      type: 'CallJoinedTask';
      data: {
        taskId: string;
        providerCallId: string;
        channel: TaskChannel;
        occurredAt: string;
        transcript: string | null;
        callCount: number;
        retriage: { triage: TaskTriage; sla: TaskSlaClock } | null;
        joinedAt: string;
      };
    }
  | {
      type: 'TaskOffered';
      data: { taskId: string; offerId: string; coordinatorId: string; offeredAt: string; expiresAt: string };
    }
  | {
      type: 'OfferAccepted';
      data: { taskId: string; offerId: string; coordinatorId: string; acceptedAt: string };
    }
  | {
      type: 'OfferDeclined';
      data: {
        taskId: string;
        offerId: string;
        coordinatorId: string;
        reason: string | null;
        declinedAt: string;
      };
    }
  | {
      type: 'OfferExpired';
      data: { taskId: string; offerId: string; coordinatorId: string; expiredAt: string };
    }
  | {
      type: 'OfferWithdrawn';
      data: {
        taskId: string;
        offerId: string;
        coordinatorId: string;
        reason: 'coordinator_unavailable';
        withdrawnAt: string;
      };
    }
  | { type: 'TaskClaimed'; data: { taskId: string; coordinatorId: string; claimedAt: string } }
  | {
      type: 'CallbackAttemptRecorded';
      data: {
        taskId: string;
        attemptId: string;
        attemptNumber: number;
        coordinatorId: string;
        outcome: AttemptOutcome;
        successful: boolean;
        nextAttemptAt: string | null;
        note: string | null;
        attemptedAt: string;
      };
    }
  | {
      type: 'RepeatCallerFlagged';
      data: { taskId: string; otherTaskId: string; otherLocationId: string; flaggedAt: string };
    }
  | {
      type: 'TaskRequeued';
      data: {
        taskId: string;
        previousAssigneeId: string;
        reason: 'retry_scheduled';
        availableAt: string;
        requeuedAt: string;
      };
    }
  | {
      type: 'TaskEscalated';
      data: {
        taskId: string;
        role: HandoffRole;
        escalatedBy: string;
        reason: string | null;
        escalatedAt: string;
      };
    }
  | {
      type: 'ClinicalHandoffAccepted';
      data: { taskId: string; role: HandoffRole; acceptedBy: string; acceptedAt: string };
    }
  | {
      type: 'TaskResolved';
      data: {
        taskId: string;
        resolvedBy: string;
        resolution: TaskResolution;
        note: string | null;
        resolvedAt: string;
      };
    }
  | {
      type: 'TaskMarkedUnreachable';
      data: {
        taskId: string;
        markedBy: string;
        followUpChannel: FollowUpChannel;
        attemptCount: number;
        note: string | null;
        markedAt: string;
      };
    }
  | {
      type: 'TaskReopened';
      data: {
        taskId: string;
        reopenedBy: string;
        reason: string;
        previousStatus: 'resolved' | 'unreachable';
        reopenCount: number;
        reopenedAt: string;
      };
    }
  | {
      type: 'SlaStopped';
      data: {
        taskId: string;
        tier: Tier;
        reason: 'clinical_handoff_accepted' | 'first_contact';
        startedAt: string;
        dueAt: string;
        stoppedAt: string;
        met: boolean;
      };
    };

export type TaskEventType = TaskEvent['type'];
type EventOf<T extends TaskEventType> = Extract<TaskEvent, { type: T }>;

// ---------------------------------------------------------------------------------------------
// Commands

type Cmd<T extends string, D> = { type: T; data: D & { taskId: string; at: string } };

export type OpenTask = Cmd<
  'OpenTask',
  {
    locationId: string;
    regionId: string;
    podId: string;
    callerPhone: string;
    callerName?: string | null;
    intent?: Intent | null;
    transcript?: string | null;
    language?: string | null;
    occurredAt: string;
    preferredWindow?: { start: string; end: string } | null;
    channel: TaskChannel;
    providerCallId: string;
    triage: TaskTriage;
    sla: TaskSlaClock;
  }
>;
export type JoinCall = Cmd<
  'JoinCall',
  {
    providerCallId: string;
    channel: TaskChannel;
    occurredAt: string;
    transcript?: string | null;
    /** Triage of the repeat call; applied only when more urgent (lower tier) than the task's. */
    triage?: TaskTriage | null;
    sla?: TaskSlaClock | null;
  }
>;
export type Offer = Cmd<'Offer', { offerId: string; coordinatorId: string; expiresAt: string }>;
export type AcceptOffer = Cmd<'AcceptOffer', { offerId: string; coordinatorId: string }>;
export type DeclineOffer = Cmd<
  'DeclineOffer',
  { offerId: string; coordinatorId: string; reason?: string | null }
>;
export type ExpireOffer = Cmd<'ExpireOffer', { offerId: string }>;
/** The coordinator's reservation ended before they answered (they went away): the task is free again. */
export type WithdrawOffer = Cmd<'WithdrawOffer', { offerId: string }>;
export type Claim = Cmd<'Claim', { coordinatorId: string }>;
export type RecordAttempt = Cmd<
  'RecordAttempt',
  {
    attemptId: string;
    coordinatorId: string;
    outcome: AttemptOutcome;
    /** Required for retryable failures (computed by the caller with the calendar); null otherwise. */
    nextAttemptAt?: string | null;
    note?: string | null;
    /**
     * Set by the caller when the retry policy has no try left after this failure: the task closes as
     * unreachable with this follow-up instead of going back to the queue (nextAttemptAt stays empty).
     */
    retriesExhausted?: { followUpChannel: FollowUpChannel } | null;
  }
>;
export type Escalate = Cmd<'Escalate', { role: HandoffRole; escalatedBy: string; reason?: string | null }>;
export type AcceptHandoff = Cmd<'AcceptHandoff', { acceptedBy: string; role?: HandoffRole }>;
export type Resolve = Cmd<
  'Resolve',
  { resolvedBy: string; resolution: TaskResolution; note?: string | null }
>;
export type MarkUnreachable = Cmd<
  'MarkUnreachable',
  { markedBy: string; followUpChannel: FollowUpChannel; note?: string | null }
>;
export type Reopen = Cmd<'Reopen', { reopenedBy: string; reason: string }>;
/** Link (never merge) an open task of the same caller at another location. */
export type FlagRepeatCaller = Cmd<'FlagRepeatCaller', { otherTaskId: string; otherLocationId: string }>;

export type TaskCommand =
  | OpenTask
  | JoinCall
  | Offer
  | AcceptOffer
  | DeclineOffer
  | ExpireOffer
  | WithdrawOffer
  | Claim
  | RecordAttempt
  | Escalate
  | AcceptHandoff
  | Resolve
  | MarkUnreachable
  | Reopen
  | FlagRepeatCaller;

// ---------------------------------------------------------------------------------------------
// State

export interface PendingOffer {
  offerId: string;
  coordinatorId: string;
  offeredAt: string;
  expiresAt: string;
}

export interface Escalation {
  role: HandoffRole;
  escalatedBy: string;
  escalatedAt: string;
  /** Set when licensed staff accepted the handoff. */
  acceptedBy: string | null;
  acceptedAt: string | null;
}

/** What every existing task knows, whatever its status. */
export interface TaskCore {
  taskId: string;
  locationId: string;
  regionId: string;
  podId: string;
  callerPhone: string;
  callerName: string | null;
  intent: Intent | null;
  /** Caller's language (BCP 47), when known: routing prefers coordinators who speak it. */
  language: string | null;
  channel: TaskChannel;
  openedAt: string;
  occurredAt: string;
  providerCallIds: string[];
  callCount: number;
  triage: TaskTriage;
  sla: TaskSlaClock & { stoppedAt: string | null; met: boolean | null };
  attemptCount: number;
  /** Someone spoke with the caller (since the last reopen). */
  reached: boolean;
  /** Outcome of the latest attempt since the last reopen. */
  lastOutcome: AttemptOutcome | null;
  nextAttemptAt: string | null;
  escalation: Escalation | null;
  reopenCount: number;
  /** Open tasks of the same caller at other locations, when this one was opened or since. */
  relatedTasks: { taskId: string; locationId: string }[];
}

export type CallbackTaskState =
  | { status: 'none' }
  | { status: 'open'; task: TaskCore; offer: PendingOffer | null }
  | { status: 'assigned'; task: TaskCore; assigneeId: string }
  | { status: 'in_progress'; task: TaskCore; assigneeId: string }
  | { status: 'escalated'; task: TaskCore; assigneeId: string | null; escalation: Escalation }
  | {
      status: 'resolved';
      task: TaskCore;
      resolution: TaskResolution;
      resolvedAt: string;
      assigneeId: string | null;
    }
  | { status: 'unreachable'; task: TaskCore; followUpChannel: FollowUpChannel; markedAt: string };

export type ExistingTask = Exclude<CallbackTaskState, { status: 'none' }>;

// ---------------------------------------------------------------------------------------------
// Guards

const E164 = /^\+[1-9]\d{1,14}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ms = (iso: string): number => Date.parse(iso);

function requireIso(field: string, value: string | null | undefined): void {
  if (value == null || !ISO_UTC.test(value) || Number.isNaN(ms(value)))
    throw new DomainError('invalid_time', `${field} must be a UTC ISO-8601 time ending in Z`, [
      { path: field, message: 'expected UTC ISO-8601' },
    ]);
}

function requireTask(state: CallbackTaskState, taskId: string): ExistingTask {
  if (state.status === 'none') throw new DomainError('task_not_found', `task ${taskId} does not exist`);
  if (state.task.taskId !== taskId)
    throw new DomainError('task_id_mismatch', `command for ${taskId} sent to task ${state.task.taskId}`);
  return state;
}

/** Closed tasks accept nothing but Reopen. */
function requireNotClosed(
  s: ExistingTask,
): asserts s is Exclude<ExistingTask, { status: 'resolved' | 'unreachable' }> {
  if (s.status === 'resolved')
    throw new DomainError('already_resolved', 'the task is resolved; reopen it first');
  if (s.status === 'unreachable')
    throw new DomainError('already_unreachable', 'the task is marked unreachable; reopen it first');
}

function requireAssignee(s: ExistingTask, coordinatorId: string): void {
  const assignee = 'assigneeId' in s ? s.assigneeId : null;
  if (assignee === null) throw new DomainError('task_not_assigned', 'claim the task before working it');
  if (assignee !== coordinatorId)
    throw new DomainError('not_assignee', `the task is assigned to ${assignee}`, [{ assigneeId: assignee }]);
}

function requireOffer(s: ExistingTask, offerId: string, coordinatorId?: string): PendingOffer {
  const offer = s.status === 'open' ? s.offer : null;
  if (
    !offer ||
    offer.offerId !== offerId ||
    (coordinatorId !== undefined && offer.coordinatorId !== coordinatorId)
  )
    throw new DomainError('offer_not_pending', `offer ${offerId} is not pending on this task`);
  return offer;
}

/** Tier-1 tasks close only through licensed staff: the coordinator never closes a clinical concern. */
function requireClinicalHandoffIfTier1(s: ExistingTask, action: string): void {
  const accepted = s.task.escalation?.acceptedAt != null;
  if (s.task.triage.tier === 1 && !accepted)
    throw new DomainError(
      'clinical_handoff_required',
      `a Tier 1 task cannot be ${action} before a clinical handoff is accepted`,
    );
  if (s.status === 'escalated' && !accepted)
    throw new DomainError(
      'handoff_not_accepted',
      `an escalated task cannot be ${action} before the handoff is accepted`,
    );
}

const slaStop = (
  task: TaskCore,
  reason: 'clinical_handoff_accepted' | 'first_contact',
  at: string,
): EventOf<'SlaStopped'> => ({
  type: 'SlaStopped',
  data: {
    taskId: task.taskId,
    tier: task.triage.tier,
    reason,
    startedAt: task.sla.startedAt,
    dueAt: task.sla.dueAt,
    stoppedAt: at,
    met: ms(at) <= ms(task.sla.dueAt),
  },
});

// ---------------------------------------------------------------------------------------------
// decide

export function decide(command: TaskCommand, state: CallbackTaskState): TaskEvent[] {
  const { taskId, at } = command.data;
  requireIso('at', at);

  switch (command.type) {
    case 'OpenTask': {
      const c = command.data;
      if (state.status !== 'none') {
        if (state.task.providerCallIds.includes(c.providerCallId)) return []; // redelivery
        throw new DomainError('task_already_exists', `task ${taskId} already exists`);
      }
      if (!E164.test(c.callerPhone))
        throw new DomainError('invalid_phone', 'callerPhone must be E.164', [
          { path: 'callerPhone', message: 'expected E.164, e.g. +13035550101' },
        ]);
      requireIso('occurredAt', c.occurredAt);
      requireIso('sla.startedAt', c.sla.startedAt);
      requireIso('sla.dueAt', c.sla.dueAt);
      if (ms(c.sla.dueAt) < ms(c.sla.startedAt))
        throw new DomainError('invalid_sla', 'sla.dueAt is before sla.startedAt');
      if (c.preferredWindow) {
        requireIso('preferredWindow.start', c.preferredWindow.start);
        requireIso('preferredWindow.end', c.preferredWindow.end);
        if (ms(c.preferredWindow.end) < ms(c.preferredWindow.start))
          throw new DomainError('invalid_preferred_window', 'preferredWindow ends before it starts');
      }
      if ((c.triage.tier === 1) !== (c.triage.handoff !== null))
        throw new DomainError('invalid_triage', 'a Tier 1 triage names a handoff role, and only Tier 1 does');
      return [
        {
          type: 'TaskOpened',
          data: {
            taskId,
            locationId: c.locationId,
            regionId: c.regionId,
            podId: c.podId,
            channel: c.channel,
            providerCallId: c.providerCallId,
            callerPhone: c.callerPhone,
            callerName: c.callerName ?? null,
            intent: c.intent ?? null,
            transcript: c.transcript ?? null,
            language: c.language ?? null,
            occurredAt: c.occurredAt,
            preferredWindow: c.preferredWindow ?? null,
            triage: c.triage,
            sla: c.sla,
            openedAt: at,
          },
        },
      ];
    }

    case 'JoinCall': {
      const c = command.data;
      const s = requireTask(state, taskId);
      if (s.task.providerCallIds.includes(c.providerCallId)) return []; // redelivery
      if (s.status === 'resolved' || s.status === 'unreachable')
        throw new DomainError('task_not_open', 'a repeat call joins only an open task; open a new one');
      requireIso('occurredAt', c.occurredAt);
      const retriage =
        c.triage && c.sla && c.triage.tier < s.task.triage.tier ? { triage: c.triage, sla: c.sla } : null;
      return [
        {
          type: 'CallJoinedTask',
          data: {
            taskId,
            providerCallId: c.providerCallId,
            channel: c.channel,
            occurredAt: c.occurredAt,
            transcript: c.transcript ?? null,
            callCount: s.task.callCount + 1,
            retriage,
            joinedAt: at,
          },
        },
      ];
    }

    case 'Offer': {
      const c = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      if (s.status !== 'open')
        throw new DomainError('task_not_open', `only an open task is offered (it is ${s.status})`);
      if (s.offer?.offerId === c.offerId && s.offer.coordinatorId === c.coordinatorId) return []; // a retried offer
      if (s.offer)
        throw new DomainError('offer_already_pending', `offer ${s.offer.offerId} is still pending`, [
          { offerId: s.offer.offerId, coordinatorId: s.offer.coordinatorId },
        ]);
      requireIso('expiresAt', c.expiresAt);
      if (ms(c.expiresAt) <= ms(at))
        throw new DomainError('invalid_offer_expiry', 'expiresAt must be after at');
      return [
        {
          type: 'TaskOffered',
          data: {
            taskId,
            offerId: c.offerId,
            coordinatorId: c.coordinatorId,
            offeredAt: at,
            expiresAt: c.expiresAt,
          },
        },
      ];
    }

    case 'AcceptOffer': {
      const c = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      const offer = requireOffer(s, c.offerId, c.coordinatorId);
      if (ms(at) >= ms(offer.expiresAt))
        throw new DomainError('offer_expired', `offer ${offer.offerId} has expired`);
      return [
        {
          type: 'OfferAccepted',
          data: { taskId, offerId: c.offerId, coordinatorId: c.coordinatorId, acceptedAt: at },
        },
      ];
    }

    case 'DeclineOffer': {
      const c = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      requireOffer(s, c.offerId, c.coordinatorId);
      return [
        {
          type: 'OfferDeclined',
          data: {
            taskId,
            offerId: c.offerId,
            coordinatorId: c.coordinatorId,
            reason: c.reason ?? null,
            declinedAt: at,
          },
        },
      ];
    }

    case 'ExpireOffer': {
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      const offer = requireOffer(s, command.data.offerId);
      if (ms(at) < ms(offer.expiresAt))
        throw new DomainError('offer_not_expired', `offer ${offer.offerId} runs until ${offer.expiresAt}`);
      return [
        {
          type: 'OfferExpired',
          data: { taskId, offerId: offer.offerId, coordinatorId: offer.coordinatorId, expiredAt: at },
        },
      ];
    }

    case 'WithdrawOffer': {
      const s = requireTask(state, taskId);
      const offer = s.status === 'open' ? s.offer : null;
      if (!offer || offer.offerId !== command.data.offerId) return []; // answered or lapsed already
      return [
        {
          type: 'OfferWithdrawn',
          data: {
            taskId,
            offerId: offer.offerId,
            coordinatorId: offer.coordinatorId,
            reason: 'coordinator_unavailable',
            withdrawnAt: at,
          },
        },
      ];
    }

    case 'Claim': {
      const { coordinatorId } = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      if (s.status === 'assigned' || s.status === 'in_progress') {
        if (s.assigneeId === coordinatorId) return []; // already theirs
        throw new DomainError('task_already_assigned', `the task is assigned to ${s.assigneeId}`);
      }
      if (s.status !== 'open')
        throw new DomainError('task_not_open', `only an open task is claimed (it is ${s.status})`);
      if (s.offer && s.offer.coordinatorId !== coordinatorId && ms(at) < ms(s.offer.expiresAt))
        throw new DomainError('offer_pending_for_other', `the task is offered to ${s.offer.coordinatorId}`);
      return [{ type: 'TaskClaimed', data: { taskId, coordinatorId, claimedAt: at } }];
    }

    case 'RecordAttempt': {
      const c = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      if (s.status === 'open')
        throw new DomainError('task_not_assigned', 'claim the task before calling back');
      requireAssignee(s, c.coordinatorId);
      const successful = isSuccessfulOutcome(c.outcome);
      const retryable = RETRYABLE_OUTCOMES.includes(c.outcome);
      const nextAttemptAt = c.nextAttemptAt ?? null;
      const exhausted = c.retriesExhausted ?? null;
      if (exhausted && !retryable)
        throw new DomainError('unexpected_retries_exhausted', `${c.outcome} is not a retryable failure`);
      if (retryable && !exhausted) {
        if (nextAttemptAt === null)
          throw new DomainError('next_attempt_required', `${c.outcome} needs nextAttemptAt`, [
            { path: 'nextAttemptAt', message: 'required for a retryable outcome' },
          ]);
        requireIso('nextAttemptAt', nextAttemptAt);
        if (ms(nextAttemptAt) <= ms(at))
          throw new DomainError('invalid_next_attempt', 'nextAttemptAt must be after the attempt');
      } else if (nextAttemptAt !== null) {
        throw new DomainError(
          'unexpected_next_attempt',
          exhausted
            ? 'retries are exhausted; nextAttemptAt must be empty'
            : `${c.outcome} is not retried; nextAttemptAt must be empty`,
        );
      }
      if (exhausted && !s.task.reached) requireClinicalHandoffIfTier1(s, 'marked unreachable');
      const events: TaskEvent[] = [
        {
          type: 'CallbackAttemptRecorded',
          data: {
            taskId,
            attemptId: c.attemptId,
            attemptNumber: s.task.attemptCount + 1,
            coordinatorId: c.coordinatorId,
            outcome: c.outcome,
            successful,
            nextAttemptAt,
            note: c.note ?? null,
            attemptedAt: at,
          },
        },
      ];
      // Tiers 2-3: the clock stops at first successful contact. Tier 1 waits for the clinical handoff.
      if (successful && s.task.triage.tier !== 1 && s.task.sla.stoppedAt === null)
        events.push(slaStop(s.task, 'first_contact', at));
      if (exhausted && !s.task.reached) {
        events.push({
          type: 'TaskMarkedUnreachable',
          data: {
            taskId,
            markedBy: c.coordinatorId,
            followUpChannel: exhausted.followUpChannel,
            attemptCount: s.task.attemptCount + 1,
            note: 'retry policy exhausted',
            markedAt: at,
          },
        });
      } else if (retryable && nextAttemptAt !== null && s.status !== 'escalated') {
        // A retry is routed again at its time, to whoever is free then: the caller leaves this
        // coordinator's hands (a 2-hour or next-morning retry outlives their shift).
        events.push({
          type: 'TaskRequeued',
          data: {
            taskId,
            previousAssigneeId: c.coordinatorId,
            reason: 'retry_scheduled',
            availableAt: nextAttemptAt,
            requeuedAt: at,
          },
        });
      }
      return events;
    }

    case 'Escalate': {
      const c = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      if (s.status === 'escalated')
        throw new DomainError('already_escalated', `already escalated to ${s.escalation.role}`);
      return [
        {
          type: 'TaskEscalated',
          data: {
            taskId,
            role: c.role,
            escalatedBy: c.escalatedBy,
            reason: c.reason ?? null,
            escalatedAt: at,
          },
        },
      ];
    }

    case 'AcceptHandoff': {
      const c = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      if (s.status !== 'escalated')
        throw new DomainError('task_not_escalated', 'there is no handoff to accept');
      if (s.escalation.acceptedAt !== null)
        throw new DomainError('handoff_already_accepted', `accepted by ${s.escalation.acceptedBy}`);
      if (c.role && c.role !== s.escalation.role)
        throw new DomainError(
          'handoff_role_mismatch',
          `the handoff is for ${s.escalation.role}, not ${c.role}`,
        );
      const events: TaskEvent[] = [
        {
          type: 'ClinicalHandoffAccepted',
          data: { taskId, role: s.escalation.role, acceptedBy: c.acceptedBy, acceptedAt: at },
        },
      ];
      if (s.task.triage.tier === 1 && s.task.sla.stoppedAt === null)
        events.push(slaStop(s.task, 'clinical_handoff_accepted', at));
      return events;
    }

    case 'Resolve': {
      const c = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      requireClinicalHandoffIfTier1(s, 'resolved');
      return [
        {
          type: 'TaskResolved',
          data: {
            taskId,
            resolvedBy: c.resolvedBy,
            resolution: c.resolution,
            note: c.note ?? null,
            resolvedAt: at,
          },
        },
      ];
    }

    case 'MarkUnreachable': {
      const c = command.data;
      const s = requireTask(state, taskId);
      requireNotClosed(s);
      if (s.task.reached)
        throw new DomainError('caller_was_reached', 'the caller was reached; resolve the task instead');
      if (s.task.lastOutcome === null)
        throw new DomainError('no_attempts_recorded', 'record at least one failed attempt before giving up');
      requireClinicalHandoffIfTier1(s, 'marked unreachable');
      return [
        {
          type: 'TaskMarkedUnreachable',
          data: {
            taskId,
            markedBy: c.markedBy,
            followUpChannel: c.followUpChannel,
            attemptCount: s.task.attemptCount,
            note: c.note ?? null,
            markedAt: at,
          },
        },
      ];
    }

    case 'FlagRepeatCaller': {
      const c = command.data;
      const s = requireTask(state, taskId);
      if (c.otherTaskId === taskId) throw new DomainError('same_task', 'a task is not a repeat of itself');
      if (s.task.relatedTasks.some((r) => r.taskId === c.otherTaskId)) return [];
      return [
        {
          type: 'RepeatCallerFlagged',
          data: { taskId, otherTaskId: c.otherTaskId, otherLocationId: c.otherLocationId, flaggedAt: at },
        },
      ];
    }

    case 'Reopen': {
      const c = command.data;
      const s = requireTask(state, taskId);
      if (s.status !== 'resolved' && s.status !== 'unreachable')
        throw new DomainError(
          'task_not_closed',
          `only a resolved or unreachable task is reopened (it is ${s.status})`,
        );
      if (c.reason.trim() === '') throw new DomainError('reason_required', 'say why the task is reopened');
      return [
        {
          type: 'TaskReopened',
          data: {
            taskId,
            reopenedBy: c.reopenedBy,
            reason: c.reason,
            previousStatus: s.status,
            reopenCount: s.task.reopenCount + 1,
            reopenedAt: at,
          },
        },
      ];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// evolve

const assigneeOf = (s: ExistingTask): string | null => ('assigneeId' in s ? s.assigneeId : null);

export function evolve(state: CallbackTaskState, event: TaskEvent): CallbackTaskState {
  if (event.type === 'TaskOpened') {
    const d = event.data;
    return {
      status: 'open',
      offer: null,
      task: {
        taskId: d.taskId,
        locationId: d.locationId,
        regionId: d.regionId,
        podId: d.podId,
        callerPhone: d.callerPhone,
        callerName: d.callerName,
        intent: d.intent,
        language: d.language,
        channel: d.channel,
        openedAt: d.openedAt,
        occurredAt: d.occurredAt,
        providerCallIds: [d.providerCallId],
        callCount: 1,
        triage: d.triage,
        sla: { ...d.sla, stoppedAt: null, met: null },
        attemptCount: 0,
        reached: false,
        lastOutcome: null,
        nextAttemptAt: null,
        escalation: null,
        reopenCount: 0,
        relatedTasks: [],
      },
    };
  }
  if (state.status === 'none') return state; // an event without TaskOpened: ignore, never invent a task
  const task = state.task;

  switch (event.type) {
    case 'CallJoinedTask': {
      const d = event.data;
      const next: TaskCore = {
        ...task,
        providerCallIds: [...task.providerCallIds, d.providerCallId],
        callCount: d.callCount,
        ...(d.retriage
          ? { triage: d.retriage.triage, sla: { ...d.retriage.sla, stoppedAt: null, met: null } }
          : {}),
      };
      return { ...state, task: next };
    }
    case 'TaskOffered': {
      if (state.status !== 'open') return state;
      const d = event.data;
      return {
        ...state,
        offer: {
          offerId: d.offerId,
          coordinatorId: d.coordinatorId,
          offeredAt: d.offeredAt,
          expiresAt: d.expiresAt,
        },
      };
    }
    case 'OfferAccepted':
      return { status: 'assigned', task, assigneeId: event.data.coordinatorId };
    case 'OfferDeclined':
    case 'OfferExpired':
    case 'OfferWithdrawn':
      return state.status === 'open' ? { ...state, offer: null } : state;
    case 'TaskClaimed':
      return { status: 'assigned', task, assigneeId: event.data.coordinatorId };
    case 'CallbackAttemptRecorded': {
      const d = event.data;
      const next: TaskCore = {
        ...task,
        attemptCount: d.attemptNumber,
        reached: task.reached || d.successful,
        lastOutcome: d.outcome,
        nextAttemptAt: d.nextAttemptAt,
      };
      if (state.status === 'assigned' || state.status === 'in_progress')
        return { status: 'in_progress', task: next, assigneeId: state.assigneeId };
      return { ...state, task: next };
    }
    case 'TaskRequeued':
      return { status: 'open', task, offer: null };
    case 'RepeatCallerFlagged': {
      const { otherTaskId, otherLocationId } = event.data;
      if (task.relatedTasks.some((r) => r.taskId === otherTaskId)) return state;
      return {
        ...state,
        task: {
          ...task,
          relatedTasks: [...task.relatedTasks, { taskId: otherTaskId, locationId: otherLocationId }],
        },
      };
    }
    case 'TaskEscalated': {
      const d = event.data;
      const escalation: Escalation = {
        role: d.role,
        escalatedBy: d.escalatedBy,
        escalatedAt: d.escalatedAt,
        acceptedBy: null,
        acceptedAt: null,
      };
      return {
        status: 'escalated',
        task: { ...task, escalation },
        assigneeId: assigneeOf(state),
        escalation,
      };
    }
    case 'ClinicalHandoffAccepted': {
      if (state.status !== 'escalated') return state;
      const escalation = {
        ...state.escalation,
        acceptedBy: event.data.acceptedBy,
        acceptedAt: event.data.acceptedAt,
      };
      return { ...state, escalation, task: { ...task, escalation } };
    }
    case 'SlaStopped':
      return {
        ...state,
        task: { ...task, sla: { ...task.sla, stoppedAt: event.data.stoppedAt, met: event.data.met } },
      };
    case 'TaskResolved':
      return {
        status: 'resolved',
        task,
        resolution: event.data.resolution,
        resolvedAt: event.data.resolvedAt,
        assigneeId: assigneeOf(state),
      };
    case 'TaskMarkedUnreachable':
      return {
        status: 'unreachable',
        task,
        followUpChannel: event.data.followUpChannel,
        markedAt: event.data.markedAt,
      };
    case 'TaskReopened':
      // Rework goes back to the queue; the SLA record of the first pass is kept as it was.
      return {
        status: 'open',
        offer: null,
        task: {
          ...task,
          reopenCount: event.data.reopenCount,
          escalation: null,
          nextAttemptAt: null,
          reached: false,
          lastOutcome: null,
        },
      };
  }
}

export const callbackTaskDecider: Decider<CallbackTaskState, TaskCommand, TaskEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};

/** Contract status of a task state (`none` has none). */
export const statusOf = (state: CallbackTaskState): TaskStatus | null =>
  state.status === 'none' ? null : state.status;
