import { isUtf8 } from 'node:buffer';
import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiError } from '../errors/error-body';
import type { HttpRequest } from '../http-types';
import { OPENAPI_REGISTRY, type OpenApiRegistry } from '../openapi/openapi.registry';

type BodyRequest = HttpRequest & { rawBody?: Buffer; route?: { path?: unknown } };

const mediaTypeOf = (header: string | string[] | undefined): string =>
  String(Array.isArray(header) ? header[0] : (header ?? ''))
    .split(';')[0]!
    .trim()
    .toLowerCase();

const hasBody = (req: HttpRequest): boolean => {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
};

/**
 * Checks a request body against what its route declares in the OpenAPI registry, before any other
 * guard (it is global): a body in a media type the route does not take answers 415
 * `unsupported_media_type` (Express would otherwise hand the handler an empty body, which a route
 * whose fields are all optional would act on), and a JSON or form body that is not valid UTF-8
 * answers 400 `invalid_encoding` (the parser would otherwise store U+FFFD in its place).
 */
@Injectable()
export class RequestBodyGuard implements CanActivate {
  constructor(@Optional() @Inject(OPENAPI_REGISTRY) private readonly registry?: OpenApiRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.registry) return true;
    const req = context.switchToHttp().getRequest<BodyRequest>();
    if (!hasBody(req) || typeof req.route?.path !== 'string') return true;
    const path = req.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const route = this.registry.find(req.method, path);
    if (!route?.body) return true;
    const expected = route.bodyContentType ?? 'application/json';
    const given = mediaTypeOf(req.headers['content-type']);
    if (given !== expected)
      throw new ApiError(415, 'unsupported_media_type', `This endpoint takes ${expected}`, [
        { contentType: given || null, expected },
      ]);
    if (req.rawBody && !isUtf8(req.rawBody))
      throw new ApiError(400, 'invalid_encoding', 'The request body is not valid UTF-8', [
        { in: 'body', code: 'invalid_encoding', message: 'not valid UTF-8' },
      ]);
    return true;
  }
}
