import { Inject, Injectable, Optional } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import { LOGGER, RINGBACK_CONFIG } from '@ringback/nest-platform';
import { BookingApprovalsHandler } from '../approvals/booking-approvals.handler';
import { WaitlistHandler } from '../waitlist/waitlist.handler';

interface Logger {
  error(obj: object, msg: string): void;
}

/**
 * The scheduling deadlines: approval requests past their due time expire (and free their slot),
 * waitlist offers past their expiry end (the workflow consumer then asks the next batch). Nothing is
 * kept in memory: each tick reads the pending items from the read models, and the deciders make a
 * repeated expiry a no-op. `SCHEDULING_INTERVAL_MS` 0 leaves the ticking to tests.
 */
@Injectable()
export class SchedulingTimers {
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    @Inject(BookingApprovalsHandler) private readonly approvals: BookingApprovalsHandler,
    @Inject(WaitlistHandler) private readonly waitlist: WaitlistHandler,
    @Optional() @Inject(RINGBACK_CONFIG) config?: RingbackConfig,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {
    this.intervalMs = config?.scheduling.intervalMs ?? 1_000;
  }

  /** Expires what is due now; ticks run one after another. Returns how many items expired. */
  tick(): Promise<number> {
    const run = this.running.then(
      () => this.expire(),
      () => this.expire(),
    );
    this.running = run.catch(() => 0);
    return run;
  }

  start(): void {
    if (this.timer || this.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) =>
        this.logger?.error({ err }, 'scheduling tick failed; retrying on the next tick'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => 0);
  }

  private async expire(): Promise<number> {
    return (await this.approvals.expireDue()) + (await this.waitlist.expireDue());
  }
}
