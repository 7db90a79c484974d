import { Inject, Injectable } from '@nestjs/common';
import { canRead, type AuthUser } from '@ringback/auth';
import { BusinessCalendar, safeParseLocationSchedule, slaStatus } from '@ringback/calendar';
import { CLOCK, type Clock } from '@ringback/kernel';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
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
  ) {}

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
  async slaStatusOf(doc: TaskDoc): Promise<SlaStatus> {
    const { sla } = doc.state.task;
    if (sla.stoppedAt !== null) return sla.met ? 'met' : 'breached';
    if (doc.slaRecorded === 'met' || doc.slaRecorded === 'breached') return doc.slaRecorded;
    const closedAt =
      doc.state.status === 'resolved'
        ? doc.state.resolvedAt
        : doc.state.status === 'unreachable'
          ? doc.state.markedAt
          : null;
    const now = closedAt ? Date.parse(closedAt) : this.clock.now();
    let live: SlaStatus;
    const calendar =
      sla.mode === 'business' ? await this.calendar(doc.locationId, sla.calendarVersion) : null;
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
