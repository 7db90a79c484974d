import { AuditPhiRead } from '@ringback/phi';
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { Authenticated, CurrentUser, canRead, type AuthUser } from '@ringback/auth';
import { ID_GENERATOR, type IdGenerator } from '@ringback/kernel';
import {
  ZodValidationPipe,
  correlationIdOf,
  type HttpRequest,
  type HttpResponse,
} from '@ringback/nest-platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import type { z } from 'zod';
import { SchedulingCatalog } from '../catalog/scheduling-catalog';
import {
  appointmentListQuerySchema,
  appointmentParamsSchema,
  appointmentView,
  attendanceBodySchema,
  bookBodySchema,
  cancelBodySchema,
  rescheduleBodySchema,
  slotListQuerySchema,
  type AppointmentView,
  type SlotView,
} from '../scheduling.views';
import { APPOINTMENTS_COLLECTION, type AppointmentDoc } from '../slots/slots.projection';
import { providerNotFound } from '../catalog/catalog.http.controller';
import { BookingHandler, appointmentNotFound } from './booking.handler';
import { SlotSearchService } from '../slots/slot-search';

/** Free (or all) slots of a provider, or of every provider at a location, in the caller's scope. */
@Controller('slots')
@Authenticated()
export class SlotsHttpController {
  constructor(@Inject(SlotSearchService) private readonly slots: SlotSearchService) {}

  @Get()
  async list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(slotListQuerySchema)) query: z.output<typeof slotListQuerySchema>,
  ): Promise<{ items: SlotView[] }> {
    const items = await this.slots.search(user, {
      providerId: query.providerId,
      locationId: query.locationId,
      appointmentTypeId: query.appointmentTypeId,
      fromMs: Date.parse(query.from),
      toMs: Date.parse(query.to),
      status: query.status,
    });
    if (!items) throw providerNotFound(query.providerId!);
    return { items };
  }
}

/**
 * Appointments: book (from a callback task, or directly), read, cancel, reschedule and record
 * attendance. Writes answer the appointment as it now stands; a taken slot answers 409.
 */
@Controller('appointments')
@Authenticated()
export class AppointmentsHttpController {
  constructor(
    @Inject(BookingHandler) private readonly booking: BookingHandler,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async book(
    @CurrentUser() user: AuthUser,
    @Body(new ZodValidationPipe(bookBodySchema)) body: z.output<typeof bookBodySchema>,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<AppointmentView> {
    const source = body.source ?? (body.taskId ? 'callback' : 'direct');
    const doc = await this.booking.book(
      user,
      {
        slotId: body.slotId,
        appointmentTypeId: body.appointmentTypeId,
        newPatient: body.newPatient,
        patient: body.patient,
        source,
        taskId: body.taskId ?? null,
      },
      correlationIdOf(req, this.ids),
    );
    res.setHeader('Location', `/api/v1/appointments/${doc.appointmentId}`);
    return this.view(doc, true);
  }

  @Get()
  async list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(appointmentListQuerySchema))
    query: z.output<typeof appointmentListQuerySchema>,
  ): Promise<{ items: AppointmentView[] }> {
    const filter: Record<string, unknown> = {};
    for (const key of ['locationId', 'providerId', 'taskId', 'status'] as const)
      if (query[key]) filter[key] = query[key];
    const from = query.from ? Date.parse(query.from) : -Infinity;
    const to = query.to ? Date.parse(query.to) : Infinity;
    const docs = (
      await this.readModels.find<AppointmentDoc>(APPOINTMENTS_COLLECTION, filter, {
        sort: { field: 'startMs', direction: 1 },
      })
    ).filter((d) => d.startMs >= from && d.startMs < to);
    const locations = await this.catalog.locations([...new Set(docs.map((d) => d.locationId))]);
    return {
      items: docs.flatMap((d) => {
        const l = locations.get(d.locationId);
        return l && canRead(user, l) ? [appointmentView(d, l, false)] : [];
      }),
    };
  }

  @Get(':appointmentId')
  @Header('Cache-Control', 'no-store')
  @AuditPhiRead('appointment', 'appointmentId')
  async get(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(appointmentParamsSchema)) params: z.output<typeof appointmentParamsSchema>,
  ): Promise<AppointmentView> {
    const doc = await this.readModels.get<AppointmentDoc>(APPOINTMENTS_COLLECTION, params.appointmentId);
    const location = doc ? await this.catalog.location(doc.locationId) : null;
    if (!doc || !location || !canRead(user, location)) throw appointmentNotFound(params.appointmentId);
    return appointmentView(doc, location, true);
  }

  @Post(':appointmentId/cancel')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async cancel(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(appointmentParamsSchema)) params: z.output<typeof appointmentParamsSchema>,
    @Body(new ZodValidationPipe(cancelBodySchema)) body: z.output<typeof cancelBodySchema>,
    @Req() req: HttpRequest,
  ): Promise<AppointmentView> {
    const doc = await this.booking.cancel(
      user,
      params.appointmentId,
      body.reason ?? null,
      correlationIdOf(req, this.ids),
    );
    return this.view(doc, true);
  }

  @Post(':appointmentId/reschedule')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async reschedule(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(appointmentParamsSchema)) params: z.output<typeof appointmentParamsSchema>,
    @Body(new ZodValidationPipe(rescheduleBodySchema)) body: z.output<typeof rescheduleBodySchema>,
    @Req() req: HttpRequest,
  ): Promise<AppointmentView> {
    const doc = await this.booking.reschedule(
      user,
      params.appointmentId,
      body.slotId,
      correlationIdOf(req, this.ids),
    );
    return this.view(doc, true);
  }

  @Post(':appointmentId/attendance')
  @HttpCode(200)
  async attendance(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(appointmentParamsSchema)) params: z.output<typeof appointmentParamsSchema>,
    @Body(new ZodValidationPipe(attendanceBodySchema)) body: z.output<typeof attendanceBodySchema>,
    @Req() req: HttpRequest,
  ): Promise<AppointmentView> {
    const doc = await this.booking.recordAttendance(
      user,
      params.appointmentId,
      body.attendance,
      correlationIdOf(req, this.ids),
    );
    return this.view(doc, false);
  }

  private async view(doc: AppointmentDoc, withContact: boolean): Promise<AppointmentView> {
    const location = await this.catalog.location(doc.locationId);
    if (!location) throw appointmentNotFound(doc.appointmentId);
    return appointmentView(doc, location, withContact);
  }
}
