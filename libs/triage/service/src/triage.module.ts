import {
  Inject,
  Injectable,
  Module,
  Optional,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AuthModule } from '@ringback/auth';
import type { RingbackConfig } from '@ringback/config';
import { PlatformModule, READINESS, RINGBACK_CONFIG, type ReadinessRegistry } from '@ringback/nest-platform';
import { OpenTaskConsumer, TRIAGE_INBOUND_CONTACTS_GROUP_ID } from './open-task.consumer';
import { TriagePolicyAdminModule } from './policy';
import { TaskActionsHandler } from './task-actions.handler';
import { TaskActionsHttpController } from './task-actions.http.controller';
import { TasksHttpController } from './tasks.http.controller';
import { TasksOpenApi } from './tasks.openapi';
import { TasksReadModel } from './tasks.read-model';

/** Starts the inbound-contacts consumer with the module, stops it before the adapters close. */
@Injectable()
export class TriageLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(OpenTaskConsumer) private readonly consumer: OpenTaskConsumer,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.consumer.start();
    const maxLag = this.config?.readiness.maxLag ?? 100;
    this.readiness?.registerCheck(TRIAGE_INBOUND_CONTACTS_GROUP_ID, async () => {
      const lag = await this.consumer.lag();
      return lag <= maxLag ? { ok: true } : { ok: false, detail: `${lag} call events behind` };
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}

/**
 * triage: classifies recorded calls into tiers with the triage policy, opens and joins callback tasks
 * with their SLA clocks, and serves them (`GET /api/v1/tasks`, `GET /api/v1/tasks/{taskId}`).
 * Importable on its own (`services/triage`) or beside the other services in the single-process
 * composition; either way the process provides the platform ports (EVENT_STORE, BUS,
 * READ_MODEL_STORE, CLOCK) through `PlatformRuntimeModule.forRoot`, with {@link triageProjections}
 * among its projections.
 */
@Module({
  imports: [PlatformModule, AuthModule, TriagePolicyAdminModule],
  controllers: [TasksHttpController, TaskActionsHttpController],
  providers: [OpenTaskConsumer, TasksReadModel, TaskActionsHandler, TasksOpenApi, TriageLifecycle],
  exports: [OpenTaskConsumer, TasksReadModel],
})
export class TriageModule {}
