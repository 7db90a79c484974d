// The triage context's published policies: pure functions other contexts may reuse as they are
// (the what-if simulator replays demand through them). Deciders and streams stay in triage-domain.
export * from './triage-policy';
export * from './triage';
export * from './presence';
export * from './routing-plan';
export * from './retry-policy';
