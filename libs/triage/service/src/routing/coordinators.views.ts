import { MANUAL_PRESENCES, PRESENCES, type CoordinatorState } from '@ringback/triage-domain';
import { z } from 'zod';

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, dot, underscore or dash (max 128)');

export const coordinatorParamsSchema = z.object({ coordinatorId: id });

export const coordinatorProfileBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  podIds: z.array(id).min(1).max(50),
  languages: z
    .array(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'BCP 47 language tag, e.g. en or es-MX'))
    .min(1)
    .max(20),
  serviceLines: z.array(id).max(50).default([]).describe('Empty: a generalist who serves every service line'),
  schedulingAuthority: z
    .array(id)
    .max(100)
    .default([])
    .describe('Appointment types the coordinator may book directly'),
});

export const presenceBodySchema = z.strictObject({
  presence: z
    .enum(MANUAL_PRESENCES as [string, ...string[]])
    .describe('busy and wrap_up follow from the work'),
});

export const coordinatorViewSchema = z.object({
  coordinatorId: z.string(),
  name: z.string(),
  podIds: z.array(z.string()),
  languages: z.array(z.string()),
  serviceLines: z.array(z.string()),
  schedulingAuthority: z.array(z.string()),
  presence: z.enum(PRESENCES),
  presenceSince: z.string(),
  wrapUpUntil: z.string().nullable(),
  offer: z.object({ offerId: z.string(), taskId: z.string(), expiresAt: z.string() }).nullable(),
  activeTaskIds: z.array(z.string()),
  version: z.number().int(),
});
export type CoordinatorView = z.infer<typeof coordinatorViewSchema>;

export const coordinatorListSchema = z.object({ items: z.array(coordinatorViewSchema) });
export const coordinatorProfileResultSchema = z.object({
  coordinatorId: z.string(),
  version: z.number().int(),
});

export function coordinatorView(state: Extract<CoordinatorState, { status: 'registered' }>): CoordinatorView {
  return {
    coordinatorId: state.coordinatorId,
    ...state.profile,
    presence: state.presence,
    presenceSince: state.presenceSince,
    wrapUpUntil: state.wrapUpUntil,
    offer: state.offer ? { ...state.offer } : null,
    activeTaskIds: [...state.activeTaskIds],
    version: state.version,
  };
}
