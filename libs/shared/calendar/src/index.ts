export * from './location-schedule';
export * from './business-calendar';
export * from './sla-clock';
