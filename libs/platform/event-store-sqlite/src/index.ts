export * from './sqlite-event-store';
export * from './sqlite-checkpoint-store';
export * from './open-sqlite-database';
export * from './sqlite-group-commit';
export * from './sqlite-wal-checkpointer';
export * from './wal-fsync';
export type { SubscriptionFailure } from '@ringback/platform-core';
