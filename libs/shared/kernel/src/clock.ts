/**
 * Time as a port. Domain code never reads the system clock: it is handed a Clock, so tests and
 * simulations can drive time explicitly.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const CLOCK = Symbol.for('ringback.Clock');

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to; for tests, replays and what-if simulations. */
export class VirtualClock implements Clock {
  private current: number;

  constructor(start: number | Date | string = 0) {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): number {
    if (ms < 0) throw new RangeError('a virtual clock never runs backwards');
    this.current += ms;
    return this.current;
  }

  set(to: number | Date | string): void {
    const next = typeof to === 'number' ? to : new Date(to).getTime();
    if (next < this.current) throw new RangeError('a virtual clock never runs backwards');
    this.current = next;
  }
}

export const toIso = (ms: number): string => new Date(ms).toISOString();
