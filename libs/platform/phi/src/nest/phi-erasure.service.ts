import { Inject, Injectable } from '@nestjs/common';
import {
  phiErasureStreamId,
  ringbackEventRegistry,
  type PatientDataErasedV1,
  type TaskOpenedV1,
} from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { ApiError } from '@ringback/nest-platform';
import { EVENT_STORE, type EventStore, type ProjectionRunner } from '@ringback/platform-core';
import type { PhiCodec } from '../phi-codec';
import { PHI_KEY_STORE, type PhiKeyStore } from '../phi-key-store.port';
import { PHI_CODEC } from './phi.tokens';

/** Who asks, and how they name the patient (exactly one of phone, email, patientRef, taskId). */
export interface ErasureRequest {
  phone?: string | undefined;
  email?: string | undefined;
  patientRef?: string | undefined;
  taskId?: string | undefined;
  reason: PatientDataErasedV1['reason'];
  reference: string | null;
  requestedBy: string;
  correlationId: string;
}

/** Rebuilds this process's read models, so shredded fields leave them at once (not only at restart). */
export const PHI_READ_MODEL_REBUILDER = Symbol.for('ringback.PhiReadModelRebuilder');
export type PhiReadModelRebuilder = () => readonly ProjectionRunner[];

/** Rebuilds every runner from the store, then waits until each has caught up again. */
export async function rebuildReadModels(
  runners: readonly Pick<ProjectionRunner, 'rebuild' | 'whenCaughtUp'>[],
): Promise<void> {
  for (const runner of runners) await runner.rebuild();
  for (const runner of runners) await runner.whenCaughtUp();
}

/**
 * Erasure by key deletion (crypto-shredding): destroys every data key of the patient, then records
 * PatientDataErased (naming only the pseudonymous subject) and rebuilds the read models of this
 * process from the store, where the patient's fields now read as the redaction marker. KPIs do not
 * change: no event is removed, only the PHI inside them becomes unreadable.
 */
@Injectable()
export class PhiErasureService {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(PHI_KEY_STORE) private readonly keys: PhiKeyStore,
    @Inject(PHI_CODEC) private readonly codec: PhiCodec,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(PHI_READ_MODEL_REBUILDER) private readonly runners: PhiReadModelRebuilder,
  ) {}

  async erase(request: ErasureRequest): Promise<PatientDataErasedV1> {
    const { subjects, identifiedBy } = await this.subjectsOf(request);
    let keysDestroyed = 0;
    for (const subject of subjects) keysDestroyed += (await this.keys.destroy({ subject })).length;
    const now = this.clock.now();
    const erasureId = this.ids.next(now);
    const data: PatientDataErasedV1 = {
      erasureId,
      subjects,
      identifiedBy,
      taskId: request.taskId ?? null,
      reason: request.reason,
      reference: request.reference,
      keysDestroyed,
      requestedBy: request.requestedBy,
      erasedAt: toIso(now),
    };
    const envelope = this.registry.validate({
      eventId: erasureId,
      type: 'PatientDataErased',
      schemaVersion: 1,
      streamId: phiErasureStreamId(erasureId),
      occurredAt: toIso(now),
      recordedAt: toIso(now),
      correlationId: request.correlationId,
      causationId: null,
      locationId: null,
      traceparent: null,
      data,
    });
    await this.store.appendToStream(envelope.streamId, [envelope], { expectedRevision: 'no_stream' });
    await rebuildReadModels(this.runners());
    return data;
  }

  private async subjectsOf(
    r: ErasureRequest,
  ): Promise<{ subjects: string[]; identifiedBy: PatientDataErasedV1['identifiedBy'] }> {
    if (r.phone) return { subjects: [this.codec.subjectOf(r.phone)], identifiedBy: 'phone' };
    if (r.email) return { subjects: [this.codec.subjectOf(r.email)], identifiedBy: 'email' };
    if (r.patientRef) return { subjects: [this.codec.subjectOf(r.patientRef)], identifiedBy: 'patient_ref' };
    const streamId = `task-${r.taskId!}`;
    const events = await this.store.readStream(streamId, { maxCount: 1 });
    const opened = events[0] ? this.registry.upcast(events[0].envelope) : null;
    if (!opened || opened.type !== 'TaskOpened')
      throw new ApiError(404, 'task_not_found', 'No task with this id');
    const subjects = new Set<string>([this.codec.streamSubjectOf(streamId)]);
    const known = await this.codec.subjectOfStream(streamId);
    if (known) subjects.add(known);
    // A task recorded before encryption: its patient is the caller of its first event.
    const phone = (opened.data as TaskOpenedV1).callerPhone;
    if (phone.startsWith('+')) subjects.add(this.codec.subjectOf(phone));
    return { subjects: [...subjects], identifiedBy: 'task' };
  }
}
