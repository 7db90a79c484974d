/** The process's PhiCodec (DI token): subjects of patients and streams, encryption of envelopes. */
export const PHI_CODEC = Symbol.for('ringback.PhiCodec');
