/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const TRIAGE_STREAM_CATEGORIES = ['task'] as const;
