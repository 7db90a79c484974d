import type { EventEnvelope, EventRegistry } from '@ringback/contracts';
import type { Decider } from '@ringback/kernel';
import { WrongExpectedRevisionError, type EventStore, type AppendResult } from '../ports/event-store.port';

export interface HandleCommandOptions<State, Command, Event extends EventEnvelope> {
  store: EventStore;
  registry: EventRegistry;
  decider: Decider<State, Command, Event>;
  streamId: string;
  command: Command;
  /**
   * Attempts when another writer got there first (default 25): reload, decide again, append again.
   * Stores that group-commit (the SQLite file) put the appends of one turn of the event loop in one
   * transaction, so N commands racing on one stream win one per turn: the last needs N attempts.
   */
  maxAttempts?: number;
}

export interface HandleCommandResult<State, Event> {
  events: Event[];
  state: State;
  append: AppendResult | null;
}

/**
 * Load, decide, append with optimistic concurrency. The decider sees the stream as stored (upcast
 * to the latest schema versions); events it returns are validated before they are written. On a
 * revision conflict the whole cycle is retried, so two racing commands never both win on stale state.
 */
export async function handleCommand<State, Command, Event extends EventEnvelope>(
  options: HandleCommandOptions<State, Command, Event>,
): Promise<HandleCommandResult<State, Event>> {
  const { store, registry, decider, streamId, command } = options;
  const maxAttempts = options.maxAttempts ?? 25;
  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream(streamId);
    let state = decider.initialState();
    for (const r of recorded) state = decider.evolve(state, registry.upcast<Event>(r.envelope));
    const expectedRevision =
      recorded.length === 0 ? ('no_stream' as const) : recorded[recorded.length - 1]!.streamRevision;

    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, append: null };
    for (const e of events) {
      registry.validate(e);
      if (e.streamId !== streamId)
        throw new Error(`decider emitted an event for ${e.streamId} while handling ${streamId}`);
    }
    try {
      const append = await store.appendToStream(streamId, events, { expectedRevision });
      for (const e of events) state = decider.evolve(state, e);
      return { events, state, append };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError && attempt < maxAttempts) continue;
      throw error;
    }
  }
}
