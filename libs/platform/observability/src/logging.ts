import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

/**
 * Field names that carry patient or caller data. Their values never reach a log line, at any depth:
 * pino's redaction covers the first levels cheaply, and a walk of the log object catches the rest.
 * `from`/`to` also match non-PHI fields such as report ranges; over-redacting those is the safe side.
 */
export const PHI_FIELDS = [
  'callerName',
  'from',
  'to',
  'phone',
  'transcript',
  'patientName',
  'notes',
  'email',
  'dateOfBirth',
] as const;

export const REDACTED = '[REDACTED]';
export const PHONE_PLACEHOLDER = '[PHONE]';

/** Nesting depth the wildcard redact paths cover; deeper PHI is caught by the object walk. */
const REDACT_DEPTH = 4;

/** `callerName`, `*.callerName`, `*.*.callerName`, ... for every PHI field, down to `depth` levels. */
export function phiRedactPaths(depth = REDACT_DEPTH): string[] {
  const paths: string[] = [];
  for (let level = 0; level <= depth; level++) {
    const prefix = '*.'.repeat(level);
    for (const field of PHI_FIELDS) paths.push(`${prefix}${field}`);
  }
  return paths;
}

const countDigits = (s: string): number => s.replace(/\D/g, '').length;

// "+1 303 555 0101", "+13035550101", "+44 (20) 7946-0958"
const INTERNATIONAL = /\+\d[\d\s().-]{5,24}\d/g;
// "(303) 555-0101", "303-555-0101", "303.555.0101"
const NANP = /(?<![\w+])\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?!\w)/g;
// "3035550101", "13035550101": a bare run of 10-15 digits that is not part of a larger token
const BARE = /(?<![\w.+-])\d{10,15}(?![\w-])/g;

/**
 * Replaces anything that looks like a phone number (E.164 with or without separators, NANP formats,
 * bare 10-15 digit runs) with {@link PHONE_PLACEHOLDER}. Used on every log message string.
 */
export function scrubPhoneNumbers(text: string): string {
  return text
    .replace(INTERNATIONAL, (m) => (countDigits(m) >= 7 && countDigits(m) <= 15 ? PHONE_PLACEHOLDER : m))
    .replace(NANP, PHONE_PLACEHOLDER)
    .replace(BARE, PHONE_PLACEHOLDER);
}

const PHI_SET: ReadonlySet<string> = new Set(PHI_FIELDS);

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A copy of `value` with PHI fields censored and phone numbers scrubbed from strings, at any depth.
 * Non-plain objects (Errors, Dates, Buffers) are left to their serializers.
 */
export function scrubPhi(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return scrubPhoneNumbers(value);
  if (Array.isArray(value)) {
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    return value.map((item) => scrubPhi(item, seen));
  }
  if (!isPlainObject(value)) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = PHI_SET.has(key) ? REDACTED : scrubPhi(inner, seen);
  }
  return out;
}

function scrubbedError(err: unknown): unknown {
  if (!(err instanceof Error)) return scrubPhi(err);
  // The serialized error (and its causes) has a non-plain prototype; a JSON round trip makes it
  // walkable and is what pino would write anyway.
  try {
    return scrubPhi(JSON.parse(JSON.stringify(stdSerializers.err(err))));
  } catch {
    return { type: err.name, message: scrubPhoneNumbers(err.message) };
  }
}

export interface CreateLoggerOptions {
  service: string;
  /** pino level name; default `info`. */
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to capture output. */
  destination?: DestinationStream;
  /** Extra fields on every line (in addition to `service`). */
  base?: Record<string, unknown>;
}

/**
 * A JSON logger that never writes PHI: PHI fields are redacted wherever they sit, phone numbers are
 * scrubbed from messages and string values, and errors are serialized with their messages scrubbed.
 * Lines written inside an active span carry `traceId` and `spanId`.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, ...(scrubPhi(options.base ?? {}) as Record<string, unknown>) },
      timestamp: stdTimeFunctions.isoTime,
      redact: { paths: phiRedactPaths(), censor: REDACTED },
      serializers: { err: scrubbedError, error: scrubbedError },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => scrubPhi(bindings) as Record<string, unknown>,
        log: (object) => scrubPhi(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // `logger.error(err)` would take the message from the error unscrubbed; make it explicit.
          if (args[0] instanceof Error && typeof args[1] !== 'string') {
            const [err, ...rest] = args as unknown[];
            args = [{ err }, (err as Error).message, ...rest] as unknown as typeof args;
          }
          const scrubbed = args.map((arg: unknown) =>
            typeof arg === 'string' ? scrubPhoneNumbers(arg) : arg,
          );
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      mixin() {
        const span = trace.getSpanContext(context.active());
        return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger } from 'pino';
