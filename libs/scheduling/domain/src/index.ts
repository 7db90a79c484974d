/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const SCHEDULING_STREAM_CATEGORIES = ['appointment', 'slot'] as const;
export * from './slots/slot-generator';
export * from './slots/scheduling-authority';
export * from './slots/slot.decider';
export * from './catalog/catalog.decider';
