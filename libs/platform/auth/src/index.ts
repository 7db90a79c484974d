export { USER_ROLES, userClaimsSchema, type AuthUser, type UserRole } from './claims';
export {
  assertCanRead,
  assertCanWrite,
  canRead,
  canWrite,
  inScope,
  requireRole,
  type ScopedResource,
} from './scope';
export { TOKEN_VERIFIER, createTokenVerifier, type TokenVerifier, type TokenVerifierConfig } from './verify';
export {
  DEV_TOKEN_TTL_SECONDS,
  devTokenOptionsFor,
  signDevToken,
  type DevTokenClaims,
  type DevTokenOptions,
} from './dev-token';
export {
  AuthGuard,
  Authenticated,
  CurrentUser,
  REQUIRED_ROLES,
  bearerTokenFrom,
  type AuthenticatedRequest,
} from './auth.guard';
export { AuthModule } from './auth.module';
export * from './webhooks/webhook-signature';
export * from './webhooks/twilio-signature';
export { WebhookSignatureGuard, invalidSignature } from './webhooks/webhook-signature.guard';
export { EMPTY_TWIML, twilioParamsOf, verifiedTwilioParams } from './webhooks/twilio-request';
