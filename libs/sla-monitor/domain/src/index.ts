/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const SLA_MONITOR_STREAM_CATEGORIES = ['sla', 'sla_alert'] as const;
export * from './sla-timer.decider';
export * from './sla-alert.decider';
