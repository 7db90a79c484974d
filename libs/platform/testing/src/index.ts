export * from './infra';
export * from './test-events';
