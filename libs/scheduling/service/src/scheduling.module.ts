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
import {
  RESCHEDULE_COMPLETION_GROUP_ID,
  RescheduleCompletionConsumer,
} from './booking/reschedule-completion.consumer';
import {
  SchedulingAdminHttpController,
  SchedulingCatalogHttpController,
} from './catalog/catalog.http.controller';
import { ConfigureCatalogHandler } from './catalog/configure-catalog.handler';
import { SchedulingCatalog } from './catalog/scheduling-catalog';
import { FhirHttpController } from './fhir/fhir.http.controller';
import { SchedulingOpenApi } from './scheduling.openapi';
import { SlotSearchService } from './slots/slot-search';

/** Starts the reschedule-completion consumer with the module, stops it before the adapters close. */
@Injectable()
export class SchedulingLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(RescheduleCompletionConsumer) private readonly reschedules: RescheduleCompletionConsumer,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reschedules.start();
    this.readiness?.registerLagCheck(
      RESCHEDULE_COMPLETION_GROUP_ID,
      () => this.reschedules.lag(),
      this.config?.readiness.maxLag ?? 100,
      'slot events',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reschedules.stop();
  }
}

/**
 * scheduling: appointment types, providers and their weekly templates, slots cut from them in the
 * location's zone, and appointments booked inside the caller's scheduling authority (from a callback
 * task, directly, or from the web), cancelled, rescheduled and attended; FHIR R4 Slot and Appointment
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
  ],
  providers: [
    SchedulingCatalog,
    ConfigureCatalogHandler,
    BookingHandler,
    SlotSearchService,
    RescheduleCompletionConsumer,
    SchedulingLifecycle,
    SchedulingOpenApi,
  ],
  exports: [BookingHandler, SchedulingCatalog, RescheduleCompletionConsumer],
})
export class SchedulingModule {}
