import { z } from 'zod';
import type { EventDefinition } from '../registry';

/**
 * Coordinator events (stream `coordinator-<coordinatorId>`, category `coordinator`, produced by the
 * triage service's routing). A coordinator's profile (pods, skills, scheduling authority), presence,
 * the single offer they may hold at a time, and the tasks they work. Times are UTC ISO-8601 with `Z`.
 */

export const COORDINATOR_CATEGORY = 'coordinator';
export const coordinatorStreamId = (coordinatorId: string): string =>
  `${COORDINATOR_CATEGORY}-${coordinatorId}`;

const isoUtc = z.iso.datetime({ offset: false });
const id = z.string().min(1).max(200);

export const presenceSchema = z.enum(['available', 'busy', 'wrap_up', 'away', 'offline']);
export const presenceReasonSchema = z.enum([
  'manual',
  'offer_accepted',
  'task_claimed',
  'task_finished',
  'wrap_up_ended',
]);
export const offerOutcomeSchema = z.enum(['accepted', 'declined', 'expired', 'cancelled']);

export const coordinatorProfileSetV1 = z.object({
  coordinatorId: id,
  name: z.string().min(1).max(200),
  podIds: z.array(id).min(1),
  /** BCP 47 primary language tags, lower case. */
  languages: z.array(z.string().min(2).max(35)).min(1),
  /** Empty: a generalist who serves every service line. */
  serviceLines: z.array(id),
  /** Appointment types the coordinator may book directly. */
  schedulingAuthority: z.array(id),
  /** 1 for the first profile, then +1 per change. */
  version: z.number().int().positive(),
  setBy: id,
  setAt: isoUtc,
});

export const coordinatorPresenceChangedV1 = z.object({
  coordinatorId: id,
  presence: presenceSchema,
  previous: presenceSchema,
  reason: presenceReasonSchema,
  changedBy: id,
  /** With `wrap_up`: when routing makes the coordinator available again. */
  wrapUpUntil: isoUtc.nullable(),
  changedAt: isoUtc,
});

export const coordinatorOfferReservedV1 = z.object({
  coordinatorId: id,
  offerId: id,
  taskId: id,
  expiresAt: isoUtc,
  reservedAt: isoUtc,
});

export const coordinatorOfferReleasedV1 = z.object({
  coordinatorId: id,
  offerId: id,
  taskId: id,
  outcome: offerOutcomeSchema,
  releasedAt: isoUtc,
});

export const coordinatorTaskStartedV1 = z.object({
  coordinatorId: id,
  taskId: id,
  via: z.enum(['offer', 'claim']),
  startedAt: isoUtc,
});

export const coordinatorTaskFinishedV1 = z.object({
  coordinatorId: id,
  taskId: id,
  finish: z.enum(['resolved', 'unreachable', 'requeued']),
  finishedAt: isoUtc,
});

export const coordinatorEventSchemas = {
  CoordinatorProfileSet: coordinatorProfileSetV1,
  CoordinatorPresenceChanged: coordinatorPresenceChangedV1,
  CoordinatorOfferReserved: coordinatorOfferReservedV1,
  CoordinatorOfferReleased: coordinatorOfferReleasedV1,
  CoordinatorTaskStarted: coordinatorTaskStartedV1,
  CoordinatorTaskFinished: coordinatorTaskFinishedV1,
} as const;

export type CoordinatorEventType = keyof typeof coordinatorEventSchemas;

const summaries: Record<CoordinatorEventType, string> = {
  CoordinatorProfileSet:
    "An admin set a coordinator's pods, languages, service lines and scheduling authority",
  CoordinatorPresenceChanged:
    'A coordinator became available, busy, wrap-up, away or offline (by hand, or because of their work)',
  CoordinatorOfferReserved:
    'Routing reserved the coordinator for one task offer until expiresAt (never two at once)',
  CoordinatorOfferReleased: "The coordinator's offer ended: accepted, declined, expired or cancelled",
  CoordinatorTaskStarted: 'The coordinator started working a task (accepted offer or claim)',
  CoordinatorTaskFinished:
    "A task left the coordinator's hands (resolved, unreachable, or requeued for a retry)",
};

export const coordinatorEventDefinitions: EventDefinition[] = (
  Object.keys(coordinatorEventSchemas) as CoordinatorEventType[]
).map((type) => ({
  type,
  category: COORDINATOR_CATEGORY,
  summary: summaries[type],
  producer: 'triage',
  versions: [{ version: 1, schema: coordinatorEventSchemas[type] }],
}));

export type CoordinatorProfileSetV1 = z.infer<typeof coordinatorProfileSetV1>;
