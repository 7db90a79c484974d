import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { RingbackConfig } from '@ringback/config';
import type { Logger, Registry } from '@ringback/observability';
import { z } from 'zod';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { HealthHttpController } from './health/health.http.controller';
import { RequestBodyGuard } from './http/request-body.guard';
import { OpenApiHttpController } from './openapi/openapi.http.controller';
import { OPENAPI_REGISTRY, OpenApiRegistry } from './openapi/openapi.registry';
import { ReadinessRegistry } from './readiness/readiness.registry';
import { LOGGER, METRICS_REGISTRY, PLATFORM_OPTIONS, READINESS, RINGBACK_CONFIG } from './tokens';

/** Process-wide pieces the platform shares with every module of the process. */
export interface PlatformOptions {
  serviceName: string;
  config: RingbackConfig;
  logger: Logger;
  registry: Registry;
  /** Default: a new registry. */
  readiness?: ReadinessRegistry;
  /** Milliseconds between reporting not-ready and closing the HTTP server, so load balancers drain. */
  shutdownDrainMs?: number;
  /** Runs after the HTTP server has closed (flush traces, logs). */
  onShutdown?: () => Promise<void> | void;
  /** Default: a new registry holding the probe endpoints. */
  openApi?: OpenApiRegistry;
}

@Injectable()
class PlatformLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    @Inject(READINESS) private readonly readiness: ReadinessRegistry,
  ) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.readiness.markShuttingDown();
    this.options.logger.info(
      { signal: signal ?? null, drainMs: this.options.shutdownDrainMs ?? 0 },
      'shutting down',
    );
    await this.readiness.drain();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.options.onShutdown?.();
  }
}

/**
 * The HTTP face every Ringback process shares: `/healthz`, `/readyz`, `/metrics`, the global error
 * filter and the shutdown sequence. Service modules import it; Nest instantiates it once however many
 * modules do, so the single-process composition still has one set of probes. It needs the tokens
 * provided by {@link createPlatformModule} (which `bootstrapService` sets up).
 */
@Module({
  controllers: [HealthHttpController, OpenApiHttpController],
  providers: [
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_GUARD, useClass: RequestBodyGuard },
    PlatformLifecycle,
  ],
})
export class PlatformModule {}

class PlatformRootModule {}

/**
 * The process-level root of the platform: a global module providing {@link RINGBACK_CONFIG},
 * {@link LOGGER}, {@link METRICS_REGISTRY}, {@link READINESS} and {@link OPENAPI_REGISTRY} to every module, plus
 * {@link PlatformModule}. Create it exactly once per process, in the composition root.
 */
export function createPlatformModule(options: PlatformOptions): DynamicModule {
  const readiness = options.readiness ?? new ReadinessRegistry();
  readiness.setDrainMs(options.shutdownDrainMs ?? 0);
  const openApi = options.openApi ?? new OpenApiRegistry();
  registerPlatformRoutes(openApi);
  return {
    module: PlatformRootModule,
    global: true,
    imports: [PlatformModule],
    providers: [
      { provide: PLATFORM_OPTIONS, useValue: options },
      { provide: RINGBACK_CONFIG, useValue: options.config },
      { provide: LOGGER, useValue: options.logger },
      { provide: METRICS_REGISTRY, useValue: options.registry },
      { provide: READINESS, useValue: readiness },
      { provide: OPENAPI_REGISTRY, useValue: openApi },
    ],
    exports: [
      PLATFORM_OPTIONS,
      RINGBACK_CONFIG,
      LOGGER,
      METRICS_REGISTRY,
      READINESS,
      OPENAPI_REGISTRY,
      PlatformModule,
    ],
  };
}

function registerPlatformRoutes(openApi: OpenApiRegistry): void {
  openApi.register(
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: 200 while the process is alive',
      tags: ['operations'],
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    },
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: 200 when every component is connected and caught up',
      tags: ['operations'],
      responses: {
        200: {
          description: 'Ready',
          schema: z.object({
            status: z.literal('ready'),
            components: z.array(
              z.object({ component: z.string(), ok: z.boolean(), detail: z.string().optional() }),
            ),
          }),
        },
        503: { description: '`not_ready`; details name each failing component', schema: 'error' },
      },
    },
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus text exposition',
      tags: ['operations'],
      responses: { 200: { description: 'Metrics', schema: z.string(), contentType: 'text/plain' } },
    },
  );
}
