// Compile-time only: the decider's event payloads and the published zod schemas must agree both
// ways, so a field changed on one side fails `tsc` instead of failing at runtime validation.
import type { z } from 'zod';
import type {
  TaskViewMessage,
  coordinatorEventSchemas,
  taskEventSchemas,
  triagePolicyChangedV1,
} from '@ringback/contracts';
import type { CoordinatorEvent, TaskEvent, TaskView, TriagePolicyChanged } from '../index';

type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type ContractTask = {
  [K in keyof typeof taskEventSchemas]: { type: K; data: z.infer<(typeof taskEventSchemas)[K]> };
}[keyof typeof taskEventSchemas];
type Pair<K extends TaskEvent['type']> = Mutual<
  Extract<TaskEvent, { type: K }>['data'],
  Extract<ContractTask, { type: K }>['data']
>;
type AllPairs = { [K in TaskEvent['type']]: Pair<K> };
type ContractCoordinator = {
  [K in keyof typeof coordinatorEventSchemas]: {
    type: K;
    data: z.infer<(typeof coordinatorEventSchemas)[K]>;
  };
}[keyof typeof coordinatorEventSchemas];
type CoordinatorPairs = {
  [K in CoordinatorEvent['type']]: Mutual<
    Extract<CoordinatorEvent, { type: K }>['data'],
    Extract<ContractCoordinator, { type: K }>['data']
  >;
};

export type TaskEventsMatchContracts = [
  AllPairs[TaskEvent['type']],
  Mutual<TaskEvent['type'], ContractTask['type']>,
  Mutual<TriagePolicyChanged['data'], z.infer<typeof triagePolicyChangedV1>>,
  CoordinatorPairs[CoordinatorEvent['type']],
  Mutual<CoordinatorEvent['type'], ContractCoordinator['type']>,
  Mutual<TaskView, TaskViewMessage>,
] extends [true, true, true, true, true, true]
  ? true
  : never;
export const taskEventsMatchContracts: TaskEventsMatchContracts = true;
