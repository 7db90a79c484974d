import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  LOCATION_CONFIGURED,
  locationStreamId,
  ringbackEventRegistry,
  topicForCategory,
  type EventEnvelope,
  type EventRegistry,
  type InboundContactRecorded,
  type LocationConfigured,
  type LocationConfiguredData,
} from '@ringback/contracts';
import {
  businessCalendar,
  NoOpenHoursError,
  clockStart,
  computeDueAt,
  safeParseLocationSchedule,
} from '@ringback/calendar';
import {
  CLOCK,
  DomainError,
  deterministicUuidV7,
  foldEvents,
  toIso,
  type Clock,
  type Decider,
} from '@ringback/kernel';
import { LOGGER } from '@ringback/nest-platform';
import {
  BUS,
  EVENT_STORE,
  READ_MODEL_STORE,
  handleCommand,
  EventConsumer,
  StreamReadCache,
  type Bus,
  type EventStore,
  type ReadModelStore,
} from '@ringback/platform-core';
import {
  TASKS_COLLECTION,
  TASK_CALLERS_COLLECTION,
  type TaskCallerDoc,
  type TaskDoc,
} from './tasks.projection';
import {
  callbackTaskDecider,
  defaultTriagePolicy,
  triage,
  triagePolicyDecider,
  type CallbackTaskState,
  type JoinCall,
  type OpenTask,
  type TaskCommand,
  type TaskEvent,
  type TaskSlaClock,
  type TaskTriage,
  type TriagePolicy,
  type TriagePolicyEvent,
} from '@ringback/triage-domain';

/** Stable consumer group: its committed offsets survive restarts. */
export const TRIAGE_INBOUND_CONTACTS_GROUP_ID = 'triage.inbound-contacts';
export const CALL_EVENTS_TOPIC = topicForCategory('call');

/** Stream of the health system's triage policy (`triage_policy-<policyId>`); absent: `defaultTriagePolicy`. */
export const TRIAGE_POLICY_ID = 'default';
export const triagePolicyStreamId = (policyId: string = TRIAGE_POLICY_ID): string =>
  `triage_policy-${policyId}`;
export const taskStreamId = (taskId: string): string => `task-${taskId}`;

/** The logging the consumer needs; the platform's pino logger (LOGGER) fits. */
export interface TriageLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const fallbackLogger: TriageLogger = {
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};

export type InboundContactEvent = EventEnvelope<'InboundContactRecorded', InboundContactRecorded>;

/** What the mapping needs besides the call: the location configuration and the policy in force. */
export interface TaskCommandContext {
  /** The location configuration in force when the call was recorded; null when unknown. */
  location: LocationConfiguredData | null;
  policy: TriagePolicy;
  /** Command time (`openedAt` / `joinedAt`), UTC ISO-8601. */
  at: string;
}

/**
 * Triage and SLA clock of one call. Clock start: the call's event time, or a later preferred-window
 * start. Tier 1 counts wall-clock minutes; the other tiers count what the policy says (business
 * minutes by default) on the location's calendar of the recorded version. A business clock at a
 * location that never opens (no hours within the calendar's horizon, or no configuration) falls back
 * to wall-clock minutes and says so in the reasons: a missed call is never dropped.
 */
export function triageCall(
  event: InboundContactEvent,
  ctx: Pick<TaskCommandContext, 'location' | 'policy'>,
): { triage: TaskTriage; sla: TaskSlaClock } {
  const d = event.data;
  const serviceLines = ctx.location?.serviceLines ?? [];
  const result = triage(
    {
      intent: d.intent,
      transcript: d.transcript,
      locationId: d.locationId,
      // A location with several service lines has no single override to apply.
      serviceLine: serviceLines.length === 1 ? serviceLines[0] : null,
    },
    ctx.policy,
  );
  let startedAt = clockStart(event.occurredAt, d.preferredWindow?.start ?? null);
  const reasons = [...result.reasons];
  let mode = result.sla.mode;
  let dueAt: number;
  const schedule = ctx.location
    ? safeParseLocationSchedule({
        timezone: ctx.location.timezone,
        hours: ctx.location.hours,
        holidays: ctx.location.holidays,
      })
    : null;
  const wallClockDue = () =>
    computeDueAt({ mode: 'wall_clock', startedAt, targetMinutes: result.sla.targetMinutes });
  if (mode === 'wall_clock') {
    dueAt = wallClockDue();
  } else {
    let business: number | null = null;
    try {
      if (schedule?.success) {
        // Contract: a business clock that starts while closed starts at the next opening.
        startedAt = businessCalendar(schedule.data).nextOpening(startedAt) ?? startedAt;
        business = computeDueAt({
          mode,
          schedule: schedule.data,
          startedAt,
          targetMinutes: result.sla.targetMinutes,
        });
      }
    } catch (error) {
      if (!(error instanceof NoOpenHoursError)) throw error;
    }
    if (business === null) {
      mode = 'wall_clock';
      reasons.push('The location has no usable opening hours: the target is counted in wall-clock minutes.');
    }
    dueAt = business ?? wallClockDue();
  }
  return {
    triage: {
      tier: result.tier,
      rule: result.rule,
      reasons,
      policyVersion: result.policyVersion,
      handoff: result.handoff,
      crisis: result.crisis,
      requiredDocumentation: result.requiredDocumentation,
    },
    sla: {
      targetMinutes: result.sla.targetMinutes,
      mode,
      startedAt: toIso(startedAt),
      dueAt: toIso(dueAt),
      calendarVersion: ctx.location?.version ?? null,
    },
  };
}

/**
 * The task command for one recorded call: JoinCall when call-ingest bound it to an open task (with
 * the repeat call's own triage, which the task applies only when it is more urgent), else OpenTask.
 * Null when a new task cannot be opened because the location is unknown.
 */
export function taskCommandFor(
  event: InboundContactEvent,
  ctx: TaskCommandContext,
): OpenTask | JoinCall | null {
  const d = event.data;
  if (d.joinedOpenTask) {
    const { triage: t, sla } = triageCall(event, ctx);
    return {
      type: 'JoinCall',
      data: {
        taskId: d.taskId,
        at: ctx.at,
        providerCallId: d.providerCallId,
        channel: d.channel,
        occurredAt: event.occurredAt,
        transcript: d.transcript,
        triage: t,
        sla,
      },
    };
  }
  if (!ctx.location) return null;
  const { triage: t, sla } = triageCall(event, ctx);
  return {
    type: 'OpenTask',
    data: {
      taskId: d.taskId,
      at: ctx.at,
      locationId: d.locationId,
      regionId: ctx.location.regionId,
      podId: ctx.location.podId,
      callerPhone: d.from,
      callerName: d.callerName,
      intent: d.intent,
      transcript: d.transcript,
      language: d.language,
      occurredAt: event.occurredAt,
      preferredWindow: d.preferredWindow,
      channel: d.channel,
      providerCallId: d.providerCallId,
      triage: t,
      sla,
    },
  };
}

/**
 * The callback-task decider over envelopes, for `handleCommand`: events it emits get ids derived
 * from the causing call event (so a redelivered call appends nothing new), its correlation id, and
 * the call as causation.
 */
export function taskEnvelopeDecider(
  source: EventEnvelope,
  registry: EventRegistry,
  recordedAt: string,
  /** `salt` distinguishes several commands caused by one event; `locationId` of another task's stream. */
  options: { salt?: string; locationId?: string } = {},
): Decider<CallbackTaskState, TaskCommand, EventEnvelope> {
  return {
    initialState: callbackTaskDecider.initialState,
    evolve: (state, e) => callbackTaskDecider.evolve(state, { type: e.type, data: e.data } as TaskEvent),
    decide: (command, state) =>
      callbackTaskDecider.decide(command, state).map((e, i): EventEnvelope => ({
        eventId: deterministicUuidV7(
          Date.parse(source.recordedAt),
          'triage',
          source.eventId,
          e.type,
          String(i),
          ...(options.salt ? [options.salt] : []),
        ),
        type: e.type,
        schemaVersion: registry.latestVersion(e.type),
        streamId: taskStreamId(command.data.taskId),
        occurredAt:
          e.type === 'TaskOpened' || e.type === 'CallJoinedTask' ? e.data.occurredAt : command.data.at,
        recordedAt,
        correlationId: source.correlationId,
        causationId: source.eventId,
        locationId: options.locationId ?? source.locationId,
        traceparent: source.traceparent,
        data: e.data,
      })),
  };
}

/**
 * Opens callback tasks from recorded calls (topic `ringback.call.events`): an InboundContactRecorded
 * becomes OpenTask on `task-<taskId>`, or JoinCall when the call joined an open task. Triage uses the
 * health system's policy (stream `triage_policy-default`, else `defaultTriagePolicy`) and the
 * location's configuration from its own stream (`location-<id>`), the version in force when the call
 * was recorded; the task records that version (`sla.calendarVersion`), so a later change of hours
 * never moves its clock. Redelivery is harmless: the decider ignores a providerCallId it already has,
 * and emitted event ids derive from the call event id.
 */
@Injectable()
export class OpenTaskConsumer extends EventConsumer {
  protected readonly groupId = TRIAGE_INBOUND_CONTACTS_GROUP_ID;
  protected readonly topics = [CALL_EVENTS_TOPIC];
  protected readonly consumerName = 'triage inbound-contacts';
  protected override readonly eventTypes = ['InboundContactRecorded'];
  private readonly logger: TriageLogger;
  /** Location configurations and the policy, read for every call: kept, upcast, between calls. */
  private readonly referenceStreams: StreamReadCache<EventEnvelope>;

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(LOGGER) logger?: TriageLogger,
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore,
  ) {
    super(bus, ringbackEventRegistry());
    this.logger = logger ?? fallbackLogger;
    this.referenceStreams = new StreamReadCache(store, (r) => this.registry.upcast(r.envelope));
  }

  /** An upcast InboundContactRecorded (the only call event accepted). */
  protected async handleEvent(envelope: EventEnvelope): Promise<void> {
    const event = envelope as InboundContactEvent;
    const now = toIso(this.clock.now());
    const location = await this.locationConfigAt(event.data.locationId, event.recordedAt);
    const command = taskCommandFor(event, { location, policy: await this.policy(), at: now });
    if (!command) {
      this.logger.error(
        { eventId: event.eventId, locationId: event.data.locationId, taskId: event.data.taskId },
        'triage cannot open a task for an unconfigured location',
      );
      return;
    }
    try {
      const result = await handleCommand({
        store: this.store,
        registry: this.registry,
        decider: taskEnvelopeDecider(event, this.registry, now),
        streamId: taskStreamId(command.data.taskId),
        command,
      });
      if (command.type === 'OpenTask' && result.events.length > 0)
        await this.flagRepeatCaller(event, command, now);
    } catch (error) {
      // A command the task refuses will not become valid on redelivery: log it and move on.
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(
        { eventId: event.eventId, taskId: command.data.taskId, code: error.code, details: error.details },
        `triage refused ${command.type}`,
      );
    }
  }

  /**
   * The same number with an open task at another location of the health system: both tasks are
   * linked (RepeatCallerFlagged on each), never merged, so each clinic's queue keeps its own call.
   * Found through the tasks read model, so a task opened in the same instant elsewhere may be missed
   * until that one is opened and finds this one.
   */
  private async flagRepeatCaller(event: InboundContactEvent, command: OpenTask, now: string): Promise<void> {
    if (!this.readModels) return;
    // By id, not a query on callerPhone: that one reads every task document on FerretDB, which made
    // this consumer fall behind as tasks accumulated (issue 8, Kafka + FerretDB ingest).
    const caller = await this.readModels.get<TaskCallerDoc>(
      TASK_CALLERS_COLLECTION,
      command.data.callerPhone,
    );
    const candidates: TaskDoc[] = [];
    for (const ref of caller?.tasks ?? []) {
      if (ref.taskId === command.data.taskId) continue;
      const doc = await this.readModels.get<TaskDoc>(TASKS_COLLECTION, ref.taskId);
      if (doc) candidates.push(doc);
    }
    const others = candidates
      .filter(
        (d) =>
          d.taskId !== command.data.taskId &&
          d.locationId !== command.data.locationId &&
          d.status !== 'resolved' &&
          d.status !== 'unreachable',
      )
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const other of others) {
      const links: [string, string, string, string][] = [
        [command.data.taskId, command.data.locationId, other.taskId, other.locationId],
        [other.taskId, other.locationId, command.data.taskId, command.data.locationId],
      ];
      for (const [taskId, locationId, otherTaskId, otherLocationId] of links) {
        try {
          await handleCommand({
            store: this.store,
            registry: this.registry,
            decider: taskEnvelopeDecider(event, this.registry, now, {
              salt: `repeat:${taskId}:${otherTaskId}`,
              locationId,
            }),
            streamId: taskStreamId(taskId),
            command: { type: 'FlagRepeatCaller', data: { taskId, at: now, otherTaskId, otherLocationId } },
          });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      }
    }
  }

  /** The health system's current triage policy: the policy stream folded, or the default. */
  private async policy(): Promise<TriagePolicy> {
    const recorded = await this.referenceStreams.read(triagePolicyStreamId());
    if (recorded.length === 0) return defaultTriagePolicy;
    const state = foldEvents(
      triagePolicyDecider,
      recorded.map((e) => ({ type: e.type, data: e.data }) as TriagePolicyEvent),
    );
    return state.status === 'configured' ? state.policy : defaultTriagePolicy;
  }

  /** The last LocationConfigured recorded at or before `recordedAt` (else the first one), or null. */
  private async locationConfigAt(
    locationId: string,
    recordedAt: string,
  ): Promise<LocationConfiguredData | null> {
    const configs = (await this.referenceStreams.read(locationStreamId(locationId))).filter(
      (e): e is LocationConfigured => e.type === LOCATION_CONFIGURED,
    );
    const at = Date.parse(recordedAt);
    const chosen = configs.filter((c) => Date.parse(c.recordedAt) <= at).at(-1) ?? configs[0];
    return chosen?.data ?? null;
  }
}
