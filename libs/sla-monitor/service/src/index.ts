/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const SLA_MONITOR_STREAM_CATEGORIES = ['sla'] as const;
export * from './sla-monitor.module';
export * from './sla-timers.projection';
export * from './sla-timer.scheduler';
export * from './sla-task-events.consumer';
export * from './alerts/sla-alerts.projection';
export * from './alerts/sla-alerts.http.controller';
