import {
  PHI_CIPHERTEXT_PREFIX,
  PHI_PATIENT_STREAM_CATEGORIES,
  PHI_REDACTED,
  categoryOf,
  isPhiCiphertext,
  phiPathValue,
  withPhiPathValue,
  type EventEnvelope,
  type EventRegistry,
  type PhiClass,
  type PhiSpec,
} from '@ringback/contracts';
import { deriveKey, openAesGcm, pseudonym, sealAesGcm } from './phi-crypto';
import { PhiIntegrityError, type PhiDataKey, type PhiKeyStore } from './phi-key-store.port';

/**
 * The patient's identity as every event spells it: E.164 numbers as they are, email addresses in
 * lower case, anything else (an opaque patient reference) prefixed, so two kinds never collide.
 */
export function normalisePatientIdentity(value: string): string {
  const trimmed = value.trim();
  if (/^\+[1-9]\d{1,14}$/.test(trimmed)) return `tel:${trimmed}`;
  if (trimmed.includes('@')) return `mailto:${trimmed.toLowerCase()}`;
  return `ref:${trimmed}`;
}

/**
 * Encrypts and decrypts the PHI fields of events (the registry's `phi` marks) field by field with
 * AES-256-GCM under the patient's data key: envelope encryption, the data keys in a `PhiKeyStore`.
 * The associated data binds each ciphertext to its event id and field path, so a ciphertext moved to
 * another event or field does not decrypt. Everything else of the envelope stays as it is, so the
 * store, the bus and the relay work on encrypted events unchanged, and deciders never see a
 * ciphertext: the event-store and bus decorators around this codec decrypt before anyone reads.
 *
 * Events stored before encryption existed hold plaintext; they pass through decryption unchanged.
 */
export class PhiCodec {
  private readonly subjectKey: Buffer;

  constructor(
    private readonly registry: EventRegistry,
    private readonly keys: PhiKeyStore,
    masterKey: string,
  ) {
    this.subjectKey = deriveKey(masterKey, 'patient-pseudonyms');
  }

  /** The patient's key subject: a keyed HMAC of the normalised identity (number, email, reference). */
  subjectOf(identity: string): string {
    return `p${pseudonym(this.subjectKey, normalisePatientIdentity(identity))}`;
  }

  /** The pseudonym of a caller's number in caller-line stream ids (`call-<location>.<lineKey>`). */
  lineKeyOf(e164: string): string {
    return pseudonym(this.subjectKey, `line:${normalisePatientIdentity(e164)}`);
  }

  /** The subject of a stream's events when no patient is known: shreddable only by retention. */
  streamSubjectOf(streamId: string): string {
    return `s${pseudonym(this.subjectKey, `stream:${streamId}`)}`;
  }

  /** The key subject of a patient-scoped stream (a task, a caller line), once known. */
  async subjectOfStream(streamId: string): Promise<string | null> {
    return this.keys.streamSubject(streamId);
  }

  /** The envelope with its PHI fields encrypted (fields already encrypted are left alone). */
  async encrypt<E extends EventEnvelope>(envelope: E): Promise<E> {
    const spec = this.registry.phiSpec(envelope.type);
    if (!spec) return envelope;
    const plain = Object.keys(spec.fields).filter((p) => {
      const v = phiPathValue(envelope.data, p);
      return typeof v === 'string' && !isPhiCiphertext(v) && v !== PHI_REDACTED;
    });
    if (plain.length === 0) return envelope;
    const { subject, remembered } = await this.subjectFor(envelope, spec);
    // Every key (and the stream's patient) asked for at once: the key store writes them in one commit.
    const keys: PhiDataKey[] = await Promise.all(
      plain.map((path) => {
        const keyClass = spec.fields[path]!;
        return this.keys.generateDataKey({
          subject,
          keyClass,
          day: keyClass === 'content' ? envelope.occurredAt.slice(0, 10) : null,
        });
      }),
    ).catch(async (error: unknown) => {
      await remembered?.catch(() => undefined); // settled, never left to reject unhandled
      throw error;
    });
    await remembered;
    let data = envelope.data;
    plain.forEach((path, i) => {
      const { keyId, key } = keys[i]!;
      const value = phiPathValue(data, path) as string;
      const { iv, sealed } = sealAesGcm(key, Buffer.from(value, 'utf8'), aad(envelope.eventId, path));
      data = withPhiPathValue(
        data,
        path,
        `${PHI_CIPHERTEXT_PREFIX}${keyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`,
      );
    });
    return { ...envelope, data };
  }

  /**
   * The envelope with its encrypted PHI fields replaced by `PHI_REDACTED`, nothing decrypted: for a
   * reader that never looks at them (a projection that does not show PHI).
   */
  redact<E extends EventEnvelope>(envelope: E): E {
    const spec = this.registry.phiSpec(envelope.type);
    if (!spec) return envelope;
    let data = envelope.data;
    for (const path of Object.keys(spec.fields))
      if (isPhiCiphertext(phiPathValue(data, path))) data = withPhiPathValue(data, path, PHI_REDACTED);
    return data === envelope.data ? envelope : { ...envelope, data };
  }

  /**
   * The envelope with its PHI fields in the clear, or `PHI_REDACTED` where the key was destroyed.
   * Throws PhiIntegrityError when a ciphertext was altered.
   */
  async decrypt<E extends EventEnvelope>(envelope: E): Promise<E> {
    const spec = this.registry.phiSpec(envelope.type);
    if (!spec) return envelope;
    let data = envelope.data;
    let changed = false;
    let legacySubject: Promise<string> | undefined;
    for (const path of Object.keys(spec.fields)) {
      const value = phiPathValue(data, path);
      if (typeof value === 'string' && !isPhiCiphertext(value) && value !== PHI_REDACTED) {
        // Plaintext: recorded before encryption. No key can shred it; erasure and retention still apply.
        legacySubject ??= this.subjectFor(envelope, spec).then(async (s) => {
          await s.remembered;
          return s.subject;
        });
        if (await this.shreddedLegacy(envelope, spec.fields[path]!, legacySubject)) {
          data = withPhiPathValue(data, path, PHI_REDACTED);
          changed = true;
        }
        continue;
      }
      if (!isPhiCiphertext(value)) continue;
      const parts = value.slice(PHI_CIPHERTEXT_PREFIX.length).split('.');
      if (parts.length !== 3) throw new PhiIntegrityError(envelope.eventId, path);
      const [keyId, iv, sealed] = parts as [string, string, string];
      const key = await this.keys.decrypt(keyId);
      let clear: string;
      if (!key) clear = PHI_REDACTED;
      else {
        try {
          clear = openAesGcm(
            key,
            Buffer.from(iv, 'base64url'),
            Buffer.from(sealed, 'base64url'),
            aad(envelope.eventId, path),
          ).toString('utf8');
        } catch {
          throw new PhiIntegrityError(envelope.eventId, path);
        }
      }
      data = withPhiPathValue(data, path, clear);
      changed = true;
    }
    return changed ? { ...envelope, data } : envelope;
  }

  private async shreddedLegacy(
    envelope: EventEnvelope,
    keyClass: PhiClass,
    subject: Promise<string>,
  ): Promise<boolean> {
    if (keyClass === 'content') {
      const cutoff = await this.keys.contentCutoffDay();
      if (cutoff !== null && envelope.occurredAt.slice(0, 10) < cutoff) return true;
    }
    // Whatever is plaintext predates encryption, so it predates every erasure of its patient.
    return (await this.keys.erasedAt(await subject)) !== null;
  }

  /**
   * The key subject of an envelope; `remembered`, when the envelope names the patient of its stream,
   * settles once that is recorded (not awaited here, so it shares a commit with the data keys).
   */
  private async subjectFor(
    envelope: EventEnvelope,
    spec: PhiSpec,
  ): Promise<{ subject: string; remembered?: Promise<void> }> {
    const category = categoryOf(envelope.streamId);
    const patientStream = PHI_PATIENT_STREAM_CATEGORIES.includes(category);
    for (const path of spec.subject ?? []) {
      const v = phiPathValue(envelope.data, path);
      if (typeof v === 'string' && v.length > 0 && v !== PHI_REDACTED && !isPhiCiphertext(v)) {
        const subject = this.subjectOf(v);
        if (!patientStream) return { subject };
        return { subject, remembered: this.keys.rememberStreamSubject(envelope.streamId, subject) };
      }
    }
    const linked = spec.subjectStream?.(envelope.data as Record<string, unknown>);
    if (linked) {
      const subject = await this.keys.streamSubject(linked);
      if (subject) return { subject };
    }
    if (patientStream) {
      const subject = await this.keys.streamSubject(envelope.streamId);
      if (subject) return { subject };
    }
    return { subject: this.streamSubjectOf(envelope.streamId) };
  }
}

const aad = (eventId: string, path: string): string => `${eventId}|${path}`;
