import type { CheckpointStore } from '@ringback/platform-core';

/** Processor checkpoints in process memory (lost with it): for tests and throwaway runs. */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, bigint>();

  async load(processorId: string): Promise<bigint | null> {
    return this.positions.get(processorId) ?? null;
  }

  async save(processorId: string, position: bigint): Promise<void> {
    this.positions.set(processorId, position);
  }
}
