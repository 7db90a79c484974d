import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { RingbackConfig } from '@ringback/config';
import { CLOCK, type Clock } from '@ringback/kernel';
import { ApiError, RINGBACK_CONFIG, type HttpRequest } from '@ringback/nest-platform';
import { verifyWebhookSignature, type SignatureCheck } from './webhook-signature';

const header = (req: HttpRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** 401 `invalid_signature` in the contract error body; `reason` says which check failed. */
export const invalidSignature = (reason: string): ApiError =>
  new ApiError(401, 'invalid_signature', 'Webhook signature is missing, stale or wrong', [{ reason }]);

/**
 * Admits a request only when its `X-Ringback-Timestamp` / `X-Ringback-Signature` headers sign its
 * raw body with `INGEST_WEBHOOK_SECRET` and the timestamp is within 300 s of the injected clock.
 * Guards run before pipes and handlers, so a refused request is never validated nor recorded.
 */
@Injectable()
export class WebhookSignatureGuard implements CanActivate {
  constructor(
    @Inject(RINGBACK_CONFIG) private readonly config: RingbackConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<HttpRequest & { rawBody?: Buffer }>();
    const check: SignatureCheck = verifyWebhookSignature({
      secret: this.config.ingest.webhookSecret,
      timestampHeader: header(req, 'x-ringback-timestamp'),
      signatureHeader: header(req, 'x-ringback-signature'),
      rawBody: req.rawBody,
      nowMs: this.clock.now(),
    });
    if (!check.ok) throw invalidSignature(check.reason);
    return true;
  }
}
