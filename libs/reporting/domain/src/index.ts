/** Stream categories this service owns: none, it only reads other services' events. */
export const REPORTING_STREAM_CATEGORIES = [] as const;
