/**
 * The scheduling-authority matrix (seed 000, step 5): what a person may book directly, what needs
 * in-house approval, and what they may not book at all. Pure data and one function.
 */

export type SchedulingRole = 'admin' | 'supervisor' | 'coordinator' | 'clinic_staff';
export type AuthorityDecision = 'direct' | 'approval' | 'forbidden';

export interface AuthorityRule {
  role: SchedulingRole;
  /** Appointment types the rule covers; `*` all. */
  appointmentTypeIds: readonly string[] | '*';
  /** Whether the rule also covers protected slots. */
  protectedSlots: boolean;
  decision: Exclude<AuthorityDecision, 'forbidden'>;
}

export interface AuthorityRequest {
  role: SchedulingRole;
  /** Appointment types this person may book directly (a coordinator's profile). */
  personalAuthority: readonly string[];
  appointmentTypeId: string;
  protectedSlot: boolean;
}

/** Defaults: clinic staff and admins book anything; coordinators need approval outside their own authority. */
export const DEFAULT_AUTHORITY_MATRIX: readonly AuthorityRule[] = [
  { role: 'admin', appointmentTypeIds: '*', protectedSlots: true, decision: 'direct' },
  { role: 'clinic_staff', appointmentTypeIds: '*', protectedSlots: true, decision: 'direct' },
  { role: 'supervisor', appointmentTypeIds: '*', protectedSlots: false, decision: 'direct' },
  { role: 'supervisor', appointmentTypeIds: '*', protectedSlots: true, decision: 'approval' },
  { role: 'coordinator', appointmentTypeIds: '*', protectedSlots: true, decision: 'approval' },
];

const covers = (rule: AuthorityRule, req: AuthorityRequest): boolean =>
  rule.role === req.role &&
  (rule.appointmentTypeIds === '*' || rule.appointmentTypeIds.includes(req.appointmentTypeId)) &&
  (!req.protectedSlot || rule.protectedSlots);

/**
 * `direct` when the person's own authority lists the type (for an unprotected slot) or a rule grants
 * it directly; else `approval` when a rule allows it with approval; else `forbidden`. The most
 * permissive applicable answer wins.
 */
export function schedulingAuthority(
  req: AuthorityRequest,
  matrix: readonly AuthorityRule[] = DEFAULT_AUTHORITY_MATRIX,
): AuthorityDecision {
  if (!req.protectedSlot && req.personalAuthority.includes(req.appointmentTypeId)) return 'direct';
  const applicable = matrix.filter((r) => covers(r, req));
  if (applicable.some((r) => r.decision === 'direct')) return 'direct';
  if (applicable.some((r) => r.decision === 'approval')) return 'approval';
  return 'forbidden';
}
