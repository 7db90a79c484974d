import {
  LOCATION_CATEGORY,
  LOCATION_CONFIGURED,
  PHI_REDACTED,
  SLA_CATEGORY,
  taskEventSchemas,
  type LocationConfigured,
  type SlaEvent,
} from '@ringback/contracts';
import type { Projection, ProjectionContext, ReadModelOp } from '@ringback/platform-core';
import { coordinatorsProjection } from './routing/coordinators.projection';
import { callbackTaskDecider, type CallbackTaskState, type TaskEvent } from '@ringback/triage-domain';

export const TASKS_COLLECTION = 'tasks';
/** Location calendars by version (`<locationId>@<version>`): what a task's business clock counts on. */
export const TASK_CALENDARS_COLLECTION = 'task_calendars';

/**
 * A caller's tasks by number (id = the caller's E.164), so a new call finds the caller's tasks at
 * other locations by id: a query on `callerPhone` reads every task document on FerretDB.
 */
export const TASK_CALLERS_COLLECTION = 'task_callers';

export type TaskCallerDoc = {
  id: string;
  /** Every task opened for the number, oldest first. */
  tasks: { taskId: string; locationId: string }[];
};

/** SLA state as recorded by sla-monitor for the task's current clock (null: nothing recorded yet). */
export type RecordedSlaStatus = 'at_risk' | 'breached' | 'met' | 'stopped' | null;

/**
 * One task (id = taskId): the folded task state plus flat, queryable fields. `state` is the callback
 * task decider's state, so the read side shows exactly what the aggregate decided.
 */
export type TaskDoc = {
  id: string;
  taskId: string;
  locationId: string;
  regionId: string;
  podId: string;
  /** E.164: finds the caller's tasks at other locations (repeat callers are flagged, not merged). */
  callerPhone: string;
  status: Exclude<CallbackTaskState['status'], 'none'>;
  tier: 1 | 2 | 3;
  /** Due time in epoch ms (list order). */
  dueAtMs: number;
  state: Exclude<CallbackTaskState, { status: 'none' }>;
  /** sla-monitor's clock version this doc's `slaRecorded` belongs to (0: none yet). */
  slaClockVersion: number;
  slaRecorded: RecordedSlaStatus;
  /** What routing needs beyond the task state. */
  routing: TaskRoutingFields;
  updatedAt: string;
};

export interface TaskRoutingFields {
  /** From SlaBreached of the current clock: priority bump and whether other pods may take it. */
  breach: { priorityBump: number; overflow: boolean } | null;
  /** Coordinators who declined or let lapse an offer of the task since it was last queued. */
  passedBy: string[];
  /** Service lines of the task's location (the configuration version its clock counts on). */
  serviceLines: string[];
}

export type TaskCalendarDoc = {
  id: string;
  locationId: string;
  version: number;
  timezone: string;
  hours: LocationConfigured['data']['hours'];
  holidays: string[];
  serviceLines: string[];
};

export const taskCalendarId = (locationId: string, version: number): string => `${locationId}@${version}`;

const TASK_EVENT_TYPES = Object.keys(taskEventSchemas);
const SLA_EVENT_TYPES: SlaEvent['type'][] = [
  'SlaClockStarted',
  'SlaAtRiskReached',
  'SlaBreached',
  'SlaClockStopped',
];

/**
 * The `tasks` read model: every callback task as the contract shows it, from the task events (the
 * callback-task decider's own `evolve`), with the SLA thresholds sla-monitor recorded (at risk,
 * breached, stopped met) and the location calendars the clocks count on. Deterministic in the events;
 * the live SLA status between recorded thresholds is computed at read time (see TasksReadModel).
 */
export const tasksProjection: Projection = {
  id: 'tasks',
  version: 4,
  collections: [TASKS_COLLECTION, TASK_CALENDARS_COLLECTION, TASK_CALLERS_COLLECTION],
  categories: ['task', SLA_CATEGORY, LOCATION_CATEGORY],
  eventTypes: [...TASK_EVENT_TYPES, ...SLA_EVENT_TYPES, LOCATION_CONFIGURED],
  async handle(event, position, ctx) {
    if (event.type === LOCATION_CONFIGURED) {
      const d = (event as LocationConfigured).data;
      const doc: TaskCalendarDoc = {
        id: taskCalendarId(d.locationId, d.version),
        locationId: d.locationId,
        version: d.version,
        timezone: d.timezone,
        hours: d.hours,
        holidays: [...d.holidays],
        serviceLines: [...d.serviceLines],
      };
      return [{ kind: 'upsert', collection: TASK_CALENDARS_COLLECTION, doc, position }];
    }
    const taskId = (event.data as { taskId?: string }).taskId;
    if (!taskId) return [];
    const current = await ctx.get<TaskDoc>(TASKS_COLLECTION, taskId);
    const upsert = (doc: TaskDoc): ReadModelOp[] => [
      { kind: 'upsert', collection: TASKS_COLLECTION, doc, position },
    ];

    if ((SLA_EVENT_TYPES as string[]).includes(event.type)) {
      if (!current) return [];
      const sla = event as SlaEvent;
      const version = sla.data.clockVersion;
      if (version < current.slaClockVersion) return []; // an older clock (a retriage restarted it)
      const sameClock = version === current.slaClockVersion;
      const base = {
        ...current,
        slaClockVersion: version,
        routing: { ...current.routing, breach: sameClock ? current.routing.breach : null },
        updatedAt: event.recordedAt,
      };
      const same = sameClock ? current.slaRecorded : null;
      switch (sla.type) {
        case 'SlaClockStarted':
          return upsert({ ...base, slaRecorded: same });
        case 'SlaAtRiskReached':
          return upsert({ ...base, slaRecorded: same === null ? 'at_risk' : same });
        case 'SlaBreached':
          return upsert({
            ...base,
            slaRecorded: same === 'met' || same === 'stopped' ? same : 'breached',
            routing: {
              ...base.routing,
              breach: { priorityBump: sla.data.priorityBump, overflow: sla.data.overflow },
            },
          });
        case 'SlaClockStopped':
          return upsert({
            ...base,
            slaRecorded: sla.data.met ? 'met' : same === 'breached' ? 'breached' : 'stopped',
          });
      }
    }

    const taskEvent = { type: event.type, data: event.data } as TaskEvent;
    const before: CallbackTaskState = current ? current.state : callbackTaskDecider.initialState();
    if (!current && taskEvent.type !== 'TaskOpened') return [];
    const state = callbackTaskDecider.evolve(before, taskEvent);
    if (state.status === 'none') return [];
    const retriaged = taskEvent.type === 'CallJoinedTask' && taskEvent.data.retriage !== null;
    const ops = current ? [] : await callerOps(taskId, state.task, position, ctx);
    return [
      ...ops,
      ...upsert({
        ...(await routingAfter(current, taskEvent, state.task, ctx)),
        id: taskId,
        taskId,
        locationId: state.task.locationId,
        regionId: state.task.regionId,
        podId: state.task.podId,
        callerPhone: state.task.callerPhone,
        status: state.status,
        tier: state.task.triage.tier,
        dueAtMs: Date.parse(state.task.sla.dueAt),
        state,
        slaClockVersion: current?.slaClockVersion ?? 0,
        // A retriage restarts the clock: thresholds of the old one no longer apply.
        slaRecorded: retriaged ? null : (current?.slaRecorded ?? null),
        updatedAt: event.recordedAt,
      }),
    ];
  },
};

/** A newly opened task joins its caller's list (not for a number shredded to the redaction marker). */
async function callerOps(
  taskId: string,
  task: { callerPhone: string; locationId: string },
  position: bigint,
  ctx: ProjectionContext,
): Promise<ReadModelOp[]> {
  const phone = task.callerPhone;
  if (!phone || phone === PHI_REDACTED) return [];
  const caller = await ctx.get<TaskCallerDoc>(TASK_CALLERS_COLLECTION, phone);
  if (caller?.tasks.some((t) => t.taskId === taskId)) return [];
  const doc: TaskCallerDoc = {
    id: phone,
    tasks: [...(caller?.tasks ?? []), { taskId, locationId: task.locationId }],
  };
  return [{ kind: 'upsert', collection: TASK_CALLERS_COLLECTION, doc, position }];
}

async function routingAfter(
  current: TaskDoc | null,
  event: TaskEvent,
  task: { locationId: string; sla: { calendarVersion: number | null } },
  ctx: ProjectionContext,
): Promise<{ routing: TaskRoutingFields }> {
  let routing: TaskRoutingFields = current?.routing ?? { breach: null, passedBy: [], serviceLines: [] };
  switch (event.type) {
    case 'TaskOpened': {
      const version = task.sla.calendarVersion;
      const calendar =
        version === null
          ? null
          : await ctx.get<TaskCalendarDoc>(
              TASK_CALENDARS_COLLECTION,
              taskCalendarId(task.locationId, version),
            );
      routing = { ...routing, serviceLines: calendar?.serviceLines ?? [] };
      break;
    }
    case 'OfferDeclined':
    case 'OfferExpired':
      if (!routing.passedBy.includes(event.data.coordinatorId))
        routing = { ...routing, passedBy: [...routing.passedBy, event.data.coordinatorId] };
      break;
    case 'TaskRequeued':
    case 'TaskReopened':
      routing = { ...routing, passedBy: [] };
      break;
    case 'CallJoinedTask':
      // A more urgent repeat call restarts the clock: the old clock's breach no longer applies.
      if (event.data.retriage) routing = { ...routing, breach: null };
      break;
    default:
      break;
  }
  return { routing };
}

/** Read models triage keeps; every process hosting TriageModule runs them (projection catalogue). */
export const triageProjections: readonly Projection[] = [tasksProjection, coordinatorsProjection];
