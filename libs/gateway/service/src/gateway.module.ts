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
import { LiveQueueState } from './live/live-queue.state';
import { WallboardSocketServer } from './live/wallboard.socket-server';
import { WallboardUiHttpController } from './ui/wallboard-ui.http.controller';
import { WallboardUiOpenApi } from './ui/wallboard-ui.openapi';

/** Starts the live-queue consumer with the module, stops it before the adapters close. */
@Injectable()
export class GatewayLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(LiveQueueState) private readonly state: LiveQueueState,
    @Optional() @Inject(READINESS) private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(RINGBACK_CONFIG) private readonly config?: RingbackConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.state.start();
    const maxLag = this.config?.readiness.maxLag ?? 100;
    this.readiness?.registerLagCheck('gateway.live-queues', () => this.state.lag(), maxLag, 'queue updates');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.state.stop();
  }
}

/**
 * gateway: live queues over socket.io (namespace `/wallboard`), fed by the projection-update stream;
 * owns no streams. Importable on its own (`main.ts`) or beside the other services in the
 * single-process composition.
 */
@Module({
  imports: [PlatformModule, AuthModule],
  controllers: [WallboardUiHttpController],
  providers: [LiveQueueState, WallboardSocketServer, WallboardUiOpenApi, GatewayLifecycle],
  exports: [LiveQueueState],
})
export class GatewayModule {}
