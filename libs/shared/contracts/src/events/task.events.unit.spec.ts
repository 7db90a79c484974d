import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ringbackEventRegistry } from '../catalogue';
import { EventValidationError } from '../registry';
import { generateAsyncApi } from '../asyncapi/asyncapi';
import { taskEventDefinitions, taskEventSchemas, type TaskEventPayload } from './task.events';
import { triagePolicyEventDefinitions, type TriagePolicyChangedV1 } from './triage-policy.events';

const T = (hhmm: string) => `2026-11-23T${hhmm}:00.000Z`;
const taskId = '0193b2a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
const triage = {
  tier: 1 as const,
  rule: 'phrase:chest pain',
  reasons: ['Transcript mentions "chest pain".'],
  policyVersion: 1,
  handoff: { role: 'RN' as const },
  crisis: false,
  requiredDocumentation: ['handoff_recipient'],
};
const sla = {
  targetMinutes: 15,
  mode: 'wall_clock' as const,
  startedAt: T('18:50'),
  dueAt: T('19:05'),
  calendarVersion: 2,
};

/** One valid payload per task event type. */
const samples: TaskEventPayload[] = [
  {
    type: 'TaskOpened',
    data: {
      taskId,
      locationId: 'aurora',
      regionId: 'west',
      podId: 'pod-mountain',
      channel: 'missed_call',
      providerCallId: 'CA9f1',
      callerPhone: '+13035550101',
      callerName: 'Dana Reyes',
      intent: 'new_patient',
      transcript: 'I have chest pain',
      language: 'en',
      occurredAt: T('18:50'),
      preferredWindow: null,
      triage,
      sla,
      openedAt: T('18:50'),
    },
  },
  {
    type: 'CallJoinedTask',
    data: {
      taskId,
      providerCallId: 'CA2',
      channel: 'voicemail',
      occurredAt: T('18:52'),
      transcript: null,
      callCount: 2,
      retriage: { triage, sla },
      joinedAt: T('18:52'),
    },
  },
  {
    type: 'TaskOffered',
    data: { taskId, offerId: 'o1', coordinatorId: 'c1', offeredAt: T('18:51'), expiresAt: T('18:52') },
  },
  { type: 'OfferAccepted', data: { taskId, offerId: 'o1', coordinatorId: 'c1', acceptedAt: T('18:51') } },
  {
    type: 'OfferDeclined',
    data: { taskId, offerId: 'o1', coordinatorId: 'c1', reason: null, declinedAt: T('18:51') },
  },
  { type: 'OfferExpired', data: { taskId, offerId: 'o1', coordinatorId: 'c1', expiredAt: T('18:52') } },
  { type: 'TaskClaimed', data: { taskId, coordinatorId: 'c1', claimedAt: T('18:53') } },
  {
    type: 'CallbackAttemptRecorded',
    data: {
      taskId,
      attemptId: 'a1',
      attemptNumber: 1,
      coordinatorId: 'c1',
      outcome: 'no_answer',
      successful: false,
      nextAttemptAt: T('19:20'),
      note: null,
      attemptedAt: T('18:54'),
    },
  },
  {
    type: 'TaskEscalated',
    data: { taskId, role: 'RN', escalatedBy: 'c1', reason: null, escalatedAt: T('18:55') },
  },
  {
    type: 'ClinicalHandoffAccepted',
    data: { taskId, role: 'RN', acceptedBy: 'rn1', acceptedAt: T('18:58') },
  },
  {
    type: 'TaskResolved',
    data: { taskId, resolvedBy: 'rn1', resolution: 'handled_clinically', note: null, resolvedAt: T('19:30') },
  },
  {
    type: 'TaskMarkedUnreachable',
    data: {
      taskId,
      markedBy: 'c1',
      followUpChannel: 'sms',
      attemptCount: 3,
      note: null,
      markedAt: T('20:00'),
    },
  },
  {
    type: 'OfferWithdrawn',
    data: {
      taskId,
      offerId: 'o1',
      coordinatorId: 'c1',
      reason: 'coordinator_unavailable',
      withdrawnAt: '2026-11-23T19:00:00.000Z',
    },
  },
  {
    type: 'RepeatCallerFlagged',
    data: { taskId, otherTaskId: 't-2', otherLocationId: 'lakewood', flaggedAt: '2026-11-23T19:00:00.000Z' },
  },
  {
    type: 'TaskRequeued',
    data: {
      taskId,
      previousAssigneeId: 'c1',
      reason: 'retry_scheduled',
      availableAt: '2026-11-23T19:15:00.000Z',
      requeuedAt: '2026-11-23T19:00:00.000Z',
    },
  },
  {
    type: 'TaskReopened',
    data: {
      taskId,
      reopenedBy: 's1',
      reason: 'rework',
      previousStatus: 'resolved',
      reopenCount: 1,
      reopenedAt: T('21:00'),
    },
  },
  {
    type: 'SlaStopped',
    data: {
      taskId,
      tier: 1,
      reason: 'clinical_handoff_accepted',
      startedAt: T('18:50'),
      dueAt: T('19:05'),
      stoppedAt: T('18:58'),
      met: true,
    },
  },
];

const envelope = (type: string, data: unknown, streamId = `task-${taskId}`) => ({
  eventId: '0193b2a0-1c2d-7e3f-8a4b-5c6d7e8f9a0c',
  type,
  schemaVersion: 1,
  streamId,
  occurredAt: T('18:50'),
  recordedAt: T('18:50'),
  correlationId: 'corr',
  causationId: null,
  locationId: 'aurora',
  traceparent: null,
  data,
});

describe('task event contracts', () => {
  it('registers every task event once, category task, produced by triage', () => {
    const registry = ringbackEventRegistry();
    assert.equal(taskEventDefinitions.length, Object.keys(taskEventSchemas).length);
    for (const def of taskEventDefinitions) {
      assert.ok(registry.has(def.type), def.type);
      assert.equal(def.category, 'task');
      assert.equal(def.producer, 'triage');
      assert.equal(registry.latestVersion(def.type), 1);
    }
    assert.deepEqual(samples.map((s) => s.type).sort(), Object.keys(taskEventSchemas).sort());
  });

  it('accepts a valid payload of every type through the registry', () => {
    const registry = ringbackEventRegistry();
    for (const s of samples) assert.equal(registry.validate(envelope(s.type, s.data)).type, s.type);
  });

  it('rejects non-E.164 phones, offset times, unknown outcomes and tiers, with paths', () => {
    const registry = ringbackEventRegistry();
    const openedData = samples[0]!.data as Record<string, unknown>;
    const bad: [string, Record<string, unknown>, string][] = [
      ['TaskOpened', { ...openedData, callerPhone: '303-555-0101' }, 'data.callerPhone'],
      ['TaskOpened', { ...openedData, occurredAt: '2026-11-23T11:50:00-07:00' }, 'data.occurredAt'],
      ['TaskOpened', { ...openedData, triage: { ...triage, tier: 4 } }, 'data.triage.tier'],
      [
        'TaskOpened',
        { ...openedData, triage: { ...triage, handoff: { role: 'doctor' } } },
        'data.triage.handoff.role',
      ],
      ['CallbackAttemptRecorded', { ...(samples[7]!.data as object), outcome: 'hung_up' }, 'data.outcome'],
      [
        'TaskMarkedUnreachable',
        { ...(samples[11]!.data as object), followUpChannel: 'fax' },
        'data.followUpChannel',
      ],
    ];
    for (const [type, data, path] of bad) {
      assert.throws(
        () => registry.validate(envelope(type, data)),
        (e: unknown) => {
          assert.ok(e instanceof EventValidationError);
          assert.ok(
            e.issues.some((i) => i.path === path),
            `${type}: ${JSON.stringify(e.issues)}`,
          );
          return true;
        },
      );
    }
  });
});

describe('triage policy event contracts', () => {
  const rule = {
    id: 'chest_pain',
    label: 'chest pain',
    path: 'clinical' as const,
    patterns: [{ text: 'chest pain*', lang: 'en' }],
    handoffRole: 'RN' as const,
    escalationMinutes: 15,
    requiredDocumentation: ['handoff_recipient'],
  };
  const changed: TriagePolicyChangedV1 = {
    policyId: 'hs-1',
    version: 2,
    previousVersion: 1,
    scope: 'location',
    serviceLine: null,
    locationId: 'aurora',
    removed: false,
    policy: {
      version: 2,
      defaultTier: 3,
      intentTiers: {
        new_patient: 2,
        returning_patient: 2,
        referral: 2,
        procedure_consult: 2,
        urgent_symptom: 1,
        reschedule: 3,
        records: 3,
        billing: 3,
        prescription: 2,
        results: 3,
        other: 3,
      },
      sla: {
        tier1: { targetMinutes: 15, mode: 'wall_clock' },
        tier2: { targetMinutes: 15, mode: 'business' },
        tier3: { targetMinutes: 60, mode: 'business' },
      },
      urgentHandoff: { handoffRole: 'RN', escalationMinutes: 15, requiredDocumentation: [] },
      escalationMatrix: [rule],
      serviceLineOverrides: { pediatrics: { sla: { tier1: { targetMinutes: 10, mode: 'wall_clock' } } } },
      locationOverrides: {
        aurora: { intentTiers: { billing: 2 }, rules: { chest_pain: { handoffRole: 'MA' } } },
      },
    },
    changedBy: 'admin-1',
    reason: null,
    changedAt: T('18:00'),
  };

  it('validates TriagePolicyChanged on a triage_policy stream', () => {
    const registry = ringbackEventRegistry();
    assert.equal(triagePolicyEventDefinitions[0]!.category, 'triage_policy');
    registry.validate(envelope('TriagePolicyChanged', changed, 'triage_policy-hs-1'));
    assert.throws(
      () =>
        registry.validate(
          envelope('TriagePolicyChanged', {
            ...changed,
            policy: {
              ...changed.policy,
              sla: { ...changed.policy.sla, tier1: { targetMinutes: 15, mode: 'business' } },
            },
          }),
        ),
      EventValidationError,
    );
    const { urgent_symptom: _dropped, ...partialTiers } = changed.policy.intentTiers;
    assert.throws(
      () =>
        registry.validate(
          envelope('TriagePolicyChanged', {
            ...changed,
            policy: { ...changed.policy, intentTiers: partialTiers },
          }),
        ),
      EventValidationError,
    );
  });

  it('appears in the AsyncAPI document with its channels', () => {
    const doc = generateAsyncApi(ringbackEventRegistry(), { title: 't', version: '1' }) as {
      channels: Record<string, { address: string }>;
      components: { messages: Record<string, unknown> };
    };
    assert.equal(doc.channels.task!.address, 'ringback.task.events');
    assert.equal(doc.channels.triage_policy!.address, 'ringback.triage_policy.events');
    for (const type of [...Object.keys(taskEventSchemas), 'TriagePolicyChanged'])
      assert.ok(doc.components.messages[`${type}V1`], type);
  });
});
