/** A coordinator's presence, as the coordinator stream records it (contract `CoordinatorPresenceChanged`). */
export const PRESENCES = ['available', 'busy', 'wrap_up', 'away', 'offline'] as const;
export type Presence = (typeof PRESENCES)[number];
/** What a person may set by hand; `busy` and `wrap_up` follow from the work itself. */
export const MANUAL_PRESENCES: readonly Presence[] = ['available', 'away', 'offline'];
