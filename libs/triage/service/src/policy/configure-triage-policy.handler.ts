import { Inject, Injectable } from '@nestjs/common';
import { ringbackEventRegistry, type EventEnvelope, type TriagePolicyChangedV1 } from '@ringback/contracts';
import {
  CLOCK,
  DomainError,
  ID_GENERATOR,
  foldEvents,
  toIso,
  type Clock,
  type Decider,
  type IdGenerator,
} from '@ringback/kernel';
import { ApiError, RequestValidationError, type FieldIssue } from '@ringback/nest-platform';
import { currentTraceparent } from '@ringback/observability';
import { EVENT_STORE, handleCommand, type EventStore } from '@ringback/platform-core';
import {
  defaultTriagePolicy,
  seedPolicyCommand,
  triagePolicyDecider,
  type ConfigureTriagePolicy,
  type TriagePolicy,
  type TriagePolicyBase,
  type TriagePolicyChanged,
  type TriagePolicyEvent,
  type TriagePolicyOverride,
  type TriagePolicyState,
} from '@ringback/triage-domain';
import { TRIAGE_POLICY_ID, triagePolicyStreamId } from '../open-task.consumer';

// The domain states its event's shape without depending on the contracts library; this keeps the
// two in step at compile time (the registry validates every event against the contract at append).
const _domainEventIsTheContract = (e: TriagePolicyChanged['data']): TriagePolicyChangedV1 => e;

/** What an admin asks of the policy; `override: null` removes that override. */
export type TriagePolicyChange =
  | { scope: 'health_system'; base: TriagePolicyBase }
  | { scope: 'service_line'; serviceLine: string; override: TriagePolicyOverride | null }
  | { scope: 'location'; locationId: string; override: TriagePolicyOverride | null };

export interface ConfigureTriagePolicyInput {
  change: TriagePolicyChange;
  /** The token's `sub`. */
  changedBy: string;
  reason?: string | null;
  /** Optimistic check: the `version` the admin read (0 before any change). */
  expectedVersion?: number;
  correlationId: string;
}

/** `GET /api/v1/admin/triage-policy` and every change's answer. */
export interface TriagePolicyView {
  policyId: string;
  /** Version of the last recorded change; 0 while nothing was ever recorded. */
  version: number;
  /** The policy in force (`defaultTriagePolicy` while nothing was recorded). */
  policy: TriagePolicy;
}

export interface ConfigureTriagePolicyOutcome extends TriagePolicyView {
  /** False when the change was already in force (nothing appended). */
  changed: boolean;
  /** Events appended: 0 (no-op), 1, or 2 when the default policy was seeded first. */
  appended: number;
}

export const SEED_REASON =
  'Seeded with the default triage policy (version 1, the one tasks were triaged with) before the first change';

/** The view of a folded policy stream. */
export function viewOf(state: TriagePolicyState, policyId: string = TRIAGE_POLICY_ID): TriagePolicyView {
  return state.status === 'configured'
    ? { policyId, version: state.policy.version, policy: state.policy }
    : { policyId, version: 0, policy: defaultTriagePolicy };
}

/** The admin's change as a `ConfigureTriagePolicy` command. */
export function commandFor(
  input: Omit<ConfigureTriagePolicyInput, 'correlationId'>,
  at: string,
  policyId: string = TRIAGE_POLICY_ID,
): ConfigureTriagePolicy {
  const meta = {
    policyId,
    changedBy: input.changedBy,
    reason: input.reason ?? null,
    at,
    ...(input.expectedVersion === undefined ? {} : { expectedVersion: input.expectedVersion }),
  };
  const c = input.change;
  switch (c.scope) {
    case 'health_system':
      return { type: 'ConfigureTriagePolicy', data: { ...meta, scope: c.scope, base: c.base } };
    case 'service_line':
      return {
        type: 'ConfigureTriagePolicy',
        data: { ...meta, scope: c.scope, serviceLine: c.serviceLine, override: c.override },
      };
    case 'location':
      return {
        type: 'ConfigureTriagePolicy',
        data: { ...meta, scope: c.scope, locationId: c.locationId, override: c.override },
      };
  }
}

/**
 * The policy decider, seeding a stream that has never been written: before the first change of any
 * scope it records `seed` (the default policy) as version 1, the very policy tasks triaged so far
 * name as `policyVersion: 1`, so version numbers never mean two different policies and the default
 * service-line overrides are not lost. The change then becomes version 2, in the same append. The
 * `expectedVersion` of the first change is checked against 0 (nothing recorded); a change that
 * turns out to be a no-op appends nothing, not even the seed.
 */
export function decideWithSeed(
  command: ConfigureTriagePolicy,
  state: TriagePolicyState,
  seed: TriagePolicy = defaultTriagePolicy,
): TriagePolicyEvent[] {
  if (state.status === 'configured') return triagePolicyDecider.decide(command, state);
  const { expectedVersion, ...data } = command.data;
  if (expectedVersion !== undefined && expectedVersion !== 0)
    throw new DomainError('policy_version_conflict', 'policy is at version 0', [
      { expectedVersion, actualVersion: 0 },
    ]);
  const seedEvents = triagePolicyDecider.decide(
    seedPolicyCommand(seed, {
      policyId: data.policyId,
      changedBy: data.changedBy,
      at: data.at,
      reason: SEED_REASON,
    }),
    state,
  );
  const seeded = seedEvents.reduce(triagePolicyDecider.evolve, state);
  const change = triagePolicyDecider.decide({ ...command, data } as ConfigureTriagePolicy, seeded);
  return change.length === 0 ? [] : [...seedEvents, ...change];
}

/** The decider's refusals as contract answers: 409 `version_conflict`, 400 `validation_failed`. */
export function apiErrorFor(error: unknown, change: TriagePolicyChange): unknown {
  if (!(error instanceof DomainError)) return error;
  if (error.code === 'policy_version_conflict')
    return new ApiError(
      409,
      'version_conflict',
      `The triage policy changed meanwhile: ${error.message}`,
      error.details,
    );
  if (error.code === 'invalid_policy') {
    // The decider names fields of the command (`base.`, `override.`) or of the resulting policy;
    // answer with fields of the request body where there is one.
    const ownKey =
      change.scope === 'service_line'
        ? `serviceLineOverrides.${change.serviceLine}.`
        : change.scope === 'location'
          ? `locationOverrides.${change.locationId}.`
          : null;
    const issues = (error.details as { path: string; message: string }[]).map((d): FieldIssue => {
      let field = d.path;
      for (const prefix of ['base.', 'override.', ...(ownKey ? [ownKey] : [])])
        if (field.startsWith(prefix)) field = field.slice(prefix.length);
      return { field, in: 'body', code: 'invalid_policy', message: d.message };
    });
    return new RequestValidationError(issues);
  }
  return error;
}

/**
 * `ConfigureTriagePolicy` over HTTP: load the policy stream, decide (seeding the default policy on the
 * first change), append with optimistic concurrency. The stream is the only truth: reads fold it too,
 * so an answer is never behind a write, and the triage consumer applies the new version to the next
 * call it handles.
 */
@Injectable()
export class ConfigureTriagePolicyHandler {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async current(policyId: string = TRIAGE_POLICY_ID): Promise<TriagePolicyView> {
    const recorded = await this.store.readStream(triagePolicyStreamId(policyId));
    const state = foldEvents(
      triagePolicyDecider,
      recorded.map((r) => {
        const e = this.registry.upcast(r.envelope);
        return { type: e.type, data: e.data } as TriagePolicyEvent;
      }),
    );
    return viewOf(state, policyId);
  }

  async handle(input: ConfigureTriagePolicyInput): Promise<ConfigureTriagePolicyOutcome> {
    const now = this.clock.now();
    const command = commandFor(input, toIso(now));
    try {
      const result = await handleCommand({
        store: this.store,
        registry: this.registry,
        decider: this.envelopeDecider(input, now),
        streamId: triagePolicyStreamId(command.data.policyId),
        command,
      });
      return {
        ...viewOf(result.state, command.data.policyId),
        changed: result.events.length > 0,
        appended: result.events.length,
      };
    } catch (error) {
      throw apiErrorFor(error, input.change);
    }
  }

  /** {@link decideWithSeed} over envelopes: fresh event ids, the request's correlation id. */
  private envelopeDecider(
    input: ConfigureTriagePolicyInput,
    now: number,
  ): Decider<TriagePolicyState, ConfigureTriagePolicy, EventEnvelope> {
    const recordedAt = toIso(now);
    const traceparent = currentTraceparent() ?? null;
    return {
      initialState: triagePolicyDecider.initialState,
      evolve: (state, e) =>
        triagePolicyDecider.evolve(state, { type: e.type, data: e.data } as TriagePolicyEvent),
      decide: (command, state) =>
        decideWithSeed(command, state).map((e): EventEnvelope => ({
          eventId: this.ids.next(now),
          type: e.type,
          schemaVersion: this.registry.latestVersion(e.type),
          streamId: triagePolicyStreamId(command.data.policyId),
          occurredAt: command.data.at,
          recordedAt,
          correlationId: input.correlationId,
          causationId: null,
          locationId: e.data.scope === 'location' ? e.data.locationId : null,
          traceparent,
          data: e.data,
        })),
    };
  }
}
