import type { EventRegistry } from '@ringback/contracts';
import { InMemoryReadModelStore } from '@ringback/in-memory';
import {
  ProjectionRunner,
  type EventStore,
  type ProjectionChanges,
  type Projection,
  type ReadModelStore,
} from '@ringback/platform-core';

export interface ProjectionSet {
  eventStore: EventStore;
  readModels: ReadModelStore;
  projections: readonly Projection[];
  registry?: EventRegistry;
  changes?: ProjectionChanges;
  /**
   * How long a runner buffers before it writes (ProjectionRunner's `maxFlushDelayMs`). Default: 0 for
   * read models in process memory, where a write costs nothing and waiting only adds latency to every
   * wallboard delta (what one read of the store delivers is still written as one batch); the runner's
   * default for a database, where batching saves round trips.
   */
  maxFlushDelayMs?: number;
  /**
   * Documents a runner keeps from batch to batch (ProjectionRunner's `cacheSize`). Default: none for
   * read models in process memory, which are that cache already: a second copy, held as objects for
   * minutes, only outlives the young generation, and every major collection then marks all of it
   * (the read models themselves hold JSON text). The runner's default for a database, where a hit
   * saves a round trip.
   */
  cacheSize?: number;
}

/**
 * How a rebuild batches: nobody reads the read models meanwhile, so the writes wait for a large batch
 * (fewer statements and checkpoint writes; documents touched by several events of a batch are
 * written once) instead of the live runner's 500 events or 50 ms.
 */
export const REBUILD_BATCHING = { batchSize: 5_000, maxFlushDelayMs: 1_000 } as const;

const runnersFor = (
  set: ProjectionSet,
  batching: { batchSize?: number; maxFlushDelayMs?: number } = {},
): ProjectionRunner[] =>
  set.projections.map(
    (projection) =>
      new ProjectionRunner({
        store: set.eventStore,
        readModels: set.readModels,
        projection,
        ...(flushDelayOf(set) !== undefined ? { maxFlushDelayMs: flushDelayOf(set) } : {}),
        ...(cacheSizeOf(set) !== undefined ? { cacheSize: cacheSizeOf(set) } : {}),
        ...batching,
        ...(set.registry ? { registry: set.registry } : {}),
        ...(set.changes ? { changes: set.changes } : {}),
      }),
  );

const flushDelayOf = (set: ProjectionSet): number | undefined =>
  set.maxFlushDelayMs ?? (set.readModels instanceof InMemoryReadModelStore ? 0 : undefined);

const cacheSizeOf = (set: ProjectionSet): number | undefined =>
  set.cacheSize ?? (set.readModels instanceof InMemoryReadModelStore ? 0 : undefined);

/** Starts every projection (each resumes from its checkpoint, or rebuilds when its version changed). */
export async function startProjections(set: ProjectionSet): Promise<ProjectionRunner[]> {
  const runners = runnersFor(set);
  for (const runner of runners) await runner.start();
  return runners;
}

/**
 * `npm run projections:rebuild`: drops every read model and checkpoint of the given projections and
 * replays the whole event store into them, then stops. Returns the processor ids rebuilt.
 */
export async function rebuildProjections(set: ProjectionSet): Promise<string[]> {
  const runners = runnersFor(set, REBUILD_BATCHING);
  for (const runner of runners) {
    await runner.start();
    await runner.rebuild();
    await runner.whenCaughtUp();
    await runner.stop();
  }
  return set.projections.map((p) => p.id);
}
