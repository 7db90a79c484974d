export * from './platform-adapters';
export * from './read-model-checkpoint-store';
export * from './platform-runtime.module';
export * from './projections';
export * from './phi-key-destruction.follower';
