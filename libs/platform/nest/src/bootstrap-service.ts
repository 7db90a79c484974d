import type { AddressInfo } from 'node:net';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type RingbackConfig } from '@ringback/config';
import {
  DEFAULT_UNTRACED_PATHS,
  createLogger,
  createMetricsRegistry,
  startTracing,
  type Logger,
  type Registry,
  type TracingHandle,
} from '@ringback/observability';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { errorResponseFor } from './errors/error-body';
import type { HttpRequest, HttpResponse, NextFunction } from './http-types';
import { PinoNestLogger } from './logging/pino-nest-logger';
import { rateLimitMiddleware } from './http/rate-limit';
import { requestLoggingMiddleware } from './logging/request-logging.middleware';
import { createPlatformModule } from './platform.module';
import { ReadinessRegistry } from './readiness/readiness.registry';

/** Prefix of every API route; probes and scrapes stay at the root. */
export const API_PREFIX = 'api/v1';
export const ROOT_PATHS = [
  'healthz',
  'readyz',
  'metrics',
  'api/docs',
  'api/docs/openapi.json',
  // the gateway's web UI
  '/',
  'ui/wallboard.js',
  'ui/wallboard.css',
  'ui/chart.umd.js',
];

export interface BootstrapServiceOptions {
  /** Service identity: `service` in logs, the `service` metric label, and `service.name` on spans. */
  name: string;
  /** The service's module (or the composition of several). */
  module: Type<unknown> | DynamicModule;
  /** Default: `loadConfig()` from the environment. */
  config?: RingbackConfig;
  /** Default: a PHI-safe pino logger at `config.log.level`. */
  logger?: Logger;
  /** Default: a fresh registry with runtime metrics. */
  registry?: Registry;
  readiness?: ReadinessRegistry;
  /**
   * `false` disables tracing (already started elsewhere, or not wanted); an exporter replaces OTLP
   * (tests). Default: started, exporting to OTEL_EXPORTER_OTLP_ENDPOINT when configured.
   */
  tracing?: false | { exporter: SpanExporter };
  /** Extra paths served outside `/api/v1` (e.g. the wallboard page). */
  rootPaths?: string[];
  /** Milliseconds between not-ready and server close on shutdown. Default: SHUTDOWN_DRAIN_MS. */
  shutdownDrainMs?: number;
  /** Default true; false builds and initialises the app without binding a port. */
  listen?: boolean;
  /**
   * Runs before `app.init()`: the place for `useWebSocketAdapter(new IoAdapter(app))` (import the
   * adapter yourself, for the same dual-loading reason as the Express adapter) or static assets.
   */
  configure?: (app: NestExpressApplication) => void | Promise<void>;
}

/** A started service. `close()` runs the same graceful sequence as SIGTERM. */
export interface RunningService {
  app: NestExpressApplication;
  config: RingbackConfig;
  logger: Logger;
  registry: Registry;
  readiness: ReadinessRegistry;
  /** Base URL reachable from this host (`http://127.0.0.1:<port>` when bound to all interfaces). */
  url: string;
  port: number;
  close(): Promise<void>;
}

class ServiceRootModule {}

const serviceNameFor = (name: string, config: RingbackConfig): string =>
  // OTEL_SERVICE_NAME only wins when set explicitly (it defaults to SERVICE_NAME).
  config.otel.serviceName !== config.serviceName ? config.otel.serviceName : name;

/**
 * Creates and starts a Ringback HTTP process around `module`: pino logging (Nest's own messages
 * included, startup chatter at debug), tracing, metrics, the platform module (probes, error filter),
 * `/api/v1` prefix with probes at the root, the contract 404 for unknown paths, raw request bodies
 * kept for webhook signatures, SIGTERM/SIGINT graceful shutdown, and listening on PORT/HOST.
 */
export async function bootstrapService(options: BootstrapServiceOptions): Promise<RunningService> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger({ service: options.name, level: config.log.level });
  let tracing: TracingHandle | null = null;
  if (options.tracing !== false) {
    tracing = startTracing({
      serviceName: serviceNameFor(options.name, config),
      ...(options.tracing?.exporter
        ? { exporter: options.tracing.exporter }
        : { otlpEndpoint: config.otel.exporterEndpoint }),
      ignoreIncomingPaths: DEFAULT_UNTRACED_PATHS,
    });
  }
  const registry = options.registry ?? createMetricsRegistry(options.name);
  const readiness = options.readiness ?? new ReadinessRegistry();

  if (config.devDefaultsInUse.length > 0 && config.nodeEnv !== 'test') {
    logger.warn(
      { variables: config.devDefaultsInUse },
      'using development-only secrets; set them before exposing this process',
    );
  }

  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [
      createPlatformModule({
        serviceName: options.name,
        config,
        logger,
        registry,
        readiness,
        shutdownDrainMs: options.shutdownDrainMs ?? config.shutdown.drainMs,
        onShutdown: async () => {
          await tracing?.shutdown();
          logger.flush();
        },
      }),
      options.module,
    ],
  };

  let app: NestExpressApplication;
  try {
    // The adapter is passed explicitly: letting Nest import it loads a second copy of @nestjs/common
    // (ESM beside the CommonJS one tsx gives us), and exceptions then fail `instanceof` checks.
    app = await NestFactory.create<NestExpressApplication>(root, new ExpressAdapter(), {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
      rawBody: true,
      forceCloseConnections: true,
    });
  } catch (error) {
    await tracing?.shutdown();
    throw error;
  }

  let port = 0;
  try {
    port = await startApp(app, options, config, logger, registry);
  } catch (error) {
    // A failed start (port taken, bad module) must not leave hooks, spans or sockets behind.
    await app.close().catch(() => undefined);
    await tracing?.shutdown();
    throw error;
  }
  const host = ['0.0.0.0', '::', ''].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (options.listen !== false) {
    logger.info(
      { port, host: config.http.host, mode: config.mode, demoTraffic: config.demoTraffic },
      `${options.name} listening`,
    );
  }

  return {
    app,
    config,
    logger,
    registry,
    readiness,
    url,
    port,
    close: () => app.close(),
  };
}

async function startApp(
  app: NestExpressApplication,
  options: BootstrapServiceOptions,
  config: RingbackConfig,
  logger: Logger,
  registry: Registry,
): Promise<number> {
  app.disable('x-powered-by');
  app.setGlobalPrefix(API_PREFIX, { exclude: [...ROOT_PATHS, ...(options.rootPaths ?? [])] });
  app.use(requestLoggingMiddleware({ logger, registry }));
  app.use(rateLimitMiddleware(config.rateLimit));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await options.configure?.(app);
  await app.init();

  // Registered after init, so they sit behind every Nest route: paths outside /api/v1 that nothing
  // matched, and errors raised by plain Express middleware, still get the contract body.
  app.use((req: HttpRequest, res: HttpResponse) => {
    const path = (req.originalUrl ?? req.url).split('?')[0];
    res
      .status(404)
      .json({ error: { code: 'not_found', message: `Cannot ${req.method} ${path}`, details: [] } });
  });
  app.use((error: unknown, req: HttpRequest, res: HttpResponse, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const { status, body, internal } = errorResponseFor(error);
    if (internal) logger.error({ err: error, method: req.method, status }, 'request failed');
    res.status(status).json(body);
  });

  if (options.listen !== false) {
    await app.listen(config.http.port, config.http.host);
    return (app.getHttpServer().address() as AddressInfo).port;
  }
  return 0;
}
