import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import { phiRetentionStreamId, ringbackEventRegistry, type PhiRetentionAppliedV1 } from '@ringback/contracts';
import { CLOCK, deterministicUuidV7, toIso, type Clock } from '@ringback/kernel';
import { RINGBACK_CONFIG } from '@ringback/nest-platform';
import { EVENT_STORE, type EventStore } from '@ringback/platform-core';
import { PHI_KEY_STORE, type PhiKeyStore } from '../phi-key-store.port';
import {
  PHI_READ_MODEL_REBUILDER,
  rebuildReadModels,
  type PhiReadModelRebuilder,
} from './phi-erasure.service';

const DAY_MS = 86_400_000;

/**
 * The retention policy (PHI_CONTENT_RETENTION_DAYS): content keys (transcripts, notes, message texts)
 * of UTC days older than the retention are destroyed, so that content reads as the redaction marker
 * while contact details and every KPI stay. Each run that destroyed keys records PhiRetentionApplied
 * (its id derives from the cutoff day, so processes that run the policy side by side record it once
 * per day) and rebuilds the read models of this process, so the shredded content leaves them at once;
 * the other processes of a distributed deployment follow the event from the bus.
 */
@Injectable()
export class PhiRetentionService implements OnModuleInit, OnApplicationShutdown {
  private readonly registry = ringbackEventRegistry();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(PHI_KEY_STORE) private readonly keys: PhiKeyStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RINGBACK_CONFIG) private readonly config: RingbackConfig,
    @Inject(PHI_READ_MODEL_REBUILDER) private readonly runners: PhiReadModelRebuilder,
  ) {}

  onModuleInit(): void {
    const every = this.config.phi?.retentionIntervalMs ?? 0;
    if (every <= 0 || (this.config.phi?.contentRetentionDays ?? 0) <= 0) return;
    this.timer = setInterval(() => {
      this.running = this.runOnce().catch(() => undefined);
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Applies the policy as of the clock's now; answers what it recorded (null: nothing was due). */
  async runOnce(
    retentionDays = this.config.phi?.contentRetentionDays ?? 0,
  ): Promise<PhiRetentionAppliedV1 | null> {
    if (retentionDays <= 0) return null;
    const now = this.clock.now();
    const cutoffDay = toIso(now - retentionDays * DAY_MS).slice(0, 10);
    const destroyed = await this.keys.destroy({ keyClass: 'content', dayBefore: cutoffDay });
    if (destroyed.length === 0) return null;
    const data: PhiRetentionAppliedV1 = {
      cutoffDay,
      retentionDays,
      keysDestroyed: destroyed.length,
      appliedAt: toIso(now),
    };
    const streamId = phiRetentionStreamId(cutoffDay);
    const envelope = this.registry.validate({
      eventId: deterministicUuidV7(
        Date.parse(cutoffDay),
        'phi-retention',
        cutoffDay,
        [...destroyed].sort()[0]!,
      ),
      type: 'PhiRetentionApplied',
      schemaVersion: 1,
      streamId,
      occurredAt: toIso(now),
      recordedAt: toIso(now),
      correlationId: `phi-retention:${cutoffDay}`,
      causationId: null,
      locationId: null,
      traceparent: null,
      data,
    });
    await this.store.appendToStream(streamId, [envelope], { expectedRevision: 'any' });
    await rebuildReadModels(this.runners());
    return data;
  }
}
