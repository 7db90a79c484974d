import { WEEKDAYS, locationScheduleSchema, type OpeningInterval, type Weekday } from '@ringback/calendar';
import { z } from 'zod';

/**
 * Ids of locations, regions and pods as they appear in URLs, stream ids and tokens: a letter or
 * digit, then letters, digits, `.`, `_` or `-`; at most 64 characters.
 */
export const scopeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"');

export const locationIdSchema = scopeIdSchema;

/**
 * Body of `PUT /api/v1/admin/locations/{locationId}`: the whole configuration of a location.
 * The schedule rules (IANA time zone, ordered non-overlapping `HH:MM` intervals per weekday, real
 * `YYYY-MM-DD` holidays) come from `@ringback/calendar`. Unknown fields are rejected, so a typo
 * (`holiday`) cannot silently drop part of a configuration.
 */
export const locationConfigSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  regionId: scopeIdSchema,
  podId: scopeIdSchema,
  timezone: locationScheduleSchema.shape.timezone,
  hours: locationScheduleSchema.shape.hours,
  holidays: locationScheduleSchema.shape.holidays,
  serviceLines: z.array(scopeIdSchema).max(50).default([]),
});

export type LocationConfigInput = z.input<typeof locationConfigSchema>;

/**
 * A location's configuration in canonical form: every weekday present (closed = `[]`), holidays and
 * service lines sorted without duplicates. Two requests that mean the same thing normalise to
 * equal values, which is what makes a repeated PUT a no-op.
 */
export interface LocationConfig {
  name: string;
  regionId: string;
  podId: string;
  timezone: string;
  hours: Record<Weekday, OpeningInterval[]>;
  holidays: string[];
  serviceLines: string[];
}

const sortedUnique = (values: readonly string[]): string[] => [...new Set(values)].sort();

/** Canonical form of a configuration; key order is fixed, so JSON equality is value equality. */
export function canonicalLocationConfig(config: {
  name: string;
  regionId: string;
  podId: string;
  timezone: string;
  hours: Partial<Record<Weekday, readonly (readonly [string, string])[] | undefined>>;
  holidays?: readonly string[];
  serviceLines?: readonly string[];
}): LocationConfig {
  const hours = Object.fromEntries(
    WEEKDAYS.map((day) => [day, (config.hours[day] ?? []).map(([s, e]) => [s, e] as OpeningInterval)]),
  ) as Record<Weekday, OpeningInterval[]>;
  return {
    name: config.name,
    regionId: config.regionId,
    podId: config.podId,
    timezone: config.timezone,
    hours,
    holidays: sortedUnique(config.holidays ?? []),
    serviceLines: sortedUnique(config.serviceLines ?? []),
  };
}

export const sameLocationConfig = (a: LocationConfig, b: LocationConfig): boolean =>
  JSON.stringify(canonicalLocationConfig(a)) === JSON.stringify(canonicalLocationConfig(b));

/** One invalid field: dotted path and what is wrong with it. */
export interface LocationConfigIssue {
  field: string;
  code: string;
  message: string;
}

export type ParsedLocationConfig =
  { ok: true; config: LocationConfig } | { ok: false; issues: LocationConfigIssue[] };

/** Validates and canonicalises a configuration. */
export function parseLocationConfig(input: unknown): ParsedLocationConfig {
  const result = locationConfigSchema.safeParse(input);
  if (!result.success) {
    return {
      ok: false,
      issues: result.error.issues.map((i) => ({
        field: i.path.map(String).join('.'),
        code: i.code,
        message: i.message,
      })),
    };
  }
  return { ok: true, config: canonicalLocationConfig(result.data) };
}
