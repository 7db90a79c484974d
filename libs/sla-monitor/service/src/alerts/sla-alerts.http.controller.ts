import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  Authenticated,
  CurrentUser,
  assertCanWrite,
  canRead,
  requireRole,
  type AuthUser,
} from '@ringback/auth';
import {
  ringbackEventRegistry,
  slaAlertStreamId,
  slaStreamId,
  type EventEnvelope,
} from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type Decider, type IdGenerator } from '@ringback/kernel';
import { ApiError, ZodValidationPipe } from '@ringback/nest-platform';
import {
  EVENT_STORE,
  READ_MODEL_STORE,
  handleCommand,
  type EventStore,
  type ReadModelStore,
} from '@ringback/platform-core';
import {
  slaAlertDecider,
  type AcknowledgeAlert,
  type SlaAlertEvent,
  type SlaAlertState as DeciderState,
} from '@ringback/sla-monitor-domain';
import { z } from 'zod';
import { SLA_ALERTS_COLLECTION, type SlaAlertDoc } from './sla-alerts.projection';

export const ALERT_STATES = ['active', 'acknowledged', 'cleared'] as const;

export const alertParamsSchema = z.object({
  alertId: z
    .string()
    .max(220)
    .regex(/^[A-Za-z0-9._-]{1,200}:[1-9]\d{0,5}$/, '<taskId>:<clockVersion>'),
});
export const alertListQuerySchema = z.strictObject({
  state: z.enum(ALERT_STATES).optional(),
  regionId: z.string().min(1).max(64).optional(),
  locationId: z.string().min(1).max(64).optional(),
});
export const acknowledgeBodySchema = z.preprocess(
  (v) => v ?? {},
  z.strictObject({ note: z.string().trim().min(1).max(2000).optional() }),
);
export const alertViewSchema = z.object({
  alertId: z.string(),
  taskId: z.string(),
  clockVersion: z.number().int(),
  locationId: z.string(),
  regionId: z.string(),
  podId: z.string(),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  dueAt: z.string(),
  breachedAt: z.string(),
  state: z.enum(ALERT_STATES),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  note: z.string().nullable(),
});
export type AlertView = z.infer<typeof alertViewSchema>;
export const alertListSchema = z.object({ items: z.array(alertViewSchema) });

const view = (d: SlaAlertDoc): AlertView => ({
  alertId: d.alertId,
  taskId: d.taskId,
  clockVersion: d.clockVersion,
  locationId: d.locationId,
  regionId: d.regionId,
  podId: d.podId,
  tier: d.tier,
  dueAt: d.dueAt,
  breachedAt: d.breachedAt,
  state: d.state,
  acknowledgedBy: d.acknowledgedBy,
  acknowledgedAt: d.acknowledgedAt,
  note: d.note,
});

const alertNotFound = (alertId: string): ApiError =>
  new ApiError(404, 'alert_not_found', `Unknown alert ${alertId}`, [{ alertId }]);

/**
 * Supervisor alerts: every SLA breach in the caller's scope (newest first), and acknowledging one
 * (supervisors and admins; outside the scope 403). An alert clears by itself when its task closes or
 * its clock stops; the first acknowledgement stands.
 */
@Controller('alerts')
@Authenticated()
export class SlaAlertsHttpController {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Get()
  async list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(alertListQuerySchema)) query: z.output<typeof alertListQuerySchema>,
  ): Promise<{ items: AlertView[] }> {
    const filter: Record<string, unknown> = {};
    for (const key of ['state', 'regionId', 'locationId'] as const) if (query[key]) filter[key] = query[key];
    const docs = await this.readModels.find<SlaAlertDoc>(SLA_ALERTS_COLLECTION, filter, {
      sort: { field: 'breachedAtMs', direction: -1 },
    });
    return { items: docs.filter((d) => canRead(user, d)).map(view) };
  }

  @Post(':alertId/acknowledge')
  @HttpCode(200)
  async acknowledge(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(alertParamsSchema)) params: z.output<typeof alertParamsSchema>,
    @Body(new ZodValidationPipe(acknowledgeBodySchema)) body: z.output<typeof acknowledgeBodySchema>,
  ): Promise<AlertView> {
    requireRole(user, 'supervisor', 'admin');
    const doc = await this.readModels.get<SlaAlertDoc>(SLA_ALERTS_COLLECTION, params.alertId);
    if (!doc) throw alertNotFound(params.alertId);
    // A write: out of scope is 403 (contract), not the 404 a read would answer.
    assertCanWrite(user, doc);
    const breachedVersions = (await this.store.readStream(slaStreamId(doc.taskId)))
      .filter((r) => r.envelope.type === 'SlaBreached')
      .map((r) => (r.envelope.data as { clockVersion: number }).clockVersion);
    const now = this.clock.now();
    const at = toIso(now);
    const result = await handleCommand({
      store: this.store,
      registry: this.registry,
      decider: this.envelopeDecider(doc, now),
      streamId: slaAlertStreamId(doc.taskId),
      command: {
        type: 'AcknowledgeAlert',
        taskId: doc.taskId,
        clockVersion: doc.clockVersion,
        breachedVersions,
        acknowledgedBy: user.sub,
        note: body.note ?? null,
        at,
      },
    });
    const first = result.state.acknowledged[doc.clockVersion];
    const note = result.events[0]
      ? ((result.events[0].data as { note: string | null }).note ?? null)
      : doc.note;
    return view({
      ...doc,
      state: 'acknowledged',
      acknowledgedBy: first?.by ?? user.sub,
      acknowledgedAt: first?.at ?? at,
      note,
    });
  }

  private envelopeDecider(
    doc: SlaAlertDoc,
    now: number,
  ): Decider<DeciderState, AcknowledgeAlert, EventEnvelope> {
    return {
      initialState: slaAlertDecider.initialState,
      evolve: (state, e) => slaAlertDecider.evolve(state, { type: e.type, data: e.data } as SlaAlertEvent),
      decide: (command, state) =>
        slaAlertDecider.decide(command, state).map((e) => ({
          eventId: this.ids.next(now),
          type: e.type,
          schemaVersion: this.registry.latestVersion(e.type),
          streamId: slaAlertStreamId(doc.taskId),
          occurredAt: command.at,
          recordedAt: toIso(now),
          correlationId: this.ids.next(now),
          causationId: null,
          locationId: doc.locationId,
          traceparent: null,
          data: e.data,
        })),
    };
  }
}
