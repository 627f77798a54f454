// A set of disjoint half-open address intervals [start, end), kept sorted, for the MSI-X geometry:
// which table or PBA (if any) holds an address, and which interval a new one would overlap.
// Intervals are added one at a time (an mmiotrace log declares tables as it goes, between
// accesses), so the set is a list of sorted blocks of at most 2 * BLOCK intervals with the first
// start of each: lookup is two binary searches, O(log n); adding one costs O(log n + BLOCK) plus a
// block split now and then, so n intervals are built in about O(n log n) (a flat sorted array
// would move O(n) entries per insert, and re-sorting per insert was O(n^2 log n)).

export interface Interval {
  start: number;
  end: number; // exclusive
}

const BLOCK = 256;

export class IntervalIndex<T extends Interval> {
  private readonly blocks: T[][] = [];
  private readonly firsts: number[] = []; // blocks[b][0].start
  size = 0;

  /** The interval holding addr, if any. */
  find(addr: number): T | undefined {
    const b = this.blockAtOrBefore(addr);
    if (b < 0) return undefined;
    const blk = this.blocks[b];
    const r = blk[lastAtOrBefore(blk, addr)];
    return addr < r.end ? r : undefined;
  }

  /** An interval sharing at least one address with [start, end), if any. */
  overlapping(start: number, end: number): T | undefined {
    let b = this.blockAtOrBefore(start);
    let i = -1;
    if (b >= 0) {
      const blk = this.blocks[b];
      i = lastAtOrBefore(blk, start);
      if (blk[i].end > start) return blk[i];
    }
    // The next interval after the one at or before start (or the first of all).
    if (b < 0) b = 0;
    i++;
    if (b < this.blocks.length && i >= this.blocks[b].length) {
      b++;
      i = 0;
    }
    const next = this.blocks[b]?.[i];
    return next && next.start < end ? next : undefined;
  }

  /** Adds an interval that overlaps none already held (check with overlapping() first). */
  insert(r: T): void {
    this.size++;
    if (this.blocks.length === 0) {
      this.blocks.push([r]);
      this.firsts.push(r.start);
      return;
    }
    let b = this.blockAtOrBefore(r.start);
    let at: number;
    if (b < 0) {
      b = 0;
      at = 0;
    } else {
      at = lastAtOrBefore(this.blocks[b], r.start) + 1;
    }
    const blk = this.blocks[b];
    blk.splice(at, 0, r);
    this.firsts[b] = blk[0].start;
    if (blk.length > 2 * BLOCK) {
      const tail = blk.splice(BLOCK);
      this.blocks.splice(b + 1, 0, tail);
      this.firsts.splice(b + 1, 0, tail[0].start);
    }
  }

  /** Every interval, by start. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const blk of this.blocks) yield* blk;
  }

  /** Index of the last block whose first start is <= addr, or -1. */
  private blockAtOrBefore(addr: number): number {
    const f = this.firsts;
    let lo = 0;
    let hi = f.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid] <= addr) {
        ans = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return ans;
  }
}

/** Index of the last interval of a non-empty sorted block whose start is <= addr (0 if none). */
function lastAtOrBefore(blk: Interval[], addr: number): number {
  let lo = 0;
  let hi = blk.length - 1;
  let ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (blk[mid].start <= addr) {
      ans = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return ans;
}
