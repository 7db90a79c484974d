import type { CheckpointStore, ReadModelStore } from '@ringback/platform-core';

/**
 * Checkpoints kept beside the read models, for processors that have no read model of their own
 * (the store-to-bus relay in distributed mode). Version 0: these checkpoints never trigger rebuilds.
 */
export class ReadModelCheckpointStore implements CheckpointStore {
  constructor(private readonly readModels: ReadModelStore) {}

  async load(processorId: string): Promise<bigint | null> {
    return (await this.readModels.getCheckpoint(processorId))?.position ?? null;
  }

  async save(processorId: string, position: bigint): Promise<void> {
    await this.readModels.applyBatch([], { processorId, position, version: 0 });
  }
}
