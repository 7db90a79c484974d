import type {
  AttendanceRecordedV1,
  BookingCancelledV1,
  CallJoinedTaskV1,
  CallbackAttemptRecordedV1,
  ClinicalHandoffAcceptedV1,
  SlaBreachedV1,
  SlaStoppedV1,
  SlotBookedV1,
  TaskEscalatedV1,
  TaskMarkedUnreachableV1,
  TaskOpenedV1,
  TaskReopenedV1,
  TaskResolvedV1,
} from '@ringback/contracts';

/**
 * Reporting facts: one record per callback task, per inbound call and per appointment, folded from
 * the contract events by event time. KPIs are computed from facts, so a late event (a webhook
 * delivered hours after the call) lands in the bucket of its event time, and a rebuild from zero
 * folds to exactly the same facts.
 */

export type Tier = 1 | 2 | 3;

export interface TaskFact {
  taskId: string;
  locationId: string;
  regionId: string;
  podId: string;
  tier: Tier;
  intent: string | null;
  channel: TaskOpenedV1['channel'];
  /** The first call's event time. */
  openedAt: string;
  firstAttemptAt: string | null;
  firstReachedAt: string | null;
  /** The latest resolution (a reopened and resolved-again task keeps the last). */
  resolvedAt: string | null;
  resolution: TaskResolvedV1['resolution'] | null;
  unreachableAt: string | null;
  reopenCount: number;
  /** The clock in force (a retriage replaces it). */
  slaDueAt: string;
  /** SlaStopped's verdict for the clock in force; null while undecided. */
  slaMet: boolean | null;
  /** A breach of the clock in force was recorded. */
  slaBreached: boolean;
  escalatedAt: string | null;
  handoffAcceptedAt: string | null;
  /** An appointment was booked from this task. */
  bookedAt: string | null;
  /** Imported from a historical call log, not lived through Ringback. */
  imported: boolean;
}

export interface ContactFact {
  /** The provider's call id (unique per call). */
  contactId: string;
  locationId: string;
  /** Event time of the call. */
  occurredAt: string;
  kind: 'missed_call' | 'voicemail' | 'callback_request' | 'answered';
  taskId: string | null;
  intent: string | null;
  imported: boolean;
}

export interface AppointmentFact {
  appointmentId: string;
  locationId: string;
  source: SlotBookedV1['source'];
  taskId: string | null;
  newPatient: boolean;
  bookedAt: string;
  start: string;
  status: 'booked' | 'cancelled' | 'arrived' | 'no_show';
  lateCancellation: boolean;
}

/** What a task event changes in its task's fact (type and payload as the contract has them). */
export type TaskFactEvent =
  | { type: 'TaskOpened'; data: TaskOpenedV1 }
  | { type: 'CallJoinedTask'; data: CallJoinedTaskV1 }
  | { type: 'CallbackAttemptRecorded'; data: CallbackAttemptRecordedV1 }
  | { type: 'TaskEscalated'; data: TaskEscalatedV1 }
  | { type: 'ClinicalHandoffAccepted'; data: ClinicalHandoffAcceptedV1 }
  | { type: 'TaskResolved'; data: TaskResolvedV1 }
  | { type: 'TaskMarkedUnreachable'; data: TaskMarkedUnreachableV1 }
  | { type: 'TaskReopened'; data: TaskReopenedV1 }
  | { type: 'SlaStopped'; data: SlaStoppedV1 }
  | { type: 'SlaBreached'; data: SlaBreachedV1 }
  | { type: 'SlotBooked'; data: SlotBookedV1 };

const earliest = (a: string | null, b: string): string => (a === null || b < a ? b : a);

/** Folds one event into a task's fact; `imported` marks facts of historical call logs. */
export function evolveTaskFact(
  fact: TaskFact | null,
  event: TaskFactEvent,
  imported = false,
): TaskFact | null {
  if (event.type === 'TaskOpened') {
    const d = event.data;
    return {
      taskId: d.taskId,
      locationId: d.locationId,
      regionId: d.regionId,
      podId: d.podId,
      tier: d.triage.tier,
      intent: d.intent,
      channel: d.channel,
      openedAt: d.occurredAt,
      firstAttemptAt: null,
      firstReachedAt: null,
      resolvedAt: null,
      resolution: null,
      unreachableAt: null,
      reopenCount: 0,
      slaDueAt: d.sla.dueAt,
      slaMet: null,
      slaBreached: false,
      escalatedAt: null,
      handoffAcceptedAt: null,
      bookedAt: null,
      imported,
    };
  }
  if (!fact) return null;
  switch (event.type) {
    case 'CallJoinedTask':
      return event.data.retriage
        ? {
            ...fact,
            tier: event.data.retriage.triage.tier,
            slaDueAt: event.data.retriage.sla.dueAt,
            slaMet: null,
            slaBreached: false,
          }
        : fact;
    case 'CallbackAttemptRecorded': {
      const at = event.data.attemptedAt;
      return {
        ...fact,
        firstAttemptAt: earliest(fact.firstAttemptAt, at),
        firstReachedAt: event.data.successful ? earliest(fact.firstReachedAt, at) : fact.firstReachedAt,
      };
    }
    case 'TaskEscalated':
      return { ...fact, escalatedAt: earliest(fact.escalatedAt, event.data.escalatedAt) };
    case 'ClinicalHandoffAccepted':
      return { ...fact, handoffAcceptedAt: earliest(fact.handoffAcceptedAt, event.data.acceptedAt) };
    case 'TaskResolved':
      return {
        ...fact,
        resolvedAt: event.data.resolvedAt,
        resolution: event.data.resolution,
        bookedAt:
          event.data.resolution === 'booked' ? (fact.bookedAt ?? event.data.resolvedAt) : fact.bookedAt,
      };
    case 'TaskMarkedUnreachable':
      return { ...fact, unreachableAt: event.data.markedAt };
    case 'TaskReopened':
      return {
        ...fact,
        reopenCount: event.data.reopenCount,
        resolvedAt: null,
        resolution: null,
        unreachableAt: null,
      };
    case 'SlaStopped':
      return event.data.dueAt === fact.slaDueAt ? { ...fact, slaMet: event.data.met } : fact;
    case 'SlaBreached':
      return event.data.dueAt === fact.slaDueAt ? { ...fact, slaBreached: true } : fact;
    case 'SlotBooked':
      return event.data.taskId === fact.taskId
        ? { ...fact, bookedAt: earliest(fact.bookedAt, event.data.bookedAt) }
        : fact;
  }
}

/** Folds one scheduling event into an appointment's fact. */
export function evolveAppointmentFact(
  fact: AppointmentFact | null,
  event:
    | { type: 'SlotBooked'; data: SlotBookedV1 }
    | { type: 'BookingCancelled'; data: BookingCancelledV1 }
    | { type: 'AttendanceRecorded'; data: AttendanceRecordedV1 },
): AppointmentFact | null {
  switch (event.type) {
    case 'SlotBooked': {
      const d = event.data;
      return {
        appointmentId: d.appointmentId,
        locationId: d.locationId,
        source: fact?.source ?? d.source,
        taskId: fact?.taskId ?? d.taskId,
        newPatient: d.newPatient,
        bookedAt: fact?.bookedAt ?? d.bookedAt,
        start: d.start,
        status: 'booked',
        lateCancellation: false,
      };
    }
    case 'BookingCancelled':
      if (!fact || event.data.cause === 'rescheduled') return fact;
      return { ...fact, status: 'cancelled', lateCancellation: event.data.late };
    case 'AttendanceRecorded':
      return fact ? { ...fact, status: event.data.attendance } : fact;
  }
}
