import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

// Handed a Buffer, every cipher call first turns it into a key object, which costs several times
// the AES of a field (about 110 against 18 microseconds per call on Node 24): a replay decrypting
// every event spent most of its time there. Each key Buffer gets its key object once.
const keyObjects = new WeakMap<Buffer, KeyObject>();
function secretKey(key: Buffer): KeyObject {
  let object = keyObjects.get(key);
  if (!object) {
    object = createSecretKey(key);
    keyObjects.set(key, object);
  }
  return object;
}

/** AES-256-GCM with a 96-bit random IV; the 128-bit tag follows the ciphertext. */
export function sealAesGcm(key: Buffer, plaintext: Buffer, aad: string): { iv: Buffer; sealed: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secretKey(key), iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, sealed };
}

/** Opens what `sealAesGcm` sealed; throws when the tag does not verify (altered data, wrong key). */
export function openAesGcm(key: Buffer, iv: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < 16) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', secretKey(key), iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

/** A 256-bit key derived from the configured master secret for one purpose (HKDF-SHA256). */
export function deriveKey(masterSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(masterSecret, 'utf8'), 'ringback-phi', purpose, 32));
}

/** Keyed HMAC-SHA256, base64url, truncated to 128 bits: a pseudonym that cannot be reversed by guessing. */
export function pseudonym(key: Buffer, value: string): string {
  return createHmac('sha256', secretKey(key))
    .update(value, 'utf8')
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}
