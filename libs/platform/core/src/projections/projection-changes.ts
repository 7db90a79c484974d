import type { ReadModelOp } from '../ports/read-model.port';

/** What one flush of a projection wrote: its ops, up to `position`. */
export interface ProjectionChange {
  projectionId: string;
  /** Store position of the last event the flush covers. */
  position: bigint;
  ops: readonly ReadModelOp[];
}

export type ProjectionChangeListener = (change: ProjectionChange) => void;

/**
 * In-process feed of what the projections of this process have just written, so live views (the
 * gateway's queues, a service's own read-your-writes) follow the read models without polling them.
 * Listeners run synchronously after the write and must not throw (an error is reported, not raised).
 */
export class ProjectionChanges {
  private readonly listeners = new Set<ProjectionChangeListener>();

  subscribe(listener: ProjectionChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(change: ProjectionChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        console.error('projection change listener failed', error);
      }
    }
  }
}

/** DI token of the process's {@link ProjectionChanges}. */
export const PROJECTION_CHANGES = Symbol.for('ringback.ProjectionChanges');
