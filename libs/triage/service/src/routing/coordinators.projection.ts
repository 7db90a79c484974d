import { COORDINATOR_CATEGORY, coordinatorEventSchemas } from '@ringback/contracts';
import type { Projection } from '@ringback/platform-core';
import {
  coordinatorDecider,
  type CoordinatorEvent,
  type CoordinatorState,
  type Presence,
} from '@ringback/triage-domain';

export const COORDINATORS_COLLECTION = 'coordinators';

type Registered = Extract<CoordinatorState, { status: 'registered' }>;

/** One coordinator (id = coordinatorId): the aggregate's state plus flat, queryable fields. */
export type CoordinatorDoc = {
  id: string;
  coordinatorId: string;
  presence: Presence;
  podIds: string[];
  /** Epoch ms; null when the coordinator holds no offer. */
  offerExpiresAtMs: number | null;
  /** Epoch ms; set while in wrap-up. */
  wrapUpUntilMs: number | null;
  state: Registered;
  updatedAt: string;
};

/**
 * The `coordinators` read model: every coordinator as the coordinator decider folds its stream. Used
 * by the routing dispatcher (who is free, whose offer or wrap-up is due) and the coordinators API.
 */
export const coordinatorsProjection: Projection = {
  id: 'coordinators',
  version: 1,
  collections: [COORDINATORS_COLLECTION],
  categories: [COORDINATOR_CATEGORY],
  eventTypes: Object.keys(coordinatorEventSchemas),
  async handle(event, position, ctx) {
    const coordinatorId = (event.data as { coordinatorId?: string }).coordinatorId;
    if (!coordinatorId) return [];
    const current = await ctx.get<CoordinatorDoc>(COORDINATORS_COLLECTION, coordinatorId);
    const before: CoordinatorState = current ? current.state : coordinatorDecider.initialState();
    const state = coordinatorDecider.evolve(before, {
      type: event.type,
      data: event.data,
    } as CoordinatorEvent);
    if (state.status !== 'registered') return [];
    const doc: CoordinatorDoc = {
      id: coordinatorId,
      coordinatorId,
      presence: state.presence,
      podIds: [...state.profile.podIds],
      offerExpiresAtMs: state.offer ? Date.parse(state.offer.expiresAt) : null,
      wrapUpUntilMs: state.wrapUpUntil ? Date.parse(state.wrapUpUntil) : null,
      state,
      updatedAt: event.recordedAt,
    };
    return [{ kind: 'upsert', collection: COORDINATORS_COLLECTION, doc, position }];
  },
};
