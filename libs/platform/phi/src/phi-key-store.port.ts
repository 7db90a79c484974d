import type { PhiClass } from '@ringback/contracts';

/** A data key as the codec uses it: the id the ciphertext names, and the 256-bit AES key. */
export interface PhiDataKey {
  keyId: string;
  key: Buffer;
}

/** Which data key: one per patient for contact details, one per patient and UTC day for content. */
export interface PhiKeySpec {
  /** The patient's pseudonymous id (keyed HMAC of their normalised number, email or reference). */
  subject: string;
  keyClass: PhiClass;
  /** `YYYY-MM-DD` (UTC) for content keys, null for contact keys. */
  day: string | null;
}

/** Which keys to destroy: all of one patient's, or content keys of days before a cutoff. */
export type PhiKeySelector = { subject: string } | { keyClass: 'content'; dayBefore: string };

/**
 * The PHI key store port, shaped like a KMS (AWS KMS GenerateDataKey / Decrypt / ScheduleKeyDeletion)
 * so that a cloud KMS adapter can stand in for the embedded one. Data keys never leave it in the
 * clear except to the codec of this process; at rest they are wrapped by a master key.
 *
 * Destroying a key is crypto-shredding: every field encrypted with it becomes unreadable, wherever a
 * copy of the ciphertext lives (event store, bus, backups). A logical key (subject, class, day) whose
 * key was destroyed gets a fresh key on its next `generateDataKey`, so data recorded after an
 * erasure is readable again and data recorded before it stays shredded.
 */
export interface PhiKeyStore {
  /** The live data key of the logical key, created (and durably stored, wrapped) on first use. */
  generateDataKey(spec: PhiKeySpec): Promise<PhiDataKey>;
  /** The data key a ciphertext names; null once it was destroyed (or never existed). */
  decrypt(keyId: string): Promise<Buffer | null>;
  /** Destroys the keys matching `selector` (the wrapped key material is deleted); answers their ids. */
  destroy(selector: PhiKeySelector): Promise<string[]>;
  /**
   * When the patient's keys were last destroyed by an erasure (null: never). Events recorded before
   * encryption existed hold plaintext that no key can shred; readers redact the PHI of an erased
   * patient's plaintext events.
   */
  erasedAt(subject: string): Promise<string | null>;
  /**
   * Forgets what this process holds in memory about the keys `selector` names (a patient's, or the
   * content keys of days before a cutoff, with the cutoff itself), so a destroy another process made
   * (learnt from its PatientDataErased or PhiRetentionApplied) applies here at once rather than when
   * a cache expires.
   */
  forget(selector: PhiKeySelector): Promise<void>;
  /** The latest retention cutoff (`YYYY-MM-DD`): plaintext content of earlier days reads as redacted. */
  contentCutoffDay(): Promise<string | null>;
  /** The patient of a patient-scoped stream (a task, a caller line), once an event named them. */
  streamSubject(streamId: string): Promise<string | null>;
  rememberStreamSubject(streamId: string, subject: string): Promise<void>;
  close(): Promise<void>;
}

export const PHI_KEY_STORE = Symbol.for('ringback.PhiKeyStore');

/** A ciphertext's authentication tag did not verify: the stored field was altered. */
export class PhiIntegrityError extends Error {
  constructor(
    readonly eventId: string,
    readonly path: string,
  ) {
    super(`event ${eventId}: the encrypted field ${path} failed its integrity check`);
    this.name = 'PhiIntegrityError';
  }
}
