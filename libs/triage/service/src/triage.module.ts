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
import { CoordinatorsHttpController } from './routing/coordinators.http.controller';
import { CoordinatorsOpenApi } from './routing/coordinators.openapi';
import { RoutingDispatcher } from './routing/routing.dispatcher';
import {
  ROUTING_TASK_EVENTS_GROUP_ID,
  RoutingTaskEventsConsumer,
} from './routing/routing-task-events.consumer';
import { TaskActionsHandler } from './task-actions.handler';
import { TaskActionsHttpController } from './task-actions.http.controller';
import { TasksHttpController } from './tasks.http.controller';
import { TaskContactHttpController } from './task-contact.http.controller';
import { TasksOpenApi } from './tasks.openapi';
import { TasksReadModel } from './tasks.read-model';
import { TaskViewPublisher } from './task-view.publisher';
import { TASK_BOOKINGS_GROUP_ID, TaskBookingsConsumer } from './bookings/task-bookings.consumer';

/**
 * Starts the inbound-contacts and routing consumers and the routing dispatcher with the module, stops
 * them before the adapters close.
 */
@Injectable()
export class TriageLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(OpenTaskConsumer) private readonly consumer: OpenTaskConsumer,
    @Inject(RoutingTaskEventsConsumer) private readonly routingConsumer: RoutingTaskEventsConsumer,
    @Inject(RoutingDispatcher) private readonly dispatcher: RoutingDispatcher,
    @Inject(TaskBookingsConsumer) private readonly bookings: TaskBookingsConsumer,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.consumer.start();
    await this.routingConsumer.start();
    await this.bookings.start();
    this.dispatcher.start();
    const maxLag = this.config?.readiness.maxLag ?? 100;
    this.readiness?.registerLagCheck(
      TRIAGE_INBOUND_CONTACTS_GROUP_ID,
      () => this.consumer.lag(),
      maxLag,
      'call events',
    );
    this.readiness?.registerLagCheck(
      ROUTING_TASK_EVENTS_GROUP_ID,
      () => this.routingConsumer.lag(),
      maxLag,
      'task events',
    );
    this.readiness?.registerLagCheck(
      TASK_BOOKINGS_GROUP_ID,
      () => this.bookings.lag(),
      maxLag,
      'slot events',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.dispatcher.stop();
    await this.bookings.stop();
    await this.routingConsumer.stop();
    await this.consumer.stop();
  }
}

/**
 * triage: classifies recorded calls into tiers with the triage policy, opens and joins callback tasks
 * with their SLA clocks, serves them (`GET /api/v1/tasks`, `GET /api/v1/tasks/{taskId}`) with the
 * coordinator actions, and routes them: coordinators' profiles and presence, offers of waiting tasks
 * to free coordinators (one at a time), accept/decline/timeout, overflow between pods.
 * Importable on its own (`services/triage`) or beside the other services in the single-process
 * composition; either way the process provides the platform ports (EVENT_STORE, BUS,
 * READ_MODEL_STORE, CLOCK) through `PlatformRuntimeModule.forRoot`, with {@link triageProjections}
 * among its projections.
 */
@Module({
  imports: [PlatformModule, AuthModule, TriagePolicyAdminModule],
  controllers: [
    TasksHttpController,
    TaskContactHttpController,
    TaskActionsHttpController,
    CoordinatorsHttpController,
  ],
  providers: [
    OpenTaskConsumer,
    TasksReadModel,
    TaskActionsHandler,
    TasksOpenApi,
    CoordinatorsOpenApi,
    RoutingDispatcher,
    RoutingTaskEventsConsumer,
    TaskViewPublisher,
    TaskBookingsConsumer,
    TriageLifecycle,
  ],
  exports: [
    OpenTaskConsumer,
    TasksReadModel,
    RoutingDispatcher,
    RoutingTaskEventsConsumer,
    TaskViewPublisher,
    TaskBookingsConsumer,
  ],
})
export class TriageModule {}
