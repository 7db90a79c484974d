import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { Authenticated, CurrentUser, canRead, type AuthUser } from '@ringback/auth';
import { ID_GENERATOR, type IdGenerator } from '@ringback/kernel';
import { ZodValidationPipe, correlationIdOf, type HttpRequest } from '@ringback/nest-platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import type { z } from 'zod';
import { APPROVALS_COLLECTION, type ApprovalDoc } from '../approvals/booking-approvals.projection';
import { BookingApprovalsHandler, approvalNotFound } from '../approvals/booking-approvals.handler';
import { SchedulingCatalog } from '../catalog/scheduling-catalog';
import {
  approvalListQuerySchema,
  approvalParamsSchema,
  approvalView,
  bookBodySchema,
  decideBodySchema,
  offerAnswerBodySchema,
  offerListQuerySchema,
  offerParamsSchema,
  offerView,
  waitlistBodySchema,
  waitlistEntryParamsSchema,
  waitlistEntryView,
  waitlistListQuerySchema,
  type ApprovalView,
} from '../scheduling.views';
import {
  WAITLIST_COLLECTION,
  WAITLIST_OFFERS_COLLECTION,
  type WaitlistEntryDoc,
  type WaitlistOfferDoc,
} from '../waitlist/waitlist.projection';
import { WaitlistHandler } from '../waitlist/waitlist.handler';

/** Keeps the documents whose location the caller may see. */
async function inScope<T extends { locationId: string }>(
  catalog: SchedulingCatalog,
  user: AuthUser,
  docs: T[],
): Promise<T[]> {
  const locations = await catalog.locations([...new Set(docs.map((d) => d.locationId))]);
  return docs.filter((d) => {
    const l = locations.get(d.locationId);
    return l !== undefined && canRead(user, l);
  });
}

const filterOf = (query: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));

/** In-house approval of bookings outside the requester's own authority. */
@Controller('booking-approvals')
@Authenticated()
export class BookingApprovalsHttpController {
  constructor(
    @Inject(BookingApprovalsHandler) private readonly approvals: BookingApprovalsHandler,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Post()
  @HttpCode(201)
  async request(
    @CurrentUser() user: AuthUser,
    @Body(new ZodValidationPipe(bookBodySchema)) body: z.output<typeof bookBodySchema>,
    @Req() req: HttpRequest,
  ): Promise<ApprovalView> {
    const doc = await this.approvals.request(
      user,
      {
        slotId: body.slotId,
        appointmentTypeId: body.appointmentTypeId,
        newPatient: body.newPatient,
        patient: body.patient,
        source: body.source ?? (body.taskId ? 'callback' : 'direct'),
        taskId: body.taskId ?? null,
      },
      correlationIdOf(req, this.ids),
    );
    return approvalView(doc);
  }

  @Get()
  async list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(approvalListQuerySchema)) query: z.output<typeof approvalListQuerySchema>,
  ): Promise<{ items: ApprovalView[] }> {
    const docs = await this.readModels.find<ApprovalDoc>(APPROVALS_COLLECTION, filterOf(query), {
      sort: { field: 'dueAtMs', direction: 1 },
    });
    return { items: (await inScope(this.catalog, user, docs)).map(approvalView) };
  }

  @Get(':approvalId')
  async get(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(approvalParamsSchema)) p: z.output<typeof approvalParamsSchema>,
  ): Promise<ApprovalView> {
    const doc = await this.readModels.get<ApprovalDoc>(APPROVALS_COLLECTION, p.approvalId);
    if (!doc || (await inScope(this.catalog, user, [doc])).length === 0) throw approvalNotFound(p.approvalId);
    return approvalView(doc);
  }

  @Post(':approvalId/approve')
  @HttpCode(200)
  async approve(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(approvalParamsSchema)) p: z.output<typeof approvalParamsSchema>,
    @Body(new ZodValidationPipe(decideBodySchema)) body: z.output<typeof decideBodySchema>,
    @Req() req: HttpRequest,
  ): Promise<ApprovalView> {
    return approvalView(
      await this.approvals.approve(user, p.approvalId, body.note ?? null, correlationIdOf(req, this.ids)),
    );
  }

  @Post(':approvalId/deny')
  @HttpCode(200)
  async deny(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(approvalParamsSchema)) p: z.output<typeof approvalParamsSchema>,
    @Body(new ZodValidationPipe(decideBodySchema)) body: z.output<typeof decideBodySchema>,
    @Req() req: HttpRequest,
  ): Promise<ApprovalView> {
    return approvalView(
      await this.approvals.deny(user, p.approvalId, body.note ?? null, correlationIdOf(req, this.ids)),
    );
  }
}

/** The waitlist and the offers of freed slots to it. */
@Controller('waitlist')
@Authenticated()
export class WaitlistHttpController {
  constructor(
    @Inject(WaitlistHandler) private readonly waitlist: WaitlistHandler,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Post()
  @HttpCode(201)
  async add(
    @CurrentUser() user: AuthUser,
    @Body(new ZodValidationPipe(waitlistBodySchema)) body: z.output<typeof waitlistBodySchema>,
    @Req() req: HttpRequest,
  ) {
    const doc = await this.waitlist.add(
      user,
      {
        locationId: body.locationId,
        appointmentTypeId: body.appointmentTypeId,
        providerId: body.providerId ?? null,
        newPatient: body.newPatient,
        patient: body.patient,
        clinicalPriority: body.clinicalPriority,
        constraints: {
          earliest: body.constraints.earliest ?? null,
          latest: body.constraints.latest ?? null,
          weekdays: body.constraints.weekdays ?? [],
          timeOfDay: body.constraints.timeOfDay ?? null,
        },
        taskId: body.taskId ?? null,
      },
      correlationIdOf(req, this.ids),
    );
    return waitlistEntryView(doc);
  }

  @Get()
  async list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(waitlistListQuerySchema)) query: z.output<typeof waitlistListQuerySchema>,
  ) {
    const docs = (await this.readModels.find<WaitlistEntryDoc>(WAITLIST_COLLECTION, filterOf(query))).sort(
      (a, b) =>
        a.entry.clinicalPriority - b.entry.clinicalPriority ||
        Date.parse(a.entry.addedAt) - Date.parse(b.entry.addedAt),
    );
    return { items: (await inScope(this.catalog, user, docs)).map(waitlistEntryView) };
  }

  @Post(':entryId/withdraw')
  @HttpCode(200)
  async withdraw(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(waitlistEntryParamsSchema)) p: z.output<typeof waitlistEntryParamsSchema>,
    @Req() req: HttpRequest,
  ) {
    return waitlistEntryView(await this.waitlist.withdraw(user, p.entryId, correlationIdOf(req, this.ids)));
  }

  @Get('offers')
  async offers(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(offerListQuerySchema)) query: z.output<typeof offerListQuerySchema>,
  ) {
    const docs = await this.readModels.find<WaitlistOfferDoc>(WAITLIST_OFFERS_COLLECTION, filterOf(query), {
      sort: { field: 'expiresAtMs', direction: 1 },
    });
    return { items: (await inScope(this.catalog, user, docs)).map(offerView) };
  }

  @Post('offers/:offerId/confirm')
  @HttpCode(200)
  async confirm(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(offerParamsSchema)) p: z.output<typeof offerParamsSchema>,
    @Body(new ZodValidationPipe(offerAnswerBodySchema)) body: z.output<typeof offerAnswerBodySchema>,
    @Req() req: HttpRequest,
  ) {
    return offerView(
      await this.waitlist.confirm(
        p.offerId,
        body.entryId,
        'staff',
        user.sub,
        correlationIdOf(req, this.ids),
        user,
      ),
    );
  }

  @Post('offers/:offerId/decline')
  @HttpCode(200)
  async decline(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(offerParamsSchema)) p: z.output<typeof offerParamsSchema>,
    @Body(new ZodValidationPipe(offerAnswerBodySchema)) body: z.output<typeof offerAnswerBodySchema>,
    @Req() req: HttpRequest,
  ) {
    return offerView(
      await this.waitlist.decline(p.offerId, body.entryId, 'staff', correlationIdOf(req, this.ids), user),
    );
  }
}
