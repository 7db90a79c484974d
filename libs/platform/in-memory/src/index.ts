export * from './in-memory-event-store';
export * from './in-memory-read-model-store';
export * from './in-memory-checkpoint-store';
