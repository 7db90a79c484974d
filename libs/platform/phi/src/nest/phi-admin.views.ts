import { ERASURE_REASONS, phiAccessedV1 } from '@ringback/contracts';
import { z } from 'zod';

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number (+<country code><number>)');

/** Exactly one way of naming the patient. */
export const erasureBodySchema = z
  .object({
    phone: e164.optional(),
    email: z.email().max(254).optional(),
    patientRef: z.string().min(1).max(200).optional(),
    taskId: z.string().min(1).max(200).optional(),
    reason: z.enum(ERASURE_REASONS),
    reference: z.string().max(200).nullable().default(null),
  })
  .strict()
  .refine((b) => [b.phone, b.email, b.patientRef, b.taskId].filter((v) => v !== undefined).length === 1, {
    message: 'name the patient by exactly one of phone, email, patientRef or taskId',
    path: ['phone'],
  });

export const erasureResultSchema = z.object({
  erasureId: z.string(),
  identifiedBy: z.enum(['phone', 'email', 'patient_ref', 'task']),
  keysDestroyed: z.number().int().describe('Data keys destroyed now (0: already erased, or no PHI recorded)'),
  erasedAt: z.string(),
});

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const auditQuerySchema = z
  .object({
    from: instant,
    to: instant,
    userId: z.string().min(1).max(200).optional(),
    taskId: z.string().min(1).max(200).optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict()
  .refine((q) => q.from < q.to, { message: 'from must be before to', path: ['to'] });

export const auditListSchema = z.object({ items: z.array(phiAccessedV1) });
