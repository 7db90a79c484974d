import { ApiError } from '@ringback/nest-platform';
import type { AuthUser, UserRole } from './claims';

/** Where a resource sits in the organisation: enough to decide any user's scope. */
export interface ScopedResource {
  locationId: string;
  regionId: string;
  podId: string;
}

/**
 * The contract's scope rule: admin sees everything; a supervisor the locations in its regions; a
 * coordinator the locations served by its pods; clinic staff their own locations.
 */
export function inScope(user: AuthUser, resource: ScopedResource): boolean {
  switch (user.role) {
    case 'admin':
      return true;
    case 'supervisor':
      return user.regions.includes(resource.regionId);
    case 'coordinator':
      return user.pods.includes(resource.podId);
    case 'clinic_staff':
      return user.locations.includes(resource.locationId);
  }
}

/** May `user` see `resource`? Out of scope reads answer 404 (see {@link assertCanRead}). */
export const canRead = (user: AuthUser, resource: ScopedResource): boolean => inScope(user, resource);

/**
 * May `user` change `resource`? Same scope as reading; which roles may perform a given write is the
 * endpoint's decision ({@link requireRole}). Out-of-scope writes answer 403 ({@link assertCanWrite}).
 */
export const canWrite = (user: AuthUser, resource: ScopedResource): boolean => inScope(user, resource);

/**
 * Throws 404 (never revealing that the resource exists) unless `user` may read it. `notFound` lets
 * the caller give the same answer it gives for a resource that really does not exist.
 */
export function assertCanRead(
  user: AuthUser,
  resource: ScopedResource,
  notFound: () => ApiError = () => new ApiError(404, 'not_found', 'Not found'),
): void {
  if (!canRead(user, resource)) throw notFound();
}

/** Throws 403 `forbidden` unless `user` may change `resource`. */
export function assertCanWrite(user: AuthUser, resource: ScopedResource): void {
  if (!canWrite(user, resource)) {
    throw new ApiError(403, 'forbidden', 'This resource is outside your scope');
  }
}

/** Throws 403 `forbidden` unless the user has one of `roles`. */
export function requireRole(user: AuthUser, ...roles: readonly UserRole[]): void {
  if (!roles.includes(user.role)) {
    throw new ApiError(403, 'forbidden', `Requires role ${roles.join(' or ')}`, [
      { requiredRoles: [...roles] },
    ]);
  }
}
