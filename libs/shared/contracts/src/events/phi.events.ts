import { z } from 'zod';
import type { EventDefinition } from '../registry';

/**
 * Privacy events, produced by the platform of every service:
 * - `phi_erasure-<erasureId>`: an admin's erase request, done by destroying the patient's data keys
 *   (crypto-shredding); the patient is named only by their pseudonymous key subject;
 * - `phi_retention-<cutoffDay>`: the retention policy destroyed the content keys (transcripts, notes,
 *   message texts) of the days before `cutoffDay`;
 * - `phi_access-<YYYY-MM-DD>`: the audit log, one event per read of PHI through the API (who, when,
 *   what, from where). Times are UTC ISO-8601 with `Z`.
 */
export const PHI_ERASURE_CATEGORY = 'phi_erasure';
export const PHI_RETENTION_CATEGORY = 'phi_retention';
export const PHI_ACCESS_CATEGORY = 'phi_access';
export const phiErasureStreamId = (erasureId: string): string => `${PHI_ERASURE_CATEGORY}-${erasureId}`;
export const phiRetentionStreamId = (cutoffDay: string): string => `${PHI_RETENTION_CATEGORY}-${cutoffDay}`;
export const phiAccessStreamId = (day: string): string => `${PHI_ACCESS_CATEGORY}-${day}`;

const isoUtc = z.iso.datetime({ offset: false });
const id = z.string().min(1).max(200);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export const ERASURE_REASONS = ['patient_request', 'legal_obligation', 'data_error', 'other'] as const;
export const PHI_ACCESS_RESOURCES = ['task_contact', 'appointment', 'outbox'] as const;

export const patientDataErasedV1 = z.object({
  erasureId: id,
  /** The patient's key subject (a keyed HMAC of their number, email or reference): no PHI. */
  subjects: z.array(id).min(1),
  /** How the admin named the patient (the number itself is never recorded). */
  identifiedBy: z.enum(['phone', 'email', 'patient_ref', 'task']),
  taskId: id.nullable(),
  reason: z.enum(ERASURE_REASONS),
  /** The admin's ticket or case reference (no PHI). */
  reference: z.string().max(200).nullable(),
  keysDestroyed: z.number().int().nonnegative(),
  requestedBy: id,
  erasedAt: isoUtc,
});

export const phiRetentionAppliedV1 = z.object({
  /** Content keys of UTC days before this one were destroyed. */
  cutoffDay: day,
  retentionDays: z.number().int().positive(),
  keysDestroyed: z.number().int().positive(),
  appliedAt: isoUtc,
});

export const phiAccessedV1 = z.object({
  accessId: id,
  actor: z.object({ userId: id, role: z.string().min(1).max(50) }),
  resource: z.enum(PHI_ACCESS_RESOURCES),
  /** The task, appointment or outbox filter read. */
  resourceId: z.string().max(500).nullable(),
  taskId: id.nullable(),
  method: z.string().max(10),
  path: z.string().max(2000),
  /** The client address the request came from (X-Forwarded-For first hop behind a proxy). */
  sourceIp: z.string().max(100).nullable(),
  userAgent: z.string().max(500).nullable(),
  status: z.number().int(),
  accessedAt: isoUtc,
});

export type PatientDataErasedV1 = z.infer<typeof patientDataErasedV1>;
export type PhiRetentionAppliedV1 = z.infer<typeof phiRetentionAppliedV1>;
export type PhiAccessedV1 = z.infer<typeof phiAccessedV1>;

export const phiEventDefinitions: EventDefinition[] = [
  {
    type: 'PatientDataErased',
    category: PHI_ERASURE_CATEGORY,
    producer: 'platform',
    summary:
      "An admin's erase request: the patient's data keys were destroyed, so their PHI is unreadable everywhere (crypto-shredding)",
    versions: [{ version: 1, schema: patientDataErasedV1 }],
  },
  {
    type: 'PhiRetentionApplied',
    category: PHI_RETENTION_CATEGORY,
    producer: 'platform',
    summary:
      'The retention policy destroyed the content keys (transcripts, notes, message texts) of the days before cutoffDay',
    versions: [{ version: 1, schema: phiRetentionAppliedV1 }],
  },
  {
    type: 'PhiAccessed',
    category: PHI_ACCESS_CATEGORY,
    producer: 'platform',
    summary:
      'Audit log: someone read protected health information through the API (who, when, what, from where)',
    versions: [{ version: 1, schema: phiAccessedV1 }],
  },
];
