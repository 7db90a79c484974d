/**
 * A decider in the Emmett sense: pure functions from command and state to new events, and from
 * state and event to new state. Time and ids arrive inside the command, never from globals.
 */
export interface Decider<State, Command, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds a history into state. */
export const foldEvents = <State, Command, Event>(
  decider: Decider<State, Command, Event>,
  events: readonly Event[],
): State => events.reduce((s, e) => decider.evolve(s, e), decider.initialState());

/** A business rule said no; maps to a 4xx at the edge and never produces events. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * given/when/then for deciders. `then` receives either the events decided or the error thrown,
 * so specs can assert on both outcomes.
 */
export function deciderSpec<State, Command, Event>(decider: Decider<State, Command, Event>) {
  return {
    given(history: readonly Event[]) {
      return {
        when(command: Command) {
          const run = (): { events: Event[]; error?: undefined } | { events?: undefined; error: unknown } => {
            try {
              return { events: decider.decide(command, foldEvents(decider, history)) };
            } catch (error) {
              return { error };
            }
          };
          return {
            then(assertion: (outcome: ReturnType<typeof run>) => void): void {
              assertion(run());
            },
          };
        },
      };
    },
  };
}
