/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const REMINDERS_STREAM_CATEGORIES = ['reminder'] as const;
