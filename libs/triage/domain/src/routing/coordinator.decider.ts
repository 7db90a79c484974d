import { DomainError, type Decider } from '@ringback/kernel';
import { MANUAL_PRESENCES, type Presence } from '@ringback/triage-policy';

/**
 * Coordinator aggregate (stream `coordinator-<coordinatorId>`): a coordinator's profile (pods,
 * skills, scheduling authority), presence, the one offer they may hold, and the tasks they work.
 *
 * It is the lock behind the routing rule "a coordinator is never offered two tasks at once": routing
 * reserves the coordinator here first (optimistic concurrency on this stream) and only then offers
 * the task, so two dispatchers racing for one coordinator cannot both win. A reservation carries its
 * expiry, so a dispatcher that dies between the two appends leaves a lock that lapses by itself.
 *
 * Payloads mirror `@ringback/contracts` `events/coordinator.events.ts` (v1) field for field.
 */

export type PresenceReason = 'manual' | 'offer_accepted' | 'task_claimed' | 'task_finished' | 'wrap_up_ended';
export type OfferOutcome = 'accepted' | 'declined' | 'expired' | 'cancelled';
export type TaskFinish = 'resolved' | 'unreachable' | 'requeued';

export interface CoordinatorProfile {
  name: string;
  /** Pods the coordinator works in: they serve the locations whose `podId` is one of these. */
  podIds: string[];
  /** Languages spoken (BCP 47 primary tags, e.g. `en`, `es`). */
  languages: string[];
  /** Service lines served; empty: a generalist who takes any. */
  serviceLines: string[];
  /** Appointment types the coordinator may book directly (scheduling authority). */
  schedulingAuthority: string[];
}

export type CoordinatorEvent =
  | {
      type: 'CoordinatorProfileSet';
      data: CoordinatorProfile & { coordinatorId: string; version: number; setBy: string; setAt: string };
    }
  | {
      type: 'CoordinatorPresenceChanged';
      data: {
        coordinatorId: string;
        presence: Presence;
        previous: Presence;
        reason: PresenceReason;
        changedBy: string;
        /** Set with `wrap_up`: when routing may make the coordinator available again. */
        wrapUpUntil: string | null;
        changedAt: string;
      };
    }
  | {
      type: 'CoordinatorOfferReserved';
      data: { coordinatorId: string; offerId: string; taskId: string; expiresAt: string; reservedAt: string };
    }
  | {
      type: 'CoordinatorOfferReleased';
      data: {
        coordinatorId: string;
        offerId: string;
        taskId: string;
        outcome: OfferOutcome;
        releasedAt: string;
      };
    }
  | {
      type: 'CoordinatorTaskStarted';
      data: { coordinatorId: string; taskId: string; via: 'offer' | 'claim'; startedAt: string };
    }
  | {
      type: 'CoordinatorTaskFinished';
      data: { coordinatorId: string; taskId: string; finish: TaskFinish; finishedAt: string };
    };

type Cmd<T extends string, D> = { type: T; data: D & { coordinatorId: string; at: string } };

export type SetProfile = Cmd<'SetProfile', CoordinatorProfile & { setBy: string }>;
export type ChangePresence = Cmd<'ChangePresence', { presence: Presence; changedBy: string }>;
export type ReserveOffer = Cmd<'ReserveOffer', { offerId: string; taskId: string; expiresAt: string }>;
/** Idempotent: releasing an offer the coordinator no longer holds decides nothing. */
export type ReleaseOffer = Cmd<'ReleaseOffer', { offerId: string; outcome: OfferOutcome }>;
/** The coordinator took a task from the queue (claim); offers reach this through ReleaseOffer. */
export type StartTask = Cmd<'StartTask', { taskId: string }>;
export type FinishTask = Cmd<'FinishTask', { taskId: string; finish: TaskFinish; wrapUpSeconds: number }>;
export type EndWrapUp = Cmd<'EndWrapUp', Record<never, never>>;

export type CoordinatorCommand =
  SetProfile | ChangePresence | ReserveOffer | ReleaseOffer | StartTask | FinishTask | EndWrapUp;

export interface HeldOffer {
  offerId: string;
  taskId: string;
  expiresAt: string;
}

export type CoordinatorState =
  | { status: 'unknown' }
  | {
      status: 'registered';
      coordinatorId: string;
      version: number;
      profile: CoordinatorProfile;
      presence: Presence;
      /** When the current presence began: longest-idle coordinators are offered first. */
      presenceSince: string;
      wrapUpUntil: string | null;
      offer: HeldOffer | null;
      activeTaskIds: string[];
    };

type Registered = Extract<CoordinatorState, { status: 'registered' }>;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ms = (iso: string): number => Date.parse(iso);

function requireIso(field: string, value: string): void {
  if (!ISO_UTC.test(value) || Number.isNaN(ms(value)))
    throw new DomainError('invalid_time', `${field} must be a UTC ISO-8601 time ending in Z`, [
      { path: field, message: 'expected UTC ISO-8601' },
    ]);
}

function requireRegistered(state: CoordinatorState, coordinatorId: string): Registered {
  if (state.status === 'unknown')
    throw new DomainError('coordinator_not_found', `coordinator ${coordinatorId} has no profile`);
  return state;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

const presenceChange = (
  s: Registered,
  presence: Presence,
  reason: PresenceReason,
  changedBy: string,
  at: string,
  wrapUpUntil: string | null = null,
): CoordinatorEvent => ({
  type: 'CoordinatorPresenceChanged',
  data: {
    coordinatorId: s.coordinatorId,
    presence,
    previous: s.presence,
    reason,
    changedBy,
    wrapUpUntil,
    changedAt: at,
  },
});

/** Going to work on a task: `busy`, unless the coordinator is already busy. */
const busyFor = (s: Registered, reason: PresenceReason, at: string): CoordinatorEvent[] =>
  s.presence === 'busy' ? [] : [presenceChange(s, 'busy', reason, s.coordinatorId, at)];

export function decide(command: CoordinatorCommand, state: CoordinatorState): CoordinatorEvent[] {
  const { coordinatorId, at } = command.data;
  requireIso('at', at);
  if (state.status === 'registered' && state.coordinatorId !== coordinatorId)
    throw new DomainError(
      'coordinator_id_mismatch',
      `command for ${coordinatorId} sent to ${state.coordinatorId}`,
    );

  switch (command.type) {
    case 'SetProfile': {
      const c = command.data;
      if (c.name.trim() === '') throw new DomainError('name_required', 'a coordinator needs a name');
      if (c.podIds.length === 0)
        throw new DomainError('pods_required', 'a coordinator works in at least one pod', [
          { path: 'podIds', message: 'at least one pod' },
        ]);
      if (c.languages.length === 0)
        throw new DomainError('languages_required', 'a coordinator speaks at least one language', [
          { path: 'languages', message: 'at least one language' },
        ]);
      const profile: CoordinatorProfile = {
        name: c.name,
        podIds: [...new Set(c.podIds)],
        languages: [...new Set(c.languages.map((l) => l.toLowerCase()))],
        serviceLines: [...new Set(c.serviceLines)],
        schedulingAuthority: [...new Set(c.schedulingAuthority)],
      };
      if (state.status === 'registered') {
        const p = state.profile;
        if (
          p.name === profile.name &&
          sameSet(p.podIds, profile.podIds) &&
          sameSet(p.languages, profile.languages) &&
          sameSet(p.serviceLines, profile.serviceLines) &&
          sameSet(p.schedulingAuthority, profile.schedulingAuthority)
        )
          return [];
      }
      const version = state.status === 'registered' ? state.version + 1 : 1;
      return [
        {
          type: 'CoordinatorProfileSet',
          data: { coordinatorId, ...profile, version, setBy: c.setBy, setAt: at },
        },
      ];
    }

    case 'ChangePresence': {
      const s = requireRegistered(state, coordinatorId);
      const { presence, changedBy } = command.data;
      if (!MANUAL_PRESENCES.includes(presence))
        throw new DomainError(
          'presence_not_manual',
          `${presence} follows from the work; set one of ${MANUAL_PRESENCES.join(', ')}`,
        );
      if (s.presence === presence) return [];
      const events: CoordinatorEvent[] = [];
      // Leaving for a break drops a pending offer now rather than letting it ring out.
      if (presence !== 'available' && s.offer)
        events.push({
          type: 'CoordinatorOfferReleased',
          data: {
            coordinatorId,
            offerId: s.offer.offerId,
            taskId: s.offer.taskId,
            outcome: 'cancelled',
            releasedAt: at,
          },
        });
      events.push(presenceChange(s, presence, 'manual', changedBy, at));
      return events;
    }

    case 'ReserveOffer': {
      const s = requireRegistered(state, coordinatorId);
      const c = command.data;
      requireIso('expiresAt', c.expiresAt);
      if (ms(c.expiresAt) <= ms(at))
        throw new DomainError('invalid_offer_expiry', 'expiresAt must be after at');
      if (s.offer) {
        if (s.offer.offerId === c.offerId) return []; // a retried reservation
        throw new DomainError('coordinator_has_offer', `offer ${s.offer.offerId} is still pending`, [
          { offerId: s.offer.offerId, taskId: s.offer.taskId },
        ]);
      }
      if (s.presence !== 'available')
        throw new DomainError('coordinator_not_available', `the coordinator is ${s.presence}`);
      return [
        {
          type: 'CoordinatorOfferReserved',
          data: {
            coordinatorId,
            offerId: c.offerId,
            taskId: c.taskId,
            expiresAt: c.expiresAt,
            reservedAt: at,
          },
        },
      ];
    }

    case 'ReleaseOffer': {
      const s = requireRegistered(state, coordinatorId);
      const c = command.data;
      if (!s.offer || s.offer.offerId !== c.offerId) return [];
      const events: CoordinatorEvent[] = [
        {
          type: 'CoordinatorOfferReleased',
          data: {
            coordinatorId,
            offerId: c.offerId,
            taskId: s.offer.taskId,
            outcome: c.outcome,
            releasedAt: at,
          },
        },
      ];
      if (c.outcome === 'accepted') {
        if (!s.activeTaskIds.includes(s.offer.taskId))
          events.push({
            type: 'CoordinatorTaskStarted',
            data: { coordinatorId, taskId: s.offer.taskId, via: 'offer', startedAt: at },
          });
        events.push(...busyFor(s, 'offer_accepted', at));
      }
      return events;
    }

    case 'StartTask': {
      const s = requireRegistered(state, coordinatorId);
      const { taskId } = command.data;
      if (s.activeTaskIds.includes(taskId)) return [];
      return [
        { type: 'CoordinatorTaskStarted', data: { coordinatorId, taskId, via: 'claim', startedAt: at } },
        ...busyFor(s, 'task_claimed', at),
      ];
    }

    case 'FinishTask': {
      const s = requireRegistered(state, coordinatorId);
      const c = command.data;
      if (!s.activeTaskIds.includes(c.taskId)) return [];
      if (!Number.isInteger(c.wrapUpSeconds) || c.wrapUpSeconds < 0)
        throw new DomainError('invalid_wrap_up', 'wrapUpSeconds is a whole number of seconds >= 0');
      const events: CoordinatorEvent[] = [
        {
          type: 'CoordinatorTaskFinished',
          data: { coordinatorId, taskId: c.taskId, finish: c.finish, finishedAt: at },
        },
      ];
      const othersLeft = s.activeTaskIds.length > 1;
      if (!othersLeft && s.presence === 'busy') {
        const until = new Date(ms(at) + c.wrapUpSeconds * 1000).toISOString();
        events.push(
          c.wrapUpSeconds === 0
            ? presenceChange(s, 'available', 'task_finished', coordinatorId, at)
            : presenceChange(s, 'wrap_up', 'task_finished', coordinatorId, at, until),
        );
      }
      return events;
    }

    case 'EndWrapUp': {
      const s = requireRegistered(state, coordinatorId);
      if (s.presence !== 'wrap_up' || s.wrapUpUntil === null) return [];
      if (ms(at) < ms(s.wrapUpUntil)) return [];
      return [presenceChange(s, 'available', 'wrap_up_ended', coordinatorId, at)];
    }
  }
}

export function evolve(state: CoordinatorState, event: CoordinatorEvent): CoordinatorState {
  if (event.type === 'CoordinatorProfileSet') {
    const { coordinatorId, version, setBy: _by, setAt, ...profile } = event.data;
    if (state.status === 'registered') return { ...state, version, profile };
    return {
      status: 'registered',
      coordinatorId,
      version,
      profile,
      // New coordinators start signed out: they say when they are ready.
      presence: 'offline',
      presenceSince: setAt,
      wrapUpUntil: null,
      offer: null,
      activeTaskIds: [],
    };
  }
  if (state.status === 'unknown') return state;
  switch (event.type) {
    case 'CoordinatorPresenceChanged':
      return {
        ...state,
        presence: event.data.presence,
        presenceSince: event.data.changedAt,
        wrapUpUntil: event.data.wrapUpUntil,
      };
    case 'CoordinatorOfferReserved':
      return {
        ...state,
        offer: { offerId: event.data.offerId, taskId: event.data.taskId, expiresAt: event.data.expiresAt },
      };
    case 'CoordinatorOfferReleased':
      return state.offer?.offerId === event.data.offerId ? { ...state, offer: null } : state;
    case 'CoordinatorTaskStarted':
      return state.activeTaskIds.includes(event.data.taskId)
        ? state
        : { ...state, activeTaskIds: [...state.activeTaskIds, event.data.taskId] };
    case 'CoordinatorTaskFinished':
      return { ...state, activeTaskIds: state.activeTaskIds.filter((t) => t !== event.data.taskId) };
  }
}

export const coordinatorDecider: Decider<CoordinatorState, CoordinatorCommand, CoordinatorEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'unknown' }),
};
