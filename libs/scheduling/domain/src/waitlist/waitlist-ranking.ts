import type { WaitlistEntryAddedV1 } from '@ringback/contracts';
import { DateTime } from 'luxon';

/** The freed slot a batch is chosen for. */
export interface FreedSlot {
  locationId: string;
  providerId: string;
  start: string;
  appointmentTypeIds: readonly string[];
  /** IANA zone of the location, for the weekday and time-of-day constraints. */
  timezone: string;
}

const WEEKDAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether the slot suits the entry: place, type, provider, and every constraint of the patient. */
export function matches(entry: WaitlistEntryAddedV1, slot: FreedSlot): boolean {
  if (entry.locationId !== slot.locationId) return false;
  if (!slot.appointmentTypeIds.includes(entry.appointmentTypeId)) return false;
  if (entry.providerId && entry.providerId !== slot.providerId) return false;
  const start = Date.parse(slot.start);
  const c = entry.constraints;
  if (c.earliest && start < Date.parse(c.earliest)) return false;
  if (c.latest && start > Date.parse(c.latest)) return false;
  const local = DateTime.fromMillis(start, { zone: slot.timezone });
  if (c.weekdays.length > 0 && !c.weekdays.includes(WEEKDAY[local.weekday - 1]!)) return false;
  if (c.timeOfDay) {
    const m = local.hour * 60 + local.minute;
    if (m < minutes(c.timeOfDay.start) || m >= minutes(c.timeOfDay.end)) return false;
  }
  return true;
}

/**
 * Candidates for a freed slot, best first: clinical priority (1 before 3), then the longest wait,
 * then the entry id for a stable order. Entries in `exclude` (offered this slot before) are left out.
 */
export function rankCandidates(
  entries: readonly WaitlistEntryAddedV1[],
  slot: FreedSlot,
  exclude: ReadonlySet<string> = new Set(),
): WaitlistEntryAddedV1[] {
  return entries
    .filter((e) => !exclude.has(e.entryId) && matches(e, slot))
    .sort(
      (a, b) =>
        a.clinicalPriority - b.clinicalPriority ||
        Date.parse(a.addedAt) - Date.parse(b.addedAt) ||
        (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0),
    );
}

/**
 * The next batch for a freed slot: the best `size` candidates that want the best candidate's
 * appointment type (a batch books one type). Empty when nobody matches.
 */
export function nextBatch(
  entries: readonly WaitlistEntryAddedV1[],
  slot: FreedSlot,
  exclude: ReadonlySet<string>,
  size: number,
): { appointmentTypeId: string; entries: WaitlistEntryAddedV1[] } | null {
  const ranked = rankCandidates(entries, slot, exclude);
  const best = ranked[0];
  if (!best) return null;
  return {
    appointmentTypeId: best.appointmentTypeId,
    entries: ranked.filter((e) => e.appointmentTypeId === best.appointmentTypeId).slice(0, Math.max(1, size)),
  };
}
