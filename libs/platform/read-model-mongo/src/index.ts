export * from './mongo-read-model-store';
