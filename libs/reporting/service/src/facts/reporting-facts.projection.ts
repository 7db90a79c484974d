import {
  LOCATION_CATEGORY,
  LOCATION_CONFIGURED,
  SLA_CATEGORY,
  SLOT_CATEGORY,
  CALL_IMPORT_CATEGORY,
  type AnsweredCallRecorded,
  type HistoricalCallsImportedV1,
  type InboundContactRecorded,
  type LocationConfiguredData,
  type SlotBookedV1,
} from '@ringback/contracts';
import type { Projection, ReadModelDoc, ReadModelOp } from '@ringback/platform-core';
import {
  contactCounters,
  counterDelta,
  factsOfHistoricalCall,
  evolveAppointmentFact,
  evolveTaskFact,
  taskCounters,
  type AppointmentFact,
  type ContactFact,
  type DailyCounts,
  type TaskFact,
  type TaskFactEvent,
} from '@ringback/reporting-domain';

export const REPORTING_TASKS = 'reporting_tasks';
export const REPORTING_CONTACTS = 'reporting_contacts';
export const REPORTING_APPOINTMENTS = 'reporting_appointments';
export const REPORTING_LOCATIONS = 'reporting_locations';
/** Running counts per location and local day (today's gauges read these, not the facts). */
export const REPORTING_DAILY_COUNTS = 'reporting_daily_counts';

export const dailyCountsId = (locationId: string, day: string) => `${locationId}|${day}`;
export type DailyCountsDoc = DailyCounts & { id: string; [field: string]: unknown };

export type TaskFactDoc = TaskFact & { id: string; [field: string]: unknown };
export type ContactFactDoc = ContactFact & { id: string; [field: string]: unknown };
export type AppointmentFactDoc = AppointmentFact & { id: string; [field: string]: unknown };
export type ReportingLocationDoc = {
  [field: string]: unknown;
  id: string;
  locationId: string;
  regionId: string;
  podId: string;
  timezone: string;
  name: string;
};

const TASK_EVENTS = new Set([
  'TaskOpened',
  'CallJoinedTask',
  'CallbackAttemptRecorded',
  'TaskEscalated',
  'ClinicalHandoffAccepted',
  'TaskResolved',
  'TaskMarkedUnreachable',
  'TaskReopened',
  'SlaStopped',
  'SlaBreached',
]);

/** Whether an event came from a historical call-log import (its metadata says so). */
const importedOf = (correlationId: string): boolean => correlationId.startsWith('import:');

/**
 * The reporting facts (tasks, calls, appointments) and the locations they are sliced by, folded
 * from the contract events by event time. Deterministic in the events alone, so rebuilding from zero
 * gives exactly the incremental result.
 */
export const reportingFactsProjection: Projection = {
  id: 'reporting-facts',
  version: 3,
  collections: [
    REPORTING_TASKS,
    REPORTING_CONTACTS,
    REPORTING_APPOINTMENTS,
    REPORTING_LOCATIONS,
    REPORTING_DAILY_COUNTS,
  ],
  categories: ['task', SLA_CATEGORY, 'call', SLOT_CATEGORY, LOCATION_CATEGORY, CALL_IMPORT_CATEGORY],
  async handle(event, position, ctx) {
    const up = <T extends { id: string }>(collection: string, doc: T): ReadModelOp => ({
      kind: 'upsert',
      collection,
      doc: doc as unknown as ReadModelDoc,
      position,
    });
    if (event.type === LOCATION_CONFIGURED) {
      const d = event.data as LocationConfiguredData;
      return [
        up(REPORTING_LOCATIONS, {
          id: d.locationId,
          locationId: d.locationId,
          regionId: d.regionId,
          podId: d.podId,
          timezone: d.timezone,
          name: d.name,
        }),
      ];
    }
    /**
     * The daily-count ops of a fact's change: each location's counts are kept on its local day, so a
     * call of a location not configured yet (no time zone) is counted by no gauge: a location is
     * configured before its calls come in.
     */
    const counted = async <F extends ContactFact | TaskFact>(
      locationId: string,
      before: F | null,
      after: F | null,
      countersOf: (fact: F, zone: string) => { day: string; counters: string[] } | null,
    ): Promise<ReadModelOp[]> => {
      const zone = (await ctx.get<ReportingLocationDoc>(REPORTING_LOCATIONS, locationId))?.timezone;
      if (!zone) return [];
      const changes = counterDelta(
        before ? countersOf(before, zone) : null,
        after ? countersOf(after, zone) : null,
      );
      const docs = new Map<string, DailyCountsDoc>();
      for (const { day, counter, by } of changes) {
        const id = dailyCountsId(locationId, day);
        const doc = docs.get(id) ??
          (await ctx.get<DailyCountsDoc>(REPORTING_DAILY_COUNTS, id)) ?? { id, locationId, day, counts: {} };
        const n = (doc.counts[counter] ?? 0) + by;
        if (n === 0) delete doc.counts[counter];
        else doc.counts[counter] = n;
        docs.set(id, doc);
      }
      return [...docs.values()].map((doc) => up(REPORTING_DAILY_COUNTS, doc));
    };
    if (event.type === 'InboundContactRecorded' || event.type === 'AnsweredCallRecorded') {
      const answered = event.type === 'AnsweredCallRecorded';
      const d = event.data as InboundContactRecorded & AnsweredCallRecorded;
      const fact: ContactFactDoc = {
        id: d.providerCallId,
        contactId: d.providerCallId,
        locationId: d.locationId,
        occurredAt: event.occurredAt,
        kind: answered ? 'answered' : d.channel,
        taskId: answered ? null : d.taskId,
        intent: answered ? null : d.intent,
        imported: importedOf(event.correlationId),
      };
      const before = await ctx.get<ContactFactDoc>(REPORTING_CONTACTS, fact.id);
      return [up(REPORTING_CONTACTS, fact), ...(await counted(d.locationId, before, fact, contactCounters))];
    }
    if (event.type === 'HistoricalCallsImported') {
      // Imported history: a call is known by location and call id, so a second import of it overwrites.
      const imported: ReadModelOp[] = [];
      for (const call of (event.data as HistoricalCallsImportedV1).calls) {
        const location = await ctx.get<ReportingLocationDoc>(REPORTING_LOCATIONS, call.locationId);
        const facts = factsOfHistoricalCall(call, {
          regionId: location?.regionId ?? 'unknown',
          podId: location?.podId ?? 'unknown',
        });
        imported.push(up(REPORTING_CONTACTS, { id: facts.contact.contactId, ...facts.contact }));
        if (facts.task) imported.push(up(REPORTING_TASKS, { id: facts.task.taskId, ...facts.task }));
      }
      return imported;
    }
    const ops: ReadModelOp[] = [];
    if (
      event.type === 'SlotBooked' ||
      event.type === 'BookingCancelled' ||
      event.type === 'AttendanceRecorded'
    ) {
      const appointmentId = (event.data as { appointmentId: string }).appointmentId;
      const before = await ctx.get<AppointmentFactDoc>(REPORTING_APPOINTMENTS, appointmentId);
      const after = evolveAppointmentFact(before, { type: event.type, data: event.data } as Parameters<
        typeof evolveAppointmentFact
      >[1]);
      if (after) ops.push(up(REPORTING_APPOINTMENTS, { id: appointmentId, ...after }));
    }
    const taskId =
      event.type === 'SlotBooked'
        ? (event.data as SlotBookedV1).taskId
        : TASK_EVENTS.has(event.type)
          ? (event.data as { taskId: string }).taskId
          : null;
    if (taskId) {
      const before = await ctx.get<TaskFactDoc>(REPORTING_TASKS, taskId);
      const after = evolveTaskFact(
        before,
        { type: event.type, data: event.data } as TaskFactEvent,
        importedOf(event.correlationId),
      );
      if (after) {
        ops.push(up(REPORTING_TASKS, { id: taskId, ...after }));
        ops.push(...(await counted(after.locationId, before, after, taskCounters)));
      }
    }
    return ops;
  },
};

export const reportingProjections: readonly Projection[] = [reportingFactsProjection];
