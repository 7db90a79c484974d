import { z } from 'zod';

export const USER_ROLES = ['admin', 'supervisor', 'coordinator', 'clinic_staff'] as const;
export type UserRole = (typeof USER_ROLES)[number];

const scopeIds = z.array(z.string().min(1)).default([]);

/**
 * The claims Ringback reads from a user token (contract "Authentication and scope"). Scope lists
 * default to empty, so a token that omits one simply grants nothing through it.
 */
export const userClaimsSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(USER_ROLES),
  regions: scopeIds,
  locations: scopeIds,
  pods: scopeIds,
});

/** The authenticated caller, as the guard puts it on the request. */
export type AuthUser = z.output<typeof userClaimsSchema>;
