import { Inject, Injectable, Optional } from '@nestjs/common';
import { canRead, type AuthUser } from '@ringback/auth';
import { BusinessCalendar, safeParseLocationSchedule, slaStatus } from '@ringback/calendar';
import { CLOCK, type Clock } from '@ringback/kernel';
import { ringbackEventRegistry } from '@ringback/contracts';
import {
  EVENT_STORE,
  READ_MODEL_STORE,
  type EventStore,
  type ProjectionContext,
  type ReadModelDoc,
  type ReadModelStore,
} from '@ringback/platform-core';
import {
  taskView,
  type CallbackTaskState,
  type SlaStatus,
  type TaskStatus,
  type TaskView,
  type Tier,
} from '@ringback/triage-domain';
import {
  tasksProjection,
  TASK_CALENDARS_COLLECTION,
  TASKS_COLLECTION,
  taskCalendarId,
  type TaskCalendarDoc,
  type TaskDoc,
} from './tasks.projection';

export interface TaskListFilter {
  locationId?: string;
  regionId?: string;
  status?: TaskStatus;
  tier?: Tier;
}

/** The coordinator a task is offered or assigned to sees it, even from another pod (overflow). */
const isWorkedBy = (doc: TaskDoc, userId: string): boolean =>
  doc.state.status === 'open'
    ? doc.state.offer?.coordinatorId === userId
    : 'assigneeId' in doc.state && doc.state.assigneeId === userId;

const SEVERITY: Record<SlaStatus, number> = { on_track: 0, at_risk: 1, breached: 2, met: 3 };

/** Reads of the `tasks` read model, with the SLA status as of now. */
@Injectable()
export class TasksReadModel {
  /** Calendars are immutable per location version: parse each once. */
  private readonly calendars = new Map<string, BusinessCalendar | null>();

  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(EVENT_STORE) private readonly store?: EventStore,
  ) {}

  private readonly registry = ringbackEventRegistry();

  async getView(taskId: string, user: AuthUser): Promise<TaskView | null> {
    const doc = await this.readModels.get<TaskDoc>(TASKS_COLLECTION, taskId);
    if (!doc || !(canRead(user, doc) || isWorkedBy(doc, user.sub))) return null;
    return this.view(doc);
  }

  /** Tasks `user` may see, narrowed by the equality filters, most urgent (earliest due) first. */
  async listVisibleTo(user: AuthUser, filter: TaskListFilter = {}): Promise<TaskView[]> {
    const equality: Record<string, unknown> = {};
    for (const key of ['locationId', 'regionId', 'status', 'tier'] as const) {
      if (filter[key] !== undefined) equality[key] = filter[key];
    }
    if (user.role === 'supervisor' && user.regions.length === 1 && !equality['regionId'])
      equality['regionId'] = user.regions[0];
    if (user.role === 'clinic_staff' && user.locations.length === 1 && !equality['locationId'])
      equality['locationId'] = user.locations[0];
    const docs = await this.readModels.find<TaskDoc>(TASKS_COLLECTION, equality, {
      sort: { field: 'dueAtMs', direction: 1 },
    });
    const visible = docs.filter((doc) => canRead(user, doc));
    return Promise.all(visible.map((doc) => this.view(doc)));
  }

  /**
   * Time travel: the tasks `user` may see as they stood at `at` (epoch ms), rebuilt by replaying the
   * tasks projection over the events recorded up to that instant, SLA status as of then. Nothing is
   * stored; the live read model is untouched.
   */
  async listAsOf(user: AuthUser, at: number, filter: TaskListFilter = {}): Promise<TaskView[]> {
    const store = this.store;
    if (!store) throw new Error('time travel needs the event store');
    const docs = new Map<string, { doc: ReadModelDoc; position: bigint }>();
    const key = (collection: string, id: string) => `${collection}\u0000${id}`;
    const ctx: ProjectionContext = {
      get: async <T extends ReadModelDoc>(collection: string, id: string) =>
        structuredClone(docs.get(key(collection, id))?.doc ?? null) as T | null,
    };
    const types = new Set(tasksProjection.eventTypes ?? []);
    replay: for (let from: bigint | undefined = undefined; ;) {
      const batch = await store.readAll({
        ...(from === undefined ? {} : { fromPosition: from }),
        maxCount: 1_000,
        categories: [...(tasksProjection.categories ?? [])],
      });
      if (batch.length === 0) break;
      for (const r of batch) {
        if (Date.parse(r.envelope.recordedAt) > at) break replay;
        if (!types.has(r.envelope.type)) continue;
        for (const op of await tasksProjection.handle(this.registry.upcast(r.envelope), r.position, ctx)) {
          const k = key(op.collection, op.kind === 'upsert' ? op.doc.id : op.id);
          const held = docs.get(k);
          if (held && held.position >= op.position) continue;
          if (op.kind === 'upsert') docs.set(k, { doc: op.doc, position: op.position });
          else docs.delete(k);
        }
      }
      from = batch[batch.length - 1]!.position;
    }
    const calendars = async (locationId: string, version: number | null) => {
      if (version === null) return null;
      const doc = docs.get(key(TASK_CALENDARS_COLLECTION, taskCalendarId(locationId, version)))?.doc as
        TaskCalendarDoc | undefined;
      if (!doc) return null;
      const parsed = safeParseLocationSchedule({
        timezone: doc.timezone,
        hours: doc.hours,
        holidays: doc.holidays,
      });
      return parsed.success ? new BusinessCalendar(parsed.data) : null;
    };
    const tasks = [...docs.values()]
      .map((d) => d.doc as TaskDoc)
      .filter((d) => d.id !== undefined && 'taskId' in d && 'state' in d)
      .filter((d) => canRead(user, d))
      .filter(
        (d) =>
          (filter.locationId === undefined || d.locationId === filter.locationId) &&
          (filter.regionId === undefined || d.regionId === filter.regionId) &&
          (filter.status === undefined || d.status === filter.status) &&
          (filter.tier === undefined || d.tier === filter.tier),
      )
      .sort((a, b) => a.dueAtMs - b.dueAtMs);
    return Promise.all(
      tasks.map(async (d) => taskView(d.state, await this.slaStatusOf(d, { now: at, calendar: calendars }))!),
    );
  }

  /**
   * Waits (at most `timeoutMs`) until the tasks projection has stored everything up to `position`,
   * so a caller that just changed a task reads its change. Best effort: on timeout the write stands.
   */
  async waitFor(position: bigint, timeoutMs = 1_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const checkpoint = await this.readModels.getCheckpoint(tasksProjection.id);
      if (checkpoint && checkpoint.position >= position) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * The view of a task state the caller holds (the decider's, when the projection lags), with the
   * SLA thresholds recorded in the read model so far.
   */
  async viewOfState(state: Exclude<CallbackTaskState, { status: 'none' }>): Promise<TaskView> {
    const t = state.task;
    const current = await this.readModels.get<TaskDoc>(TASKS_COLLECTION, t.taskId);
    return this.view({
      id: t.taskId,
      taskId: t.taskId,
      locationId: t.locationId,
      regionId: t.regionId,
      podId: t.podId,
      callerPhone: t.callerPhone,
      status: state.status,
      tier: t.triage.tier,
      dueAtMs: Date.parse(t.sla.dueAt),
      state,
      slaClockVersion: current?.slaClockVersion ?? 0,
      slaRecorded: current?.slaRecorded ?? null,
      routing: current?.routing ?? { breach: null, passedBy: [], serviceLines: [] },
      updatedAt: current?.updatedAt ?? t.openedAt,
    });
  }

  /** The contract view of a stored task document, with its SLA status as of now. */
  viewOf(doc: TaskDoc): Promise<TaskView> {
    return this.view(doc);
  }

  private async view(doc: TaskDoc): Promise<TaskView> {
    const view = taskView(doc.state, await this.slaStatusOf(doc));
    if (!view) throw new Error(`task ${doc.taskId} has no state`);
    return view;
  }

  /**
   * `met` once the clock stopped in time; `breached` once recorded or when it stopped late; otherwise
   * the live status of the clock as of now (or as of the task's closing, for a closed task), on the
   * location calendar of the version the clock started under, never below what sla-monitor recorded.
   */
  async slaStatusOf(
    doc: TaskDoc,
    asOf?: {
      now: number;
      calendar: (locationId: string, version: number | null) => Promise<BusinessCalendar | null>;
    },
  ): Promise<SlaStatus> {
    const { sla } = doc.state.task;
    if (sla.stoppedAt !== null) return sla.met ? 'met' : 'breached';
    if (doc.slaRecorded === 'met' || doc.slaRecorded === 'breached') return doc.slaRecorded;
    const closedAt =
      doc.state.status === 'resolved'
        ? doc.state.resolvedAt
        : doc.state.status === 'unreachable'
          ? doc.state.markedAt
          : null;
    const now = closedAt ? Date.parse(closedAt) : (asOf?.now ?? this.clock.now());
    let live: SlaStatus;
    const calendarOf = asOf?.calendar ?? ((id: string, v: number | null) => this.calendar(id, v));
    const calendar = sla.mode === 'business' ? await calendarOf(doc.locationId, sla.calendarVersion) : null;
    if (sla.mode === 'business' && calendar) {
      live = slaStatus({
        mode: 'business',
        schedule: calendar,
        startedAt: sla.startedAt,
        dueAt: sla.dueAt,
        now,
      });
    } else if (sla.mode === 'wall_clock') {
      live = slaStatus({ mode: 'wall_clock', startedAt: sla.startedAt, dueAt: sla.dueAt, now });
    } else {
      // Calendar not (yet) known: 75 % of the real time between start and due (approximation).
      const start = Date.parse(sla.startedAt);
      const due = Date.parse(sla.dueAt);
      live = now >= due ? 'breached' : 4 * (now - start) >= 3 * (due - start) ? 'at_risk' : 'on_track';
    }
    const recorded: SlaStatus = doc.slaRecorded === 'at_risk' ? 'at_risk' : 'on_track';
    return SEVERITY[recorded] > SEVERITY[live] ? recorded : live;
  }

  private async calendar(locationId: string, version: number | null): Promise<BusinessCalendar | null> {
    if (version === null) return null;
    const id = taskCalendarId(locationId, version);
    if (this.calendars.has(id)) return this.calendars.get(id) ?? null;
    const doc = await this.readModels.get<TaskCalendarDoc>(TASK_CALENDARS_COLLECTION, id);
    if (!doc) return null; // not projected yet: try again next time
    const parsed = safeParseLocationSchedule({
      timezone: doc.timezone,
      hours: doc.hours,
      holidays: doc.holidays,
    });
    const calendar = parsed.success ? new BusinessCalendar(parsed.data) : null;
    this.calendars.set(id, calendar);
    return calendar;
  }
}
