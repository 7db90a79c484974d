import type { EventEnvelope, PatientDataErasedV1, PhiRetentionAppliedV1 } from '@ringback/contracts';
import { rebuildReadModels, type PhiKeyStore } from '@ringback/phi';
import type { ProjectionRunner } from '@ringback/platform-core';

/**
 * What a process does with another process's destroy of PHI keys (an erasure or a retention run,
 * from the bus): forgets the keys it holds in memory, which would still decrypt what a replay reads,
 * then rebuilds its read models, where the shredded fields now read as the redaction marker. The
 * serving process does the same itself. Answers false, doing nothing, for any other event.
 */
export async function followPhiKeyDestruction(
  envelope: Pick<EventEnvelope, 'type' | 'data'>,
  keys: Pick<PhiKeyStore, 'forget'>,
  runners: readonly Pick<ProjectionRunner, 'rebuild' | 'whenCaughtUp'>[],
): Promise<boolean> {
  if (envelope.type === 'PatientDataErased') {
    for (const subject of (envelope.data as PatientDataErasedV1).subjects) await keys.forget({ subject });
  } else if (envelope.type === 'PhiRetentionApplied') {
    const { cutoffDay } = envelope.data as PhiRetentionAppliedV1;
    await keys.forget({ keyClass: 'content', dayBefore: cutoffDay });
  } else return false;
  await rebuildReadModels(runners);
  return true;
}
