import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@ringback/observability';
import type { HttpRequest, HttpResponse } from '../http-types';
import { LOGGER } from '../tokens';
import { errorResponseFor } from './error-body';
import { routeOf } from '../logging/request-logging.middleware';

/**
 * Global filter: every error leaving an HTTP handler is answered with the contract body
 * `{"error":{"code","message","details"}}`. 5xx causes are logged (scrubbed of PHI by the logger)
 * and never sent to the client. Non-HTTP contexts (socket gateways) are left to their own filters.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const req = http.getRequest<HttpRequest>();
    const res = http.getResponse<HttpResponse>();
    const { status, body, internal } = errorResponseFor(exception);
    if (internal) {
      this.logger.error(
        { err: exception, method: req.method, route: routeOf(req), status },
        'request failed',
      );
    }
    if (res.headersSent) return;
    res.status(status).json(body);
  }
}
