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
  /** `iss` claim (the deployment's `AUTH_JWT_ISSUER`, when it checks one). */
  issuer?: string | null;
  /** `aud` claim (the deployment's `AUTH_JWT_AUDIENCE`, when it checks one). */
  audience?: string | null;
}

/** The `iss`/`aud` a deployment checks, as {@link DevTokenOptions}: `signDevToken(c, s, devTokenOptionsFor(config.auth))`. */
export const devTokenOptionsFor = (auth: {
  issuer: string | null;
  audience: string | null;
}): DevTokenOptions => ({ issuer: auth.issuer, audience: auth.audience });

export const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

/** An HS256 user token for development and tests, verifiable with the same secret. */
export async function signDevToken(
  claims: DevTokenClaims,
  secret: string,
  options: DevTokenOptions = {},
): Promise<string> {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const jwt = new SignJWT({
    role: claims.role,
    regions: claims.regions ?? [],
    locations: claims.locations ?? [],
    pods: claims.pods ?? [],
  });
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub ?? `dev-${claims.role}`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresInSeconds ?? DEV_TOKEN_TTL_SECONDS))
    .sign(new TextEncoder().encode(secret));
}
