import { Body, Controller, Get, HttpCode, Inject, Param, Put, Req, Res } from '@nestjs/common';
import { Authenticated, CurrentUser, requireRole, type AuthUser } from '@ringback/auth';
import { ringbackEventRegistry, coordinatorStreamId } from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { currentTraceparent } from '@ringback/observability';
import {
  ApiError,
  ZodValidationPipe,
  correlationIdOf,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import { EVENT_STORE, READ_MODEL_STORE, type EventStore, type ReadModelStore } from '@ringback/platform-core';
import {
  coordinatorDecider,
  type CoordinatorEvent,
  type CoordinatorState,
  type Presence,
} from '@ringback/triage-domain';
import type { z } from 'zod';
import { runCoordinatorCommand, type CommandStamp } from './coordinator-command';
import { COORDINATORS_COLLECTION, type CoordinatorDoc } from './coordinators.projection';
import {
  coordinatorParamsSchema,
  coordinatorProfileBodySchema,
  coordinatorView,
  presenceBodySchema,
  type CoordinatorView,
} from './coordinators.views';

type Params = z.output<typeof coordinatorParamsSchema>;

export const coordinatorNotFound = (coordinatorId: string): ApiError =>
  new ApiError(404, 'coordinator_not_found', `Unknown coordinator ${coordinatorId}`, [{ coordinatorId }]);

/** Who may see a coordinator: admins and supervisors all; a coordinator those sharing one of its pods. */
const mayRead = (user: AuthUser, c: { coordinatorId: string; podIds: readonly string[] }): boolean =>
  user.role === 'admin' ||
  user.role === 'supervisor' ||
  (user.role === 'coordinator' &&
    (user.sub === c.coordinatorId || c.podIds.some((p) => user.pods.includes(p))));

/**
 * Coordinators for routing: profiles (pods, languages, service lines, scheduling authority; admins
 * only), presence (the coordinator themself, a supervisor or an admin), and reads that show the
 * offer a coordinator holds and the tasks they work. Presence changes answer the coordinator as
 * their stream now tells it (read-your-writes without waiting for the projection).
 */
@Controller()
@Authenticated('admin', 'supervisor', 'coordinator')
export class CoordinatorsHttpController {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Put('admin/coordinators/:coordinatorId')
  @HttpCode(200)
  async setProfile(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(coordinatorParamsSchema)) params: Params,
    @Body(new ZodValidationPipe(coordinatorProfileBodySchema))
    body: z.output<typeof coordinatorProfileBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<{ coordinatorId: string; version: number }> {
    requireRole(user, 'admin');
    const now = this.clock.now();
    const result = await runCoordinatorCommand(
      this.store,
      this.registry,
      {
        type: 'SetProfile',
        data: { coordinatorId: params.coordinatorId, at: toIso(now), setBy: user.sub, ...body },
      },
      this.stamp(req, res, now),
    );
    const state = result.state;
    if (state.status !== 'registered') throw new Error('a profile was set but the coordinator has no state');
    return { coordinatorId: params.coordinatorId, version: state.version };
  }

  @Get('coordinators')
  async list(@CurrentUser() user: AuthUser): Promise<{ items: CoordinatorView[] }> {
    const docs = await this.readModels.find<CoordinatorDoc>(
      COORDINATORS_COLLECTION,
      {},
      {
        sort: { field: 'coordinatorId', direction: 1 },
      },
    );
    return { items: docs.filter((d) => mayRead(user, d)).map((d) => coordinatorView(d.state)) };
  }

  @Get('coordinators/:coordinatorId')
  async get(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(coordinatorParamsSchema)) params: Params,
  ): Promise<CoordinatorView> {
    // From the stream, not the read model: a coordinator polling for their offer sees it at once.
    const state = await this.load(params.coordinatorId);
    if (
      state.status !== 'registered' ||
      !mayRead(user, { coordinatorId: state.coordinatorId, podIds: state.profile.podIds })
    )
      throw coordinatorNotFound(params.coordinatorId);
    return coordinatorView(state);
  }

  @Put('coordinators/:coordinatorId/presence')
  @HttpCode(200)
  async setPresence(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(coordinatorParamsSchema)) params: Params,
    @Body(new ZodValidationPipe(presenceBodySchema)) body: z.output<typeof presenceBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<CoordinatorView> {
    const current = await this.load(params.coordinatorId);
    if (current.status !== 'registered') throw coordinatorNotFound(params.coordinatorId);
    if (user.role === 'coordinator' && user.sub !== params.coordinatorId)
      throw new ApiError(403, 'forbidden', 'Coordinators set only their own presence');
    const now = this.clock.now();
    const result = await runCoordinatorCommand(
      this.store,
      this.registry,
      {
        type: 'ChangePresence',
        data: {
          coordinatorId: params.coordinatorId,
          at: toIso(now),
          presence: body.presence as Presence,
          changedBy: user.sub,
        },
      },
      this.stamp(req, res, now),
    );
    if (result.state.status !== 'registered') throw coordinatorNotFound(params.coordinatorId);
    return coordinatorView(result.state);
  }

  private async load(coordinatorId: string): Promise<CoordinatorState> {
    let state: CoordinatorState = coordinatorDecider.initialState();
    for (const r of await this.store.readStream(coordinatorStreamId(coordinatorId))) {
      const e = this.registry.upcast(r.envelope);
      state = coordinatorDecider.evolve(state, { type: e.type, data: e.data } as CoordinatorEvent);
    }
    return state;
  }

  private stamp(req: HttpRequest, res: HttpResponse, now: number): CommandStamp {
    const correlationId = correlationIdOf(req, this.ids);
    res.setHeader('X-Correlation-Id', correlationId);
    return {
      eventId: () => this.ids.next(now),
      recordedAt: toIso(now),
      correlationId,
      causationId: null,
      traceparent: currentTraceparent() ?? null,
      locationId: null,
    };
  }
}
