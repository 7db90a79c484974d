// Compile-time only: the decider's event payloads and the published zod schemas must agree both
// ways, so a field changed on one side fails `tsc` instead of failing at runtime validation.
import type { z } from 'zod';
import type { taskEventSchemas, triagePolicyChangedV1 } from '@ringback/contracts';
import type { TaskEvent, TriagePolicyChanged } from '../index';

type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type ContractTask = {
  [K in keyof typeof taskEventSchemas]: { type: K; data: z.infer<(typeof taskEventSchemas)[K]> };
}[keyof typeof taskEventSchemas];
type Pair<K extends TaskEvent['type']> = Mutual<
  Extract<TaskEvent, { type: K }>['data'],
  Extract<ContractTask, { type: K }>['data']
>;
type AllPairs = { [K in TaskEvent['type']]: Pair<K> };

export type TaskEventsMatchContracts = [
  AllPairs[TaskEvent['type']],
  Mutual<TaskEvent['type'], ContractTask['type']>,
  Mutual<TriagePolicyChanged['data'], z.infer<typeof triagePolicyChangedV1>>,
] extends [true, true, true]
  ? true
  : never;
export const taskEventsMatchContracts: TaskEventsMatchContracts = true;
