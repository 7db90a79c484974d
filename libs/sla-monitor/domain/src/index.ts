/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const SLA_MONITOR_STREAM_CATEGORIES = ['sla'] as const;
export * from './sla-timer.decider';
