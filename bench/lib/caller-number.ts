// Pure: the caller numbers of the load generator.

const AREAS = ['303', '720', '212', '646', '415', '510', '312', '773', '617', '206'];

/** A distinct, possible NANP number for each n < 80,000,000 (exchange 200-999, never N11). */
export function callerNumber(n: number): string {
  const line = String(n % 10_000).padStart(4, '0');
  const exchange = 200 + (Math.floor(n / 10_000) % 800);
  const area = AREAS[Math.floor(n / 8_000_000) % AREAS.length];
  const ex = exchange % 100 === 11 ? exchange + 1 : exchange;
  return `+1${area}${ex}${line}`;
}
