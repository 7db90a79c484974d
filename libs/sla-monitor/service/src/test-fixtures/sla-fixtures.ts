import {
  LOCATION_CONFIGURED,
  locationStreamId,
  ringbackEventRegistry,
  type EventEnvelope,
  type LocationConfiguredData,
  type SlaStoppedV1,
  type TaskOpenedV1,
} from '@ringback/contracts';
import { computeDueAt, clockStart, parseLocationSchedule } from '@ringback/calendar';
import { UuidV7Generator, toIso } from '@ringback/kernel';
import type { EventStore } from '@ringback/platform-core';

const ids = new UuidV7Generator();
const registry = ringbackEventRegistry();

const lunch: [string, string][] = [
  ['08:00', '12:00'],
  ['13:00', '17:00'],
];

/** Aurora: Denver, weekdays 08–12 and 13–17 (a lunch closure), closed Christmas Day. */
export const auroraConfig: LocationConfiguredData = {
  locationId: 'aurora',
  name: 'Aurora Family Medicine',
  regionId: 'west',
  podId: 'pod-mountain',
  timezone: 'America/Denver',
  hours: { mon: lunch, tue: lunch, wed: lunch, thu: lunch, fri: lunch, sat: [], sun: [] },
  holidays: ['2026-12-25'],
  serviceLines: ['primary_care'],
  version: 1,
};

export const auroraSchedule = parseLocationSchedule({
  timezone: auroraConfig.timezone,
  hours: auroraConfig.hours,
  holidays: auroraConfig.holidays,
});

function envelope<T>(
  type: string,
  streamId: string,
  occurredAt: string,
  locationId: string,
  data: T,
): EventEnvelope {
  return registry.validate({
    eventId: ids.next(Date.parse(occurredAt)),
    type,
    schemaVersion: 1,
    streamId,
    occurredAt,
    recordedAt: occurredAt,
    correlationId: `corr-${streamId}`,
    causationId: null,
    locationId,
    traceparent: null,
    data,
  });
}

/** Stores the Aurora configuration (version 1) on `location-aurora`. */
export async function configureAurora(store: EventStore, config = auroraConfig): Promise<void> {
  await store.appendToStream(
    locationStreamId(config.locationId),
    [
      envelope(
        LOCATION_CONFIGURED,
        locationStreamId(config.locationId),
        '2026-11-01T00:00:00.000Z',
        config.locationId,
        config,
      ),
    ],
    { expectedRevision: 'any' },
  );
}

export interface TaskSpec {
  taskId: string;
  tier: 1 | 2 | 3;
  /** ISO-8601 with offset. */
  occurredAt: string;
  preferredWindowStart?: string;
  locationId?: string;
}

const TARGETS = { 1: 15, 2: 15, 3: 60 } as const;

/** A TaskOpened valid per the task contract, with the clock computed as triage would (calendar). */
export function taskOpened(spec: TaskSpec): EventEnvelope<'TaskOpened', TaskOpenedV1> {
  const startedAt = clockStart(spec.occurredAt, spec.preferredWindowStart ?? null);
  const mode = spec.tier === 1 ? 'wall_clock' : 'business';
  const targetMinutes = TARGETS[spec.tier];
  const dueAt =
    mode === 'wall_clock'
      ? computeDueAt({ mode, startedAt, targetMinutes })
      : computeDueAt({ mode, schedule: auroraSchedule, startedAt, targetMinutes });
  const occurredAt = toIso(Date.parse(spec.occurredAt));
  const locationId = spec.locationId ?? 'aurora';
  const data: TaskOpenedV1 = {
    taskId: spec.taskId,
    locationId,
    regionId: 'west',
    podId: 'pod-mountain',
    channel: 'missed_call',
    providerCallId: `CA-${spec.taskId}`,
    callerPhone: '+13035550101',
    callerName: null,
    intent: spec.tier === 1 ? 'urgent_symptom' : spec.tier === 2 ? 'new_patient' : 'billing',
    transcript: null,
    language: null,
    occurredAt,
    preferredWindow: spec.preferredWindowStart
      ? {
          start: toIso(Date.parse(spec.preferredWindowStart)),
          end: toIso(Date.parse(spec.preferredWindowStart) + 3_600_000),
        }
      : null,
    triage: {
      tier: spec.tier,
      rule: spec.tier === 1 ? 'intent:urgent_symptom' : 'intent:new_patient',
      reasons: ['test'],
      policyVersion: 1,
      handoff: spec.tier === 1 ? { role: 'RN' } : null,
      crisis: false,
      requiredDocumentation: [],
    },
    sla: { targetMinutes, mode, startedAt: toIso(startedAt), dueAt: toIso(dueAt), calendarVersion: 1 },
    openedAt: occurredAt,
  };
  return envelope('TaskOpened', `task-${spec.taskId}`, occurredAt, locationId, data) as EventEnvelope<
    'TaskOpened',
    TaskOpenedV1
  >;
}

/** The task's SlaStopped (first successful contact, or accepted clinical handoff for Tier 1). */
export function slaStopped(
  opened: EventEnvelope<'TaskOpened', TaskOpenedV1>,
  stoppedAt: string,
): EventEnvelope {
  const { taskId, triage, sla, locationId } = opened.data;
  const data: SlaStoppedV1 = {
    taskId,
    tier: triage.tier,
    reason: triage.tier === 1 ? 'clinical_handoff_accepted' : 'first_contact',
    startedAt: sla.startedAt,
    dueAt: sla.dueAt,
    stoppedAt: toIso(Date.parse(stoppedAt)),
    met: Date.parse(stoppedAt) <= Date.parse(sla.dueAt),
  };
  return envelope('SlaStopped', `task-${taskId}`, data.stoppedAt, locationId, data);
}

/** Appends task events to their task streams. */
export async function appendTaskEvents(store: EventStore, ...events: EventEnvelope[]): Promise<void> {
  for (const e of events) await store.appendToStream(e.streamId, [e], { expectedRevision: 'any' });
}

/** Types of the events of `sla-<taskId>`, in order. */
export async function slaStreamTypes(store: EventStore, taskId: string): Promise<string[]> {
  return (await store.readStream(`sla-${taskId}`)).map((r) => r.envelope.type);
}
