import { DomainError, type Decider } from '@ringback/kernel';
import type { AppointmentTypeConfiguredV1, ProviderConfiguredV1 } from '@ringback/contracts';

/**
 * The bookable catalogue: appointment types (`appointment_type-<id>`) and providers with their weekly
 * templates (`provider-<id>`). Each configuration is a whole new version; configuring the same thing
 * again decides nothing, so an admin's retried PUT is harmless.
 */

type Versioned<T> = { version: number; current: T | null };

export type AppointmentTypeSpec = Omit<
  AppointmentTypeConfiguredV1,
  'version' | 'configuredBy' | 'configuredAt'
>;
export type ProviderSpec = Omit<
  ProviderConfiguredV1,
  'version' | 'configuredBy' | 'configuredAt' | 'templateId'
>;

export type ConfigureAppointmentType = {
  type: 'ConfigureAppointmentType';
  data: { spec: AppointmentTypeSpec; by: string; at: string };
};
export type AppointmentTypeEvent = { type: 'AppointmentTypeConfigured'; data: AppointmentTypeConfiguredV1 };
export type AppointmentTypeState = Versioned<AppointmentTypeSpec>;

export type ConfigureProvider = {
  type: 'ConfigureProvider';
  data: {
    spec: ProviderSpec;
    /** Appointment types that exist (every template interval must name known types). */
    knownAppointmentTypeIds: readonly string[];
    /** Whether the location is configured. */
    locationKnown: boolean;
    by: string;
    at: string;
  };
};
export type ProviderEvent = { type: 'ProviderConfigured'; data: ProviderConfiguredV1 };
export type ProviderState = Versioned<ProviderSpec & { templateId: string }>;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export const appointmentTypeDecider: Decider<
  AppointmentTypeState,
  ConfigureAppointmentType,
  AppointmentTypeEvent
> = {
  initialState: () => ({ version: 0, current: null }),
  decide: ({ data: { spec, by, at } }, state) => {
    if (state.current && same(state.current, spec)) return [];
    return [
      {
        type: 'AppointmentTypeConfigured',
        data: { ...spec, version: state.version + 1, configuredBy: by, configuredAt: at },
      },
    ];
  },
  evolve: (_state, { data }) => {
    const { version, configuredBy: _b, configuredAt: _a, ...spec } = data;
    return { version, current: spec };
  },
};

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const providerDecider: Decider<ProviderState, ConfigureProvider, ProviderEvent> = {
  initialState: () => ({ version: 0, current: null }),
  decide: ({ data }, state) => {
    const { spec } = data;
    if (!data.locationKnown)
      throw new DomainError('location_not_found', `Unknown location ${spec.locationId}`, [
        { path: 'locationId', locationId: spec.locationId },
      ]);
    const issues: { path: string; message: string }[] = [];
    for (const [day, intervals] of Object.entries(spec.weekly)) {
      const sorted = [...intervals].sort((a, b) => minutes(a.start) - minutes(b.start));
      sorted.forEach((iv, i) => {
        const path = `weekly.${day}.${intervals.indexOf(iv)}`;
        if (minutes(iv.end) - minutes(iv.start) < iv.slotMinutes)
          issues.push({ path, message: 'an interval holds at least one slot (end - start >= slotMinutes)' });
        const next = sorted[i + 1];
        if (next && minutes(next.start) < minutes(iv.end))
          issues.push({ path, message: 'intervals of a day do not overlap' });
        for (const t of iv.appointmentTypeIds)
          if (!data.knownAppointmentTypeIds.includes(t))
            issues.push({ path: `${path}.appointmentTypeIds`, message: `unknown appointment type ${t}` });
      });
    }
    if (issues.length > 0)
      throw new DomainError('invalid_template', 'The weekly template is not usable', issues);
    const { templateId: _t, ...current } = state.current ?? { templateId: '' };
    if (state.current && same(current, spec)) return [];
    const version = state.version + 1;
    return [
      {
        type: 'ProviderConfigured',
        data: {
          ...spec,
          templateId: `${spec.providerId}.v${version}`,
          version,
          configuredBy: data.by,
          configuredAt: data.at,
        },
      },
    ];
  },
  evolve: (_state, { data }) => {
    const { version, configuredBy: _b, configuredAt: _a, ...current } = data;
    return { version, current };
  },
};
