import { Inject, Injectable } from '@nestjs/common';
import { ringbackEventRegistry } from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type Decider, type IdGenerator } from '@ringback/kernel';
import { currentTraceparent } from '@ringback/observability';
import {
  EVENT_STORE,
  READ_MODEL_STORE,
  envelopeDecider,
  handleCommand,
  type EventStore,
  type PlainEvent,
  type ReadModelStore,
} from '@ringback/platform-core';

export interface CommandContext {
  correlationId: string;
  causationId?: string | null;
  locationId: string | null;
  /** The instant of the decision (recordedAt, event ids); default the clock's now. */
  now?: number;
}

/**
 * Runs a pure decider on one stream (load, decide, append with optimistic concurrency), its
 * events stamped with the request's ids and event time the command's `at`, and waits (bounded) for a
 * read model to apply them so the caller reads its own write.
 */
@Injectable()
export class StreamCommands {
  readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async run<S, C extends { data: { at: string } }, E extends PlainEvent>(
    decider: Decider<S, C, E>,
    streamId: string,
    command: C,
    context: CommandContext,
    waitForProjection?: string,
  ): Promise<{ state: S; events: E[] }> {
    const now = context.now ?? this.clock.now();
    const traceparent = currentTraceparent() ?? null;
    const result = await handleCommand({
      store: this.store,
      registry: this.registry,
      decider: envelopeDecider(decider, this.registry, (c: C) => ({
        streamId,
        occurredAt: c.data.at,
        recordedAt: toIso(now),
        correlationId: context.correlationId,
        causationId: context.causationId ?? null,
        locationId: context.locationId,
        traceparent,
        eventId: () => this.ids.next(now),
      })),
      streamId,
      command,
    });
    if (waitForProjection) {
      if (result.append) await this.waitFor(waitForProjection, result.append.position);
      else {
        // Nothing new to append (another path, e.g. a consumer, already recorded it): the caller still
        // reads its write, so wait for the stream's latest event to be projected.
        const last = (await this.store.readStream(streamId)).at(-1);
        if (last) await this.waitFor(waitForProjection, last.position);
      }
    }
    return { state: result.state, events: result.events.map((e) => ({ type: e.type, data: e.data }) as E) };
  }

  /** The stream folded through `decider` (nothing appended). */
  async load<S, C, E extends PlainEvent>(decider: Decider<S, C, E>, streamId: string): Promise<S> {
    let state = decider.initialState();
    for (const r of await this.store.readStream(streamId)) {
      const e = this.registry.upcast(r.envelope);
      state = decider.evolve(state, { type: e.type, data: e.data } as E);
    }
    return state;
  }

  /** Bounded read-your-writes: the projection `projectionId` has applied `position`. */
  async waitFor(projectionId: string, position: bigint, timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const checkpoint = await this.readModels.getCheckpoint(projectionId);
      if ((checkpoint && checkpoint.position >= position) || Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
