import { z } from 'zod';
import type { EventEnvelope } from '../envelope';
import type { EventDefinition } from '../registry';

/** Stream category of location configuration: one stream `location-<locationId>` per location. */
export const LOCATION_CATEGORY = 'location';
export const locationStreamId = (locationId: string): string => `${LOCATION_CATEGORY}-${locationId}`;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `HH:MM` local wall-clock time; `24:00` only ends an interval that runs to midnight. */
const clockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM');
/** One opening interval `[start, end)`, local time of the location. */
const openingInterval = z.tuple([clockTime, clockTime]);

/** Opening intervals per weekday, every weekday present (an empty list means closed). */
export const weeklyHoursSchema = z.object(
  Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(openingInterval)])) as Record<
    Weekday,
    z.ZodArray<typeof openingInterval>
  >,
);

export const LOCATION_CONFIGURED = 'LocationConfigured';

export const locationConfiguredV1Schema = z.object({
  locationId: z.string().min(1),
  name: z.string().min(1),
  regionId: z.string().min(1),
  podId: z.string().min(1),
  /** IANA time zone the hours are expressed in. */
  timezone: z.string().min(1),
  hours: weeklyHoursSchema,
  /** Local dates (`YYYY-MM-DD`) the location is closed all day. */
  holidays: z.array(z.iso.date()),
  serviceLines: z.array(z.string().min(1)),
  /** 1 for the first configuration of the location, then +1 per change. */
  version: z.number().int().positive(),
});

export type LocationConfiguredData = z.output<typeof locationConfiguredV1Schema>;
export type LocationConfigured = EventEnvelope<typeof LOCATION_CONFIGURED, LocationConfiguredData>;

export const locationEventDefinitions: readonly EventDefinition[] = [
  {
    type: LOCATION_CONFIGURED,
    category: LOCATION_CATEGORY,
    summary:
      'An admin created or changed a location: region, pod, time zone, opening hours, holidays and ' +
      'service lines, as a whole new version. Tasks keep the version that applied when their clock started.',
    producer: 'call-ingest',
    versions: [{ version: 1, schema: locationConfiguredV1Schema }],
  },
];
