import { HttpException } from '@nestjs/common';
import { WrongExpectedRevisionError } from '@ringback/platform-core';
import { z } from 'zod';

/** The contract's error body: every non-2xx answer has exactly this shape. */
export interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

/** One field-level problem in a 400 answer. `field` is a dotted path (`preferredWindow.start`). */
export interface FieldIssue {
  field: string;
  /** `body`, `query` or `param` when known. */
  in?: string;
  code: string;
  message: string;
}

/**
 * An error with its contract code, for handlers that need a specific answer (404 `location_not_found`,
 * 401 `invalid_signature`). It is an HttpException, so Nest treats it like one everywhere.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super({ error: { code, message, details } } satisfies ErrorBody, status);
    this.name = 'ApiError';
  }
}

/** Input failed validation; carries field-level issues and where the input came from. */
export class RequestValidationError extends Error {
  constructor(
    readonly issues: FieldIssue[],
    message = 'Request validation failed',
  ) {
    super(message);
    this.name = 'RequestValidationError';
  }
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** True for failures that are ours (5xx): the caller logs them with the error. */
  internal: boolean;
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  500: 'internal_error',
  501: 'not_implemented',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

export const codeForStatus = (status: number): string => STATUS_CODES[status] ?? `http_${status}`;

/**
 * HTTP status for a kernel DomainError, from its code: `*_not_found` is 404, conflicts with current
 * state (`*_conflict`, `already_*`, `duplicate_*`, `*_exists`, version mismatches) are 409, and any
 * other broken business rule is 422.
 */
export function domainErrorStatus(code: string): number {
  if (/(^|_)not_found$/.test(code)) return 404;
  if (/(conflict|already|duplicate|exists|version|revision|concurren)/.test(code)) return 409;
  return 422;
}

const body = (code: string, message: string, details: unknown[] = []): ErrorBody => ({
  error: { code, message, details },
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isContractBody(value: unknown): value is ErrorBody {
  if (!isRecord(value) || !isRecord(value['error'])) return false;
  const e = value['error'];
  return typeof e['code'] === 'string' && typeof e['message'] === 'string' && Array.isArray(e['details']);
}

// Nest packages can load twice (CommonJS via tsx, ESM via Nest's own dynamic imports), so an
// HttpException from one copy fails `instanceof` against the other: recognise them by shape.
interface HttpExceptionLike {
  getStatus(): number;
  getResponse(): unknown;
  message: string;
}
const isHttpException = (e: unknown): e is HttpExceptionLike =>
  e instanceof HttpException ||
  (isRecord(e) && typeof e['getStatus'] === 'function' && typeof e['getResponse'] === 'function');

const isZodError = (e: unknown): e is z.core.$ZodError =>
  e instanceof z.core.$ZodError ||
  (e instanceof Error && e.name === 'ZodError' && Array.isArray((e as { issues?: unknown }).issues));

const isDomainError = (e: unknown): e is Error & { code: string; details?: unknown } =>
  e instanceof Error && e.name === 'DomainError' && typeof (e as { code?: unknown }).code === 'string';

/** Zod issues as contract field-level details. */
export function fieldIssues(error: z.core.$ZodError, location?: string): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const at = (path: readonly PropertyKey[]) => ({
      field: path.map(String).join('.'),
      ...(location ? { in: location } : {}),
    });
    // An unknown key is reported on the key itself (`holiday`), not on the object holding it.
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
      return issue.keys.map((key) => ({
        ...at([...issue.path, key]),
        code: issue.code,
        message: `Unrecognized key "${key}"`,
      }));
    }
    return [{ ...at(issue.path), code: issue.code, message: issue.message }];
  });
}

function fromHttpException(e: HttpExceptionLike): ErrorResponse {
  const status = e.getStatus();
  const response = e.getResponse();
  const internal = status >= 500;
  if (isContractBody(response)) return { status, body: response, internal };
  let message = e.message;
  let details: unknown[] = [];
  let code = codeForStatus(status);
  if (typeof response === 'string') message = response;
  else if (isRecord(response)) {
    const m = response['message'];
    if (typeof m === 'string') message = m;
    else if (Array.isArray(m)) {
      message = codeForStatus(status) === 'bad_request' ? 'Request validation failed' : e.message;
      details = m;
    }
    if (typeof response['code'] === 'string') code = response['code'];
    if (Array.isArray(response['details'])) details = response['details'];
  }
  return { status, body: body(code, message, details), internal };
}

/**
 * Maps anything thrown while handling a request to the contract error body. Unknown errors become
 * a 500 whose message reveals nothing about the cause; the caller logs the original.
 */
export function errorResponseFor(error: unknown): ErrorResponse {
  if (error instanceof RequestValidationError) {
    return { status: 400, body: body('validation_failed', error.message, error.issues), internal: false };
  }
  if (isZodError(error)) {
    return {
      status: 400,
      body: body('validation_failed', 'Request validation failed', fieldIssues(error)),
      internal: false,
    };
  }
  if (isHttpException(error)) return fromHttpException(error);
  if (isDomainError(error)) {
    const details = Array.isArray(error.details) ? error.details : [];
    return {
      status: domainErrorStatus(error.code),
      body: body(error.code, error.message, details),
      internal: false,
    };
  }
  if (error instanceof WrongExpectedRevisionError) {
    return {
      status: 409,
      body: body(
        'concurrency_conflict',
        'The resource was changed by another request; retry with fresh state',
      ),
      internal: false,
    };
  }
  // Errors raised by Express middleware (body-parser limits, http-errors) mark client faults with `expose`.
  if (isRecord(error) && error['expose'] === true) {
    const status = Number(error['status'] ?? error['statusCode']);
    if (Number.isInteger(status) && status >= 400 && status < 500) {
      return {
        status,
        body: body(codeForStatus(status), String(error['message'] ?? codeForStatus(status))),
        internal: false,
      };
    }
  }
  return { status: 500, body: body('internal_error', 'Internal server error'), internal: true };
}
