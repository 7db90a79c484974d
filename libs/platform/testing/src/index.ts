export * from './infra';
export * from './test-events';
export * from './event-store.contract';
export * from './bus.contract';
export * from './read-model.contract';
