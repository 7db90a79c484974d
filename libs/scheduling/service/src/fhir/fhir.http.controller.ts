import { Controller, Get, Header, Inject, Param, Query, Req } from '@nestjs/common';
import { Authenticated, CurrentUser, canRead, type AuthUser } from '@ringback/auth';
import { CLOCK, type Clock } from '@ringback/kernel';
import { ApiError, ZodValidationPipe, type HttpRequest } from '@ringback/nest-platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@ringback/platform-core';
import { z } from 'zod';
import { SchedulingCatalog } from '../catalog/scheduling-catalog';
import {
  APPOINTMENTS_COLLECTION,
  APPOINTMENT_STATUSES,
  type AppointmentDoc,
} from '../slots/slots.projection';
import { SlotSearchService } from '../slots/slot-search';
import { FHIR_JSON, appointmentToFhir, searchBundle, slotIdOfFhir, slotToFhir } from './fhir.mapping';

const DAY_MS = 86_400_000;
const many = z.union([z.string(), z.array(z.string()).max(4)]).optional();
/** FHIR date search: `ge2026-12-01`, `lt2026-12-08T00:00:00Z` (prefixes ge, gt, le, lt; a bare date is eq that day). */
const datePrefix =
  /^(ge|gt|le|lt|eq)?(\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?(?:Z|[+-]\d\d:\d\d))?)$/;

export const fhirSlotQuerySchema = z.strictObject({
  schedule: z
    .string()
    .regex(/^(?:Schedule\/)?[a-z0-9][a-z0-9_-]*$/, 'Schedule/<providerId>')
    .optional(),
  /** Ringback search parameter: every provider's slots at a location. */
  location: z
    .string()
    .regex(/^(?:Location\/)?[A-Za-z0-9._-]+$/, 'Location/<locationId>')
    .optional(),
  start: many,
  status: z.enum(['free', 'busy', 'busy-tentative']).optional(),
  'service-type': z.string().max(64).optional(),
  _count: z.coerce.number().int().min(1).max(1000).optional(),
});
export const fhirAppointmentQuerySchema = z.strictObject({
  location: z
    .string()
    .regex(/^(?:Location\/)?[A-Za-z0-9._-]+$/)
    .optional(),
  practitioner: z
    .string()
    .regex(/^(?:Practitioner\/)?[a-z0-9][a-z0-9_-]*$/)
    .optional(),
  date: many,
  status: z.enum(['booked', 'cancelled', 'arrived', 'noshow']).optional(),
  _count: z.coerce.number().int().min(1).max(1000).optional(),
});
export const fhirIdParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9.-]{1,64}$/, 'a FHIR id') });

const strip = (v: string | undefined, prefix: string): string | undefined =>
  v === undefined ? undefined : v.startsWith(`${prefix}/`) ? v.slice(prefix.length + 1) : v;

const queryError = (field: string, message: string): ApiError =>
  new ApiError(400, 'validation_failed', 'Request validation failed', [
    { field, in: 'query', code: 'custom', message },
  ]);

/** `[from, to)` in epoch ms from FHIR date parameters; 400 for a value that is not one. */
export function dateRange(
  param: string,
  values: string | string[] | undefined,
  fallback: [number, number],
): [number, number] {
  let [from, to] = fallback;
  for (const v of values === undefined ? [] : Array.isArray(values) ? values : [values]) {
    const m = datePrefix.exec(v);
    if (!m) throw queryError(param, `not a FHIR date search value: ${v}`);
    const dateOnly = m[2]!.length === 10;
    const t = Date.parse(dateOnly ? `${m[2]}T00:00:00Z` : m[2]!);
    const prefix = m[1] ?? 'eq';
    if (prefix === 'ge') from = t;
    else if (prefix === 'gt') from = dateOnly ? t + DAY_MS : t + 1;
    else if (prefix === 'lt') to = t;
    else if (prefix === 'le') to = dateOnly ? t + DAY_MS : t + 1;
    else [from, to] = [t, dateOnly ? t + DAY_MS : t + 1];
  }
  return [from, to];
}

const STATUS_OF_FHIR: Record<string, (typeof APPOINTMENT_STATUSES)[number]> = {
  booked: 'booked',
  cancelled: 'cancelled',
  arrived: 'arrived',
  noshow: 'no_show',
};

/**
 * FHIR R4 read endpoints (`application/fhir+json`): Slot search and read, Appointment search and
 * read, in the caller's scope (out of scope: 404). Errors keep Ringback's error body.
 */
@Controller('fhir')
@Authenticated()
export class FhirHttpController {
  constructor(
    @Inject(SlotSearchService) private readonly slots: SlotSearchService,
    @Inject(SchedulingCatalog) private readonly catalog: SchedulingCatalog,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('Slot')
  @Header('Content-Type', FHIR_JSON)
  async searchSlots(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(fhirSlotQuerySchema)) q: z.output<typeof fhirSlotQuerySchema>,
    @Req() req: HttpRequest,
  ) {
    const providerId = strip(q.schedule, 'Schedule');
    const locationId = strip(q.location, 'Location');
    if (!providerId && !locationId) throw queryError('schedule', 'schedule or location is required');
    const now = this.clock.now();
    const [fromMs, toMs] = dateRange('start', q.start, [now, now + 7 * DAY_MS]);
    if (toMs <= fromMs || toMs - fromMs > 31 * DAY_MS)
      throw queryError('start', 'a range of at most 31 days');
    const found =
      (await this.slots.search(user, {
        providerId,
        locationId,
        fromMs,
        toMs,
        status: 'all',
        appointmentTypeId: q['service-type'],
      })) ?? [];
    const resources = found.map(slotToFhir).filter((r) => !q.status || r['status'] === q.status);
    return searchBundle(this.base(req), resources.slice(0, q._count ?? 1000));
  }

  @Get('Slot/:id')
  @Header('Content-Type', FHIR_JSON)
  async readSlot(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(fhirIdParamsSchema)) p: { id: string },
  ) {
    const slotId = slotIdOfFhir(p.id);
    const slot = slotId ? await this.slots.get(user, slotId) : null;
    if (!slot) throw new ApiError(404, 'slot_not_found', `No Slot ${p.id}`, [{ id: p.id }]);
    return slotToFhir(slot);
  }

  @Get('Appointment')
  @Header('Content-Type', FHIR_JSON)
  async searchAppointments(
    @CurrentUser() user: AuthUser,
    @Query(new ZodValidationPipe(fhirAppointmentQuerySchema)) q: z.output<typeof fhirAppointmentQuerySchema>,
    @Req() req: HttpRequest,
  ) {
    const filter: Record<string, unknown> = {};
    const locationId = strip(q.location, 'Location');
    const providerId = strip(q.practitioner, 'Practitioner');
    if (locationId) filter['locationId'] = locationId;
    if (providerId) filter['providerId'] = providerId;
    if (q.status) filter['status'] = STATUS_OF_FHIR[q.status];
    const [fromMs, toMs] = dateRange('date', q.date, [-Infinity, Infinity]);
    const docs = (
      await this.readModels.find<AppointmentDoc>(APPOINTMENTS_COLLECTION, filter, {
        sort: { field: 'startMs', direction: 1 },
      })
    ).filter((d) => d.startMs >= fromMs && d.startMs < toMs);
    const locations = await this.catalog.locations([...new Set(docs.map((d) => d.locationId))]);
    const visible = docs.filter((d) => {
      const l = locations.get(d.locationId);
      return l !== undefined && canRead(user, l);
    });
    return searchBundle(this.base(req), visible.slice(0, q._count ?? 1000).map(appointmentToFhir));
  }

  @Get('Appointment/:id')
  @Header('Content-Type', FHIR_JSON)
  async readAppointment(
    @CurrentUser() user: AuthUser,
    @Param(new ZodValidationPipe(fhirIdParamsSchema)) p: { id: string },
  ) {
    const doc = await this.readModels.get<AppointmentDoc>(APPOINTMENTS_COLLECTION, p.id);
    const location = doc ? await this.catalog.location(doc.locationId) : null;
    if (!doc || !location || !canRead(user, location))
      throw new ApiError(404, 'appointment_not_found', `No Appointment ${p.id}`, [{ id: p.id }]);
    return appointmentToFhir(doc);
  }

  private base(req: HttpRequest): string {
    const host = req.headers['host'] ?? 'localhost';
    return `http://${Array.isArray(host) ? host[0] : host}/api/v1/fhir`;
  }
}
