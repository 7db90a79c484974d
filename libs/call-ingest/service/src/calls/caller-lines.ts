import { Inject, Injectable } from '@nestjs/common';
import {
  callerLineDecider,
  callerLineStreamId,
  legacyCallerLineStreamId,
  type CallerLineEvent,
  type CallerLineState,
} from '@ringback/call-ingest-domain';
import { ringbackEventRegistry } from '@ringback/contracts';
import { EVENT_STORE, type EventStore } from '@ringback/platform-core';
import { PHI_CODEC, type PhiCodec } from '@ringback/phi';

/**
 * Which stream a caller line lives in. Lines are named by a pseudonym of the number
 * (`call-<location>.<lineKey>`); a line recorded before that (`call-<location>.<digits>`) keeps
 * serving its open task and its webhook retries, so upgrading loses no repeat call, and every line
 * opened afterwards carries no number in its id.
 */
@Injectable()
export class CallerLines {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PHI_CODEC) private readonly codec: Pick<PhiCodec, 'lineKeyOf'>,
  ) {}

  /** The line a contact (or answered call) from `e164` at the location is recorded on. */
  async lineFor(locationId: string, e164: string, providerCallId: string): Promise<string> {
    const legacy = await this.legacyLine(locationId, e164);
    if (legacy && (legacy.state.openTask !== null || legacy.state.seen.has(providerCallId)))
      return legacy.streamId;
    return callerLineStreamId(locationId, this.codec.lineKeyOf(e164));
  }

  /** The line whose open task is `taskId`, to close it. */
  async lineOfTask(locationId: string, e164: string, taskId: string): Promise<string> {
    const legacy = await this.legacyLine(locationId, e164);
    if (legacy?.state.openTask?.taskId === taskId) return legacy.streamId;
    return callerLineStreamId(locationId, this.codec.lineKeyOf(e164));
  }

  private async legacyLine(
    locationId: string,
    e164: string,
  ): Promise<{ streamId: string; state: Extract<CallerLineState, { status: 'known' }> } | null> {
    const streamId = legacyCallerLineStreamId(locationId, e164);
    const recorded = await this.store.readStream(streamId);
    if (recorded.length === 0) return null;
    const state = recorded.reduce<CallerLineState>(
      (s, r) => callerLineDecider.evolve(s, this.registry.upcast<CallerLineEvent>(r.envelope)),
      callerLineDecider.initialState(),
    );
    return state.status === 'known' ? { streamId, state } : null;
  }
}
