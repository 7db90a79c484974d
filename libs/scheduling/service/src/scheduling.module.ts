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
import { AppointmentsHttpController, SlotsHttpController } from './booking/appointments.http.controller';
import { BookingHandler } from './booking/booking.handler';
import { BookingApprovalsHandler } from './approvals/booking-approvals.handler';
import { WaitlistHandler } from './waitlist/waitlist.handler';
import { StreamCommands } from '@ringback/nest-platform';
import {
  SCHEDULING_WORKFLOW_GROUP_ID,
  SchedulingWorkflowConsumer,
} from './workflow/scheduling-workflow.consumer';
import {
  BookingApprovalsHttpController,
  WaitlistHttpController,
} from './workflow/scheduling-workflow.http.controller';
import { SchedulingTimers } from './workflow/scheduling-timers';
import {
  SchedulingAdminHttpController,
  SchedulingCatalogHttpController,
} from './catalog/catalog.http.controller';
import { ConfigureCatalogHandler } from './catalog/configure-catalog.handler';
import { SchedulingCatalog } from './catalog/scheduling-catalog';
import { FhirHttpController } from './fhir/fhir.http.controller';
import { SchedulingOpenApi } from './scheduling.openapi';
import { SlotSearchService } from './slots/slot-search';

/** Starts the workflow consumer and the deadline loop with the module, stops them before the adapters close. */
@Injectable()
export class SchedulingLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(SchedulingWorkflowConsumer) private readonly workflow: SchedulingWorkflowConsumer,
    @Inject(SchedulingTimers) private readonly timers: SchedulingTimers,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.workflow.start();
    this.timers.start();
    this.readiness?.registerLagCheck(
      SCHEDULING_WORKFLOW_GROUP_ID,
      () => this.workflow.lag(),
      this.config?.readiness.maxLag ?? 100,
      'slot and waitlist-offer events',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.timers.stop();
    await this.workflow.stop();
  }
}

/**
 * scheduling: appointment types, providers and their weekly templates, slots cut from them in the
 * location's zone, and appointments booked inside the caller's scheduling authority (from a callback
 * task, directly, or from the web), cancelled, rescheduled and attended; in-house approval of bookings
 * outside one's authority; the waitlist that refills freed slots; FHIR R4 Slot and Appointment
 * reads for EHR integrations. Importable on its own (`services/scheduling`) or beside the other
 * services; the process provides the platform ports with {@link schedulingProjections} among its
 * projections.
 */
@Module({
  imports: [PlatformModule, AuthModule],
  controllers: [
    SchedulingAdminHttpController,
    SchedulingCatalogHttpController,
    SlotsHttpController,
    AppointmentsHttpController,
    FhirHttpController,
    BookingApprovalsHttpController,
    WaitlistHttpController,
  ],
  providers: [
    SchedulingCatalog,
    ConfigureCatalogHandler,
    BookingHandler,
    SlotSearchService,
    StreamCommands,
    BookingApprovalsHandler,
    WaitlistHandler,
    SchedulingWorkflowConsumer,
    SchedulingTimers,
    SchedulingLifecycle,
    SchedulingOpenApi,
  ],
  exports: [
    BookingHandler,
    BookingApprovalsHandler,
    WaitlistHandler,
    SchedulingCatalog,
    SchedulingWorkflowConsumer,
    SchedulingTimers,
  ],
})
export class SchedulingModule {}
