import {
  Inject,
  Injectable,
  Module,
  Optional,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { PlatformModule, READINESS, RINGBACK_CONFIG, type ReadinessRegistry } from '@ringback/nest-platform';
import type { RingbackConfig } from '@ringback/config';
import { SlaTaskEventsConsumer, SLA_TASK_EVENTS_GROUP_ID } from './sla-task-events.consumer';
import { SlaTimerScheduler } from './sla-timer.scheduler';
import { AuthModule } from '@ringback/auth';
import { SlaAlertsHttpController } from './alerts/sla-alerts.http.controller';
import { SlaAlertsOpenApi } from './alerts/sla-alerts.openapi';

/** Starts the task-events consumer and the timer loop with the module, stops them before the adapters close. */
@Injectable()
export class SlaMonitorLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(SlaTaskEventsConsumer) private readonly consumer: SlaTaskEventsConsumer,
    @Inject(SlaTimerScheduler) private readonly scheduler: SlaTimerScheduler,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.consumer.start();
    this.scheduler.start();
    const maxLag = this.config?.readiness.maxLag ?? 100;
    this.readiness?.registerLagCheck(
      SLA_TASK_EVENTS_GROUP_ID,
      () => this.consumer.lag(),
      maxLag,
      'task events',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.scheduler.stop();
    await this.consumer.stop();
  }
}

/**
 * sla-monitor: runs the SLA clocks of callback tasks (wall-clock for Tier 1, business minutes for
 * Tiers 2 and 3), records at-risk (75%) and breach (100%) with supervisor alert, priority bump and
 * overflow, and stops a clock at its stop rule. Breaches are supervisor alerts (`GET /api/v1/alerts`,
 * acknowledged with `POST /api/v1/alerts/{alertId}/acknowledge`). Durable timers: the pending thresholds live in the
 * `sla_timers` read model ({@link slaMonitorProjections}), so a restart fires every overdue threshold
 * exactly once.
 *
 * Importable on its own or beside the other services; either way the process provides the platform
 * ports (EVENT_STORE, BUS, READ_MODEL_STORE, CLOCK) through `PlatformRuntimeModule.forRoot`, with
 * {@link slaMonitorProjections} among its projections.
 */
@Module({
  imports: [PlatformModule, AuthModule],
  controllers: [SlaAlertsHttpController],
  providers: [SlaTaskEventsConsumer, SlaTimerScheduler, SlaMonitorLifecycle, SlaAlertsOpenApi],
  exports: [SlaTimerScheduler, SlaTaskEventsConsumer],
})
export class SlaMonitorModule {}
