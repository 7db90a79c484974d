/** Stream categories this service owns: none, it only reads other services' events. */
export const GATEWAY_STREAM_CATEGORIES = [] as const;
export * from './live-queue';
