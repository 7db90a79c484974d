import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ApiError } from '@ringback/nest-platform';
import { userClaimsSchema, type AuthUser } from './claims';

/** Where user tokens are checked: `config.auth` of `@ringback/config`. */
export interface TokenVerifierConfig {
  /** HS256 key; used when no JWKS URL is configured. */
  jwtSecret: string | null;
  /** When set, tokens must be RS256 and signed by a key of this JWKS. */
  jwksUrl: string | null;
  /** When set, the `iss` every token must carry. */
  issuer?: string | null;
  /** When set, the `aud` every token must name. */
  audience?: string | null;
}

export interface TokenVerifier {
  /** The caller's claims; throws a 401 ApiError for a missing, malformed, forged or expired token. */
  verify(token: string): Promise<AuthUser>;
}

export const TOKEN_VERIFIER = Symbol.for('ringback.TokenVerifier');

/** Seconds of clock skew tolerated on `exp`/`nbf`/`iat`. */
const CLOCK_TOLERANCE_S = 5;

const unauthorized = (code: string, message: string): ApiError => new ApiError(401, code, message);

/**
 * Verifies user JWTs: RS256 against the JWKS at `jwksUrl` when configured (production), else HS256
 * with `jwtSecret`. Only that one algorithm is accepted (no `none`, no HS/RS confusion), `exp` is
 * required, `nbf` in the future is refused, `iss`/`aud` must match when configured, and the claims
 * must match {@link userClaimsSchema}.
 */
export function createTokenVerifier(
  config: TokenVerifierConfig,
  options: { now?: () => number } = {},
): TokenVerifier {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithm: 'HS256' | 'RS256';
  if (config.jwksUrl) {
    key = createRemoteJWKSet(new URL(config.jwksUrl));
    algorithm = 'RS256';
  } else if (config.jwtSecret) {
    key = new TextEncoder().encode(config.jwtSecret);
    algorithm = 'HS256';
  } else {
    throw new Error('user token verification needs AUTH_JWT_SECRET or AUTH_JWKS_URL');
  }

  return {
    async verify(token: string): Promise<AuthUser> {
      let payload: unknown;
      try {
        const result = await jwtVerify(token, key as Uint8Array, {
          algorithms: [algorithm],
          requiredClaims: ['exp', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_S,
          ...(config.issuer ? { issuer: config.issuer } : {}),
          ...(config.audience ? { audience: config.audience } : {}),
          ...(options.now ? { currentDate: new Date(options.now()) } : {}),
        });
        payload = result.payload;
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw unauthorized('token_expired', 'The token has expired');
        if (error instanceof errors.JOSEError) throw unauthorized('invalid_token', 'The token is not valid');
        throw error;
      }
      const claims = userClaimsSchema.safeParse(payload);
      if (!claims.success) throw unauthorized('invalid_token', 'The token claims are not valid');
      return claims.data;
    },
  };
}
