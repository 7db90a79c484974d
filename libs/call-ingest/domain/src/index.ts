/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const CALL_INGEST_STREAM_CATEGORIES = ['call', 'location'] as const;
export * from './call/caller-line.decider';
export * from './call/phone-number';
export * from './location';
