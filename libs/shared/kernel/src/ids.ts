import { createHash, randomBytes } from 'node:crypto';

/** Id generation as a port, so deciders and tests stay deterministic. */
export interface IdGenerator {
  /** A new UUIDv7 whose time part is `atMs` (default: the generator's clock). */
  next(atMs?: number): string;
}

export const ID_GENERATOR = Symbol.for('ringback.IdGenerator');

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function formatV7(ms: number, rand: Uint8Array): string {
  const b = new Uint8Array(16);
  const t = BigInt(Math.max(0, Math.floor(ms)));
  for (let i = 0; i < 6; i++) b[i] = Number((t >> BigInt(8 * (5 - i))) & 0xffn);
  for (let i = 6; i < 16; i++) b[i] = rand[i - 6] ?? 0;
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * UUIDv7 (RFC 9562) with a monotonic counter inside one millisecond, so ids minted by one process
 * sort in creation order.
 */
export class UuidV7Generator implements IdGenerator {
  private lastMs = -1;
  private seq = 0;

  constructor(private readonly clock: { now(): number } = { now: () => Date.now() }) {}

  next(atMs?: number): string {
    const ms = atMs ?? this.clock.now();
    const rand = randomBytes(10);
    if (atMs === undefined) {
      if (ms <= this.lastMs) {
        this.seq = (this.seq + 1) & 0xfff;
      } else {
        this.lastMs = ms;
        this.seq = rand.readUInt16BE(0) & 0x7ff;
      }
      // 12-bit counter in rand_a keeps ids from one generator ordered within the millisecond
      rand[0] = (this.seq >> 8) & 0x0f;
      rand[1] = this.seq & 0xff;
      return formatV7(Math.max(ms, this.lastMs), rand);
    }
    return formatV7(ms, rand);
  }
}

/**
 * A UUIDv7 derived from its inputs: the same cause always yields the same id. Processors use it
 * for the events they emit in reaction to another event, so a redelivered input produces an
 * append the event store recognises as already done.
 */
export function deterministicUuidV7(atMs: number, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return formatV7(atMs, digest.subarray(0, 10));
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const isUuidV7 = (value: string): boolean => UUID_V7.test(value);

/** Milliseconds encoded in a UUIDv7. */
export function uuidV7Time(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

/** Fixed sequence of ids for tests. */
export class SequentialIdGenerator implements IdGenerator {
  private n = 0;
  constructor(private readonly baseMs = 0) {}
  next(atMs?: number): string {
    this.n += 1;
    return deterministicUuidV7(atMs ?? this.baseMs + this.n, 'seq', String(this.n));
  }
}
