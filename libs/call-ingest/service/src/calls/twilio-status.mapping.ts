import { toIso } from '@ringback/kernel';

/** Twilio's POST parameters as the urlencoded parser hands them over. */
export type TwilioParams = Record<string, string | string[]>;

/** What a Twilio voice status callback means for Ringback. */
export type TwilioStatusOutcome =
  | {
      kind: 'missed';
      providerCallId: string;
      from: string;
      occurredAt: string;
    }
  | {
      kind: 'answered';
      providerCallId: string;
      from: string;
      occurredAt: string;
      durationSeconds: number | null;
    }
  | { kind: 'ignored'; callStatus: string }
  | { kind: 'invalid'; field: 'CallSid' | 'From'; message: string };

/** Statuses that mean nobody picked up: the call becomes a missed call. */
export const TWILIO_MISSED_STATUSES: readonly string[] = ['no-answer', 'busy', 'failed'];

const single = (params: TwilioParams, name: string): string | undefined => {
  const value = params[name];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
};

/**
 * Maps one status callback to a missed or answered call:
 * - `no-answer`, `busy`, `failed`: missed call (intent unknown);
 * - `completed`: answered call, with `CallDuration` seconds when given;
 * - anything else (`queued`, `ringing`, `in-progress`, `canceled`): ignored.
 *
 * `providerCallId` is the `CallSid`, `from` the `From` parameter; the call's time is Twilio's
 * `Timestamp` (RFC 2822) when present and readable, else `nowMs` (the injected clock).
 */
export function mapTwilioStatus(params: TwilioParams, nowMs: number): TwilioStatusOutcome {
  const callStatus = (single(params, 'CallStatus') ?? '').toLowerCase();
  const missed = TWILIO_MISSED_STATUSES.includes(callStatus);
  if (!missed && callStatus !== 'completed') return { kind: 'ignored', callStatus };

  const providerCallId = single(params, 'CallSid');
  if (!providerCallId || providerCallId.length > 200)
    return { kind: 'invalid', field: 'CallSid', message: 'CallSid is required' };
  const from = single(params, 'From');
  if (!from) return { kind: 'invalid', field: 'From', message: 'From is required' };

  const timestamp = single(params, 'Timestamp');
  const parsed = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  const occurredAt = toIso(Number.isFinite(parsed) ? parsed : nowMs);

  if (missed) return { kind: 'missed', providerCallId, from, occurredAt };
  const duration = single(params, 'CallDuration');
  const durationSeconds = duration !== undefined && /^\d{1,6}$/.test(duration) ? Number(duration) : null;
  return { kind: 'answered', providerCallId, from, occurredAt, durationSeconds };
}
