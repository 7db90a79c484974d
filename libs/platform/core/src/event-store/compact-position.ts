/**
 * A stream or global position as it is cheapest to hold in memory: a number while it is a safe
 * integer (below 2^30 not even a heap object, so a large map of them is nothing for the garbage
 * collector to mark), the bigint itself beyond. Numbers and bigints compare exactly with `<`/`>=`,
 * and `BigInt(held)` gives the position back.
 */
export const compactPosition = (position: bigint): number | bigint =>
  position <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(position) : position;
