/**
 * Durable position of a processor that is not a projection (for example the store-to-bus relay),
 * and the set of event ids a consumer has already handled.
 */
export interface CheckpointStore {
  load(processorId: string): Promise<bigint | null>;
  save(processorId: string, position: bigint): Promise<void>;
}

export const CHECKPOINT_STORE = Symbol.for('ringback.CheckpointStore');
