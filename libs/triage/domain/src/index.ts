/** Stream categories this service owns (it alone appends to `<category>-<id>` streams). */
export const TRIAGE_STREAM_CATEGORIES = ['task', 'triage_policy', 'coordinator'] as const;

export * from '@ringback/triage-policy';
export {
  triagePolicyDecider,
  seedPolicyCommand,
  baseOf,
  type ConfigureTriagePolicy,
  type PolicyScope,
  type TriagePolicyChanged,
  type TriagePolicyCommand,
  type TriagePolicyEvent,
  type TriagePolicyState,
} from './policy/triage-policy.decider';
export {
  callbackTaskDecider,
  statusOf,
  isSuccessfulOutcome,
  SUCCESSFUL_OUTCOMES,
  RETRYABLE_OUTCOMES,
  type AcceptHandoff,
  type AcceptOffer,
  type AttemptOutcome,
  type CallbackTaskState,
  type Claim,
  type DeclineOffer,
  type Escalate,
  type Escalation,
  type ExistingTask,
  type ExpireOffer,
  type FlagRepeatCaller,
  type WithdrawOffer,
  type FollowUpChannel,
  type JoinCall,
  type MarkUnreachable,
  type Offer,
  type OpenTask,
  type PendingOffer,
  type RecordAttempt,
  type Reopen,
  type Resolve,
  type TaskChannel,
  type TaskCommand,
  type TaskCore,
  type TaskEvent,
  type TaskEventType,
  type TaskResolution,
  type TaskSlaClock,
  type TaskStatus,
  type TaskTriage,
} from './task/callback-task.decider';
export * from './task/task-view';
export * from './routing/coordinator.decider';
