import {
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  applyDecorators,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError, type HttpRequest, type HttpResponse } from '@ringback/nest-platform';
import type { AuthUser, UserRole } from './claims';
import { requireRole } from './scope';
import { TOKEN_VERIFIER, type TokenVerifier } from './verify';

/** Roles an `@Authenticated(...)` handler or controller admits (empty: any authenticated user). */
export const REQUIRED_ROLES = Symbol.for('ringback.RequiredRoles');

/** A request the guard has let through. */
export type AuthenticatedRequest = HttpRequest & { user?: AuthUser };

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerTokenFrom(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i.exec(value ?? '');
  return match?.[1] ?? null;
}

/**
 * Verifies the bearer token (401 with the contract error body when it is missing, malformed, forged
 * or expired), puts the claims on `request.user`, then checks the roles `@Authenticated` asks for
 * (403). Authentication always comes first, so a caller without a valid token never learns more.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const res = http.getResponse<HttpResponse>();
    const token = bearerTokenFrom(req.headers['authorization']);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="ringback"');
      throw new ApiError(401, 'unauthorized', 'A bearer token is required');
    }
    try {
      req.user = await this.verifier.verify(token);
    } catch (error) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="ringback", error="invalid_token"');
      throw error;
    }
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && roles.length > 0) requireRole(req.user, ...roles);
    return true;
  }
}

/**
 * Requires a valid user token on a handler or controller; with roles, also one of them (403 otherwise):
 * `@Authenticated('admin')`. The module declaring the controller imports `AuthModule`.
 */
export const Authenticated = (...roles: UserRole[]) =>
  applyDecorators(SetMetadata(REQUIRED_ROLES, roles), UseGuards(AuthGuard));

/** The caller's claims, in a handler guarded by `@Authenticated()`. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new ApiError(401, 'unauthorized', 'A bearer token is required');
  return user;
});
