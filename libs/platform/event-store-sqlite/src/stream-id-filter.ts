/**
 * The first filter's bits per id and probes: about 0.8 % of absent ids pass (to a read of the file).
 * Each next filter has 1.5 bits and one probe more, which halves its share, so that all of them
 * together let through at most about twice the first's.
 */
const BITS_PER_ID = 10;
const PROBES = 7;

/**
 * The stream ids a file holds, as a scalable Bloom filter: `mayHave` is false only for an id never
 * added, and true for 1-2 % of those too. Lets a read of a stream not yet written (every first
 * command on a new task, every call from a new number) answer without asking the file: those were
 * most of the reads that found nothing in the soak. Each filter takes ids up to its capacity; then
 * a new one of twice the capacity takes the next ones, and a lookup asks each.
 *
 * Hand-written rather than the `bloom-filters` package: that one brings lodash and a second
 * `reflect-metadata` (0.1, a global polyfill NestJS has at 0.2) and hashes with 64-bit `long`
 * arithmetic on every lookup, which is on the event loop of every read here.
 */
export class StreamIdFilter {
  private readonly filters: {
    bits: Uint32Array;
    size: number;
    probes: number;
    capacity: number;
    added: number;
  }[] = [];

  /** `capacity`: ids the first filter takes (at least 1,024). */
  constructor(capacity: number) {
    this.grow(Math.max(1_024, Math.ceil(capacity)));
  }

  /** Ids the filters took: an id they may already have (one added, or a false positive) is not set again. */
  get added(): number {
    return this.filters.reduce((n, f) => n + f.added, 0);
  }

  add(id: string): void {
    // One hashing of the id for the lookup and the insert: every append of the store comes here.
    const [h1, h2] = hashes(id);
    if (this.has(h1, h2)) return;
    let filter = this.filters[this.filters.length - 1]!;
    if (filter.added >= filter.capacity) filter = this.grow(filter.capacity * 2);
    for (let i = 0; i < filter.probes; i++) {
      const bit = (h1 + i * h2) % filter.size;
      filter.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    filter.added++;
  }

  /** False when `id` was never added. */
  mayHave(id: string): boolean {
    const [h1, h2] = hashes(id);
    return this.has(h1, h2);
  }

  private has(h1: number, h2: number): boolean {
    for (const filter of this.filters) {
      let all = true;
      for (let i = 0; i < filter.probes && all; i++) {
        const bit = (h1 + i * h2) % filter.size;
        all = (filter.bits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
      }
      if (all) return true;
    }
    return false;
  }

  private grow(capacity: number) {
    const n = this.filters.length;
    // Even, as `hashes` needs.
    const size = 2 * Math.ceil((capacity * (BITS_PER_ID + 1.5 * n)) / 2);
    const filter = {
      bits: new Uint32Array(Math.ceil(size / 32)),
      size,
      probes: PROBES + n,
      capacity,
      added: 0,
    };
    this.filters.push(filter);
    return filter;
  }
}

/**
 * Two independent 32-bit hashes of the string's UTF-16 code units (FNV-1a and a multiply-xorshift
 * mix), for double hashing; the second is odd, never a multiple of a filter's (even) size, so that
 * an id's probes do not all fall on one bit.
 */
function hashes(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return [a >>> 0, ((b ^ (b >>> 16)) | 1) >>> 0];
}
