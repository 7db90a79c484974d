/** What RecentRows needs of a row: its place in the global log and its stream category. */
export interface RecentRow {
  position: bigint;
  category: string;
}

/**
 * The newest rows of the global log, as appended by this process: every row with a position after
 * `from` up to the newest one held, in order, and per category. Caught-up subscriptions read here
 * instead of asking SQLite each time (in the soak a sixth of the event loop went to those queries,
 * most of them for a handful of rows just written).
 *
 * It only knows what it is told. Rows must be added in position order as they are inserted; a
 * position that does not follow the newest one held means another writer came in between, and
 * coverage restarts after it. The owner must also `forget()` whenever rows it added may not exist
 * (a rolled-back transaction) or another connection may have written after them.
 */
export class RecentRows<R extends RecentRow> {
  private rows: R[] = [];
  private byCategory = new Map<string, R[]>();
  /** Every row with a position in (from, newest held] is held; undefined: nothing is known. */
  private from: bigint | undefined;

  /** `capacity`: rows held at most; past it the older half goes. */
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new Error('capacity must be an integer >= 2');
  }

  /** Covers what comes after `position` (the log's current head), holding nothing yet. */
  startAfter(position: bigint): void {
    this.rows = [];
    this.byCategory = new Map();
    this.from = position;
  }

  /** Knows nothing until `startAfter` or the next `add`. */
  forget(): void {
    this.rows = [];
    this.byCategory = new Map();
    this.from = undefined;
  }

  /** How many rows are held. */
  get size(): number {
    return this.rows.length;
  }

  /** Adds rows just inserted, in position order. */
  add(rows: readonly R[]): void {
    for (const row of rows) {
      const newest = this.rows.length > 0 ? this.rows[this.rows.length - 1]!.position : this.from;
      // Unknown coverage, or a row of someone else in between: what is known starts here.
      if (newest === undefined || row.position !== newest + 1n) this.startAfter(row.position - 1n);
      this.rows.push(row);
      let ofCategory = this.byCategory.get(row.category);
      if (!ofCategory) this.byCategory.set(row.category, (ofCategory = []));
      ofCategory.push(row);
    }
    if (this.rows.length > this.capacity) this.trim();
  }

  /**
   * Rows after `after`, of `categories` when given, at most `limit` (all when undefined), in position
   * order; undefined when rows after `after` may exist that are not held.
   */
  read(after: bigint, categories: readonly string[] | undefined, limit: number | undefined): R[] | undefined {
    if (this.from === undefined || after < this.from) return undefined;
    const max = limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, limit);
    if (!categories) {
      // Positions are contiguous from `from` on, so the first row after `after` is found by arithmetic.
      const start = Math.min(this.rows.length, Number(after - this.from));
      return this.rows.slice(start, Math.min(this.rows.length, start + max));
    }
    const out: R[] = [];
    for (const category of new Set(categories)) {
      const ofCategory = this.byCategory.get(category);
      if (!ofCategory) continue;
      const start = firstAfter(ofCategory, after);
      out.push(...ofCategory.slice(start, Math.min(ofCategory.length, start + max)));
    }
    if (categories.length > 1) out.sort((a, b) => (a.position < b.position ? -1 : 1));
    return out.length > max ? out.slice(0, max) : out;
  }

  private trim(): void {
    const drop = this.rows.length - Math.floor(this.capacity / 2);
    const from = this.rows[drop - 1]!.position;
    this.rows = this.rows.slice(drop);
    for (const [category, ofCategory] of this.byCategory) {
      const keep = ofCategory.slice(firstAfter(ofCategory, from));
      if (keep.length === 0) this.byCategory.delete(category);
      else this.byCategory.set(category, keep);
    }
    this.from = from;
  }
}

/** Index of the first row with a position after `after` (rows in position order). */
function firstAfter(rows: readonly RecentRow[], after: bigint): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.position <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
