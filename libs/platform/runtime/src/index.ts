export * from './platform-adapters';
export * from './read-model-checkpoint-store';
