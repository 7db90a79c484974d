import { createHistogram, currentTraceId, type Logger, type Registry } from '@ringback/observability';
import type { HttpRequest, HttpResponse, NextFunction } from '../http-types';

/** Route template of a matched request (`/api/v1/tasks/:taskId`), or `unmatched`; never the raw URL. */
export function routeOf(req: HttpRequest): string {
  const path = req.route?.path;
  if (typeof path !== 'string' || path.includes('*')) return 'unmatched';
  return path;
}

export interface RequestLoggingOptions {
  logger: Logger;
  registry: Registry;
  /** Paths logged at debug level only (probes and scrapes). */
  quietPaths?: string[];
}

/**
 * Express middleware: one log line per request with method, route template, status, duration and
 * trace id (no URL, query, headers or body, which may carry PHI), the `X-Trace-Id` response header,
 * and `ringback_http_request_duration_seconds{method,route,status}`.
 */
export function requestLoggingMiddleware(options: RequestLoggingOptions) {
  const quiet = new Set(options.quietPaths ?? ['/healthz', '/readyz', '/metrics']);
  const duration = createHistogram(options.registry, {
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
  });
  return (req: HttpRequest, res: HttpResponse, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const traceId = currentTraceId();
    if (traceId) res.setHeader('X-Trace-Id', traceId);
    let done = false;
    const finish = (aborted: boolean): void => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      const status = aborted ? 499 : res.statusCode;
      duration.observe({ method: req.method, route, status: String(status) }, seconds);
      const line = {
        method: req.method,
        route,
        status,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        ...(traceId ? { traceId } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      const path = (req.originalUrl ?? req.url).split('?')[0] ?? '';
      if (quiet.has(path) && status < 500) options.logger.debug(line, 'request');
      else if (status >= 500) options.logger.warn(line, 'request');
      else options.logger.info(line, 'request');
    };
    res.on('finish', () => finish(false));
    res.on('close', () => finish(res.writableFinished !== true));
    next();
  };
}
