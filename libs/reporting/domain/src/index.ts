/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const REPORTING_STREAM_CATEGORIES = ['call_import'] as const;
export * from './facts/facts';
export * from './kpis/kpis';
export * from './kpis/series';
export * from './imports/call-log';
export * from './simulation/simulation-record';
export * from './simulation/staffing';
export * from './simulation/what-if-simulator';
export * from './simulation/what-if-report';
export * from './kpis/daily-counts';
