export * from './location-config';
export * from './configure-location.decider';
