import type { IdGenerator } from '@ringback/kernel';
import type { HttpRequest } from '../http-types';

const ACCEPTABLE = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/** The caller's `X-Correlation-Id` when it is a sane token, else a fresh UUIDv7. */
export function correlationIdOf(req: HttpRequest, ids: IdGenerator): string {
  const header = req.headers['x-correlation-id'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value && ACCEPTABLE.test(value) ? value : ids.next();
}
