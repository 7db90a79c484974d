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
import type { Projection } from '@ringback/platform-core';
import { callControllers, callProviders, TASK_CLOSURES_GROUP_ID, TaskClosuresConsumer } from './calls';
import { locationControllers, locationProviders, locationsProjection } from './locations';

/** Read models call-ingest keeps; every process that hosts the module runs them (projection catalogue). */
export const callIngestProjections: readonly Projection[] = [locationsProjection];

/** Starts the task-closures consumer with the module (with a readiness check), stops it before the adapters close. */
@Injectable()
export class CallIngestLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(TaskClosuresConsumer) private readonly closures: TaskClosuresConsumer,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.closures.start();
    const maxLag = this.config?.readiness.maxLag ?? 100;
    this.readiness?.registerLagCheck(
      TASK_CLOSURES_GROUP_ID,
      () => this.closures.lag(),
      maxLag,
      'task events',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.closures.stop();
  }
}

/**
 * call-ingest: location administration, missed-call and call-lifecycle webhooks (signed Ringback
 * webhooks and the Twilio status callback); opens and joins callback tasks on caller lines, and
 * frees a line when its task closes. Importable on its own (`services/call-ingest/src/main.ts`) or
 * beside the other services in the single-process composition; either way the process provides the
 * platform ports (EVENT_STORE, BUS, READ_MODEL_STORE, CLOCK, ID_GENERATOR) through
 * `PlatformRuntimeModule.forRoot`, with {@link callIngestProjections} among its projections.
 */
@Module({
  imports: [PlatformModule, AuthModule],
  controllers: [...locationControllers, ...callControllers],
  providers: [...locationProviders, ...callProviders, CallIngestLifecycle],
})
export class CallIngestModule {}
