import { WEEKDAYS } from '@ringback/calendar';
import { z } from 'zod';

/** `{ locationId, version }`: the answer of `PUT /api/v1/admin/locations/{locationId}`. */
export const configureLocationResultSchema = z.object({
  locationId: z.string(),
  version: z.number().int().positive().describe('1 for the first configuration, +1 per change'),
});
export type ConfigureLocationResult = z.output<typeof configureLocationResultSchema>;

const interval = z.tuple([z.string(), z.string()]);

/** A location as the read model serves it (canonical form: every weekday present). */
export const locationViewSchema = z.object({
  locationId: z.string(),
  name: z.string(),
  regionId: z.string(),
  podId: z.string(),
  timezone: z.string(),
  hours: z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(interval)]))),
  holidays: z.array(z.string()),
  serviceLines: z.array(z.string()),
  version: z.number().int().positive(),
  updatedAt: z.string().describe('When the current version was configured (UTC)'),
});
export type LocationView = z.output<typeof locationViewSchema>;

export const locationListSchema = z.object({ items: z.array(locationViewSchema) });

export const locationParamsSchema = z.object({
  locationId: z.string().describe('Location id: 1-64 letters, digits, ".", "_" or "-"'),
});

export const locationListQuerySchema = z.object({
  regionId: z.string().min(1).optional(),
  podId: z.string().min(1).optional(),
});
