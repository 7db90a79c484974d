/** Stream categories this service owns: none, it only reads other services' events. */
export const REPORTING_STREAM_CATEGORIES = [] as const;
export * from './facts/facts';
export * from './kpis/kpis';
export * from './kpis/series';
