import { SignJWT } from 'jose';
import type { UserRole } from './claims';

export interface DevTokenClaims {
  role: UserRole;
  /** Default `dev-<role>`. */
  sub?: string;
  regions?: string[];
  locations?: string[];
  pods?: string[];
}

export interface DevTokenOptions {
  /** Lifetime in seconds (default 12 h). */
  expiresInSeconds?: number;
  /** Milliseconds since the epoch the token is issued at (default: now). */
  now?: number;
}

export const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

/** An HS256 user token for development and tests, verifiable with the same secret. */
export async function signDevToken(
  claims: DevTokenClaims,
  secret: string,
  options: DevTokenOptions = {},
): Promise<string> {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  return new SignJWT({
    role: claims.role,
    regions: claims.regions ?? [],
    locations: claims.locations ?? [],
    pods: claims.pods ?? [],
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub ?? `dev-${claims.role}`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresInSeconds ?? DEV_TOKEN_TTL_SECONDS))
    .sign(new TextEncoder().encode(secret));
}
