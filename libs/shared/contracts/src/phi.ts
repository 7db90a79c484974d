import { z } from 'zod';

/**
 * Protected health information in event payloads. Contracts only mark which fields are PHI; the
 * platform's PHI codec encrypts them field by field with the patient's data key on the way into the
 * event store and onto the bus, and decrypts them on the way out. A field whose key was destroyed
 * (crypto-shredding: an erasure request or the retention policy) reads as `PHI_REDACTED`.
 */

/** What a field whose data key was destroyed reads as, in every consumer and read model. */
export const PHI_REDACTED = '[erased]';

/**
 * `contact`: who the patient is and how to reach them (name, number, address), one key per patient.
 * `content`: what was said or written (transcripts, notes, message texts), one key per patient and
 * UTC day, so the retention policy can destroy old content and keep the contact details.
 */
export type PhiClass = 'contact' | 'content';

export interface PhiSpec {
  /**
   * Dotted paths whose first non-null value identifies the patient (an E.164 number, an email, an
   * opaque patient reference), in order of preference. Absent: the patient of the stream (set by
   * an earlier event of the stream that names one).
   */
  subject?: readonly string[];
  /**
   * The stream whose patient this event is about, when neither the payload nor its own stream names
   * one (an alert acknowledgement about a task).
   */
  subjectStream?: (data: Record<string, unknown>) => string | null;
  /** PHI fields (dotted paths to string values) and their class. Nulls stay null. */
  fields: Readonly<Record<string, PhiClass>>;
}

/**
 * Categories whose streams are about one patient: an event there that names its patient makes that
 * patient the stream's, for the later events of the stream that name nobody (a task's notes).
 */
export const PHI_PATIENT_STREAM_CATEGORIES: readonly string[] = [
  'call',
  'task',
  'waitlist_entry',
  'booking_approval',
  'message',
  'inbound_message',
];

/** Marks the wire form of an encrypted field: `phi1.<keyId>.<iv>.<ciphertext+tag>`. */
export const PHI_CIPHERTEXT_PREFIX = 'phi1.';

export const isPhiCiphertext = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(PHI_CIPHERTEXT_PREFIX);

/** The value at a dotted path of a JSON object, or undefined. */
export function phiPathValue(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A copy of `data` with the value at a dotted path replaced; the path must exist. */
export function withPhiPathValue<T>(data: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  if (head === undefined || typeof data !== 'object' || data === null) return data;
  const record = data as Record<string, unknown>;
  if (!(head in record)) return data;
  return {
    ...record,
    [head]: rest.length === 0 ? value : withPhiPathValue(record[head], rest.join('.'), value),
  } as T;
}

/**
 * The schema with each PHI path also admitting `PHI_REDACTED`, so an event whose PHI was shredded
 * still validates (and upcasts) everywhere; its other fields are checked as strictly as before.
 */
export function redactableSchema(schema: z.ZodType, paths: readonly string[]): z.ZodType {
  let result = schema;
  for (const path of paths) result = admitRedacted(result, path.split('.'));
  return result;
}

function admitRedacted(schema: z.ZodType, parts: readonly string[]): z.ZodType {
  if (parts.length === 0) return z.union([schema, z.literal(PHI_REDACTED)]);
  if (schema instanceof z.ZodNullable) return admitRedacted(schema.unwrap() as z.ZodType, parts).nullable();
  if (schema instanceof z.ZodObject) {
    const [head, ...rest] = parts as [string, ...string[]];
    const field = (schema.shape as Record<string, z.ZodType>)[head];
    if (!field) throw new Error(`PHI path ${parts.join('.')} is not in the schema`);
    return schema.extend({ [head]: admitRedacted(field, rest) });
  }
  throw new Error(`PHI path ${parts.join('.')} does not lead through objects`);
}
