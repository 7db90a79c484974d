export { LOGGER, METRICS_REGISTRY, PLATFORM_OPTIONS, READINESS, RINGBACK_CONFIG } from './tokens';
export {
  ReadinessRegistry,
  type ComponentReadiness,
  type ReadinessCheck,
  type ReadinessRegistryOptions,
  type ReadinessReport,
  type ReadinessResult,
} from './readiness/readiness.registry';
export {
  ApiError,
  RequestValidationError,
  codeForStatus,
  domainErrorStatus,
  errorResponseFor,
  fieldIssues,
  type ErrorBody,
  type ErrorResponse,
  type FieldIssue,
} from './errors/error-body';
export { AllExceptionsFilter } from './errors/all-exceptions.filter';
export { ZodValidationPipe } from './validation/zod-validation.pipe';
export { PinoNestLogger } from './logging/pino-nest-logger';
export {
  requestLoggingMiddleware,
  routeOf,
  type RequestLoggingOptions,
} from './logging/request-logging.middleware';
export { HealthHttpController } from './health/health.http.controller';
export { PlatformModule, createPlatformModule, type PlatformOptions } from './platform.module';
export {
  API_PREFIX,
  ROOT_PATHS,
  bootstrapService,
  type BootstrapServiceOptions,
  type RunningService,
} from './bootstrap-service';
export type { HttpRequest, HttpResponse, NextFunction } from './http-types';
export {
  OPENAPI_REGISTRY,
  OpenApiRegistry,
  renderOpenApiHtml,
  type HttpMethod,
  type OpenApiInfo,
  type OpenApiResponse,
  type OpenApiRoute,
} from './openapi/openapi.registry';
export { OpenApiHttpController } from './openapi/openapi.http.controller';
export { correlationIdOf } from './http/correlation-id';
export { StreamCommands, type CommandContext } from './commands/stream-commands';
export { RateLimiter, rateLimitMiddleware, type RateLimitOptions } from './http/rate-limit';
export { RequestBodyGuard } from './http/request-body.guard';
