/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const SCHEDULING_STREAM_CATEGORIES = ['appointment', 'slot'] as const;
