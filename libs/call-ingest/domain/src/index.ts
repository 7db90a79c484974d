/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const CALL_INGEST_STREAM_CATEGORIES = ['call'] as const;
export * from './call/caller-line.decider';
export * from './call/phone-number';
