// The --by entry|guest|vcpu and --interval tallies of the decision-bytes path. Per batch, every
// event gets a dense group id (and a dense time-bucket id) once, shared by all models; per model,
// a decision is then one increment of a typed array. Building a string key and looking it up in a
// Map per event per model had bound this path at ~6 M events/s.
import { EventBatch, REGION_PBA } from '../events';
import { DirCounts } from './counts';

/** What --by breaks the counts down by. */
export type GroupBy = 'field' | 'entry' | 'guest' | 'vcpu';

/** One --interval time bucket. */
export interface Interval { start_ns: number; absorbed: number; forwarded: number }

const TWO28 = 2 ** 28;
const TWO29 = 2 ** 29;
const TWO32 = 2 ** 32;
/** Second coordinates below this are found without the Map. */
const DIRECT = 2048;

/** Dense ids of the groups one batch's events fall in, kept across batches. */
export class GroupIndex {
  private readonly ids = new Map<number, number>();
  private readonly guestIds = new Map<number, number>();
  private readonly direct = new Map<number, Int32Array>();
  /** The group names, by id. */
  readonly keys: string[] = [];
  readonly gid: Uint32Array;

  constructor(private readonly by: Exclude<GroupBy, 'field'>, capacity: number) {
    this.gid = new Uint32Array(capacity);
  }

  /** Fills gid[0, b.n). Events are placed by two coordinates: (device, entry), (guest, 0) or
   * (guest, vCPU). The usual small second coordinates (entries and vCPUs below DIRECT) are looked
   * up in a per-first-coordinate array, the rest in the Map: a Map lookup per event had cost more
   * than decoding and deciding it. */
  assign(b: EventBatch): void {
    const { gid } = this;
    const entry = this.by === 'entry';
    const vcpu = this.by === 'vcpu';
    let lastX = NaN;
    let row: Int32Array | undefined;
    for (let i = 0; i < b.n; i++) {
      let x: number;
      let y: number;
      if (entry) {
        x = b.device[i];
        y = b.region[i] === REGION_PBA ? -1 : b.offset[i] >>> 4;
      } else {
        x = b.guest[i];
        y = vcpu ? b.vcpu[i] : 0;
      }
      if (x !== lastX) {
        lastX = x;
        row = this.direct.get(x);
        if (!row) this.direct.set(x, (row = new Int32Array(8).fill(-1)));
      }
      if (y >= 0 && y < DIRECT) {
        if (y >= row!.length) row = this.grow(x, row!, y);
        let id = row![y];
        if (id < 0) row![y] = id = this.idOf(x, y);
        gid[i] = id;
      } else {
        gid[i] = this.idOf(x, y);
      }
    }
  }

  // Rows grow to the coordinates seen, so memory follows the groups there are.
  private grow(x: number, row: Int32Array, y: number): Int32Array {
    let len = row.length;
    while (len <= y) len *= 2;
    const next = new Int32Array(Math.min(len, DIRECT)).fill(-1);
    next.set(row);
    this.direct.set(x, next);
    return next;
  }

  private idOf(x: number, y: number): number {
    const k = this.numericKey(x, y);
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(k, id);
      this.keys.push(this.name(x, y));
    }
    return id;
  }

  // Exact in a double: entry is device (16 bits) x 2^29 + entry or the PBA mark (29 bits); vcpu
  // is a dense guest index (< 2^21 guests) x 2^32 + the vCPU as 32 bits.
  private numericKey(x: number, y: number): number {
    switch (this.by) {
      case 'entry':
        return x * TWO29 + (y < 0 ? TWO28 : y);
      case 'guest':
        return x;
      default: {
        let g = this.guestIds.get(x);
        if (g === undefined) this.guestIds.set(x, (g = this.guestIds.size));
        return g * TWO32 + (y >>> 0);
      }
    }
  }

  private name(x: number, y: number): string {
    switch (this.by) {
      case 'entry':
        return y < 0 ? `${x}:pba` : `${x}:${y}`;
      case 'guest':
        return String(x);
      default:
        return `${x}:${y}`;
    }
  }
}

/** Dense ids of the --interval buckets, kept across batches. */
export class BucketIndex {
  private readonly ids = new Map<number, number>();
  /** Bucket number (floor(ts / interval)), by id. */
  readonly buckets: number[] = [];
  readonly bid: Uint32Array;

  constructor(readonly intervalNs: number, capacity: number) {
    this.bid = new Uint32Array(capacity);
  }

  assign(b: EventBatch): void {
    const { ids, bid } = this;
    let last = NaN;
    let lastId = 0;
    for (let i = 0; i < b.n; i++) {
      const s = Math.floor(b.ts[i] / this.intervalNs);
      if (s !== last) {
        let id = ids.get(s);
        if (id === undefined) {
          id = this.buckets.length;
          ids.set(s, id);
          this.buckets.push(s);
        }
        last = s;
        lastId = id;
      }
      bid[i] = lastId;
    }
  }
}

/** A growable array of counters, `width` per id. */
export class Tally {
  private c: Float64Array;

  constructor(private readonly width: number) {
    this.c = new Float64Array(width * 64);
  }

  /** The counters, with room for ids below `ids`. */
  room(ids: number): Float64Array {
    if (ids * this.width > this.c.length) {
      const next = new Float64Array(Math.max(this.c.length * 2, ids * this.width));
      next.set(this.c);
      this.c = next;
    }
    return this.c;
  }
}

/** Per group, per direction, per outcome (decision & 3): [group][dir][outcome]. */
export const GROUP_WIDTH = 8;

/** Adds one model's decisions of a batch to its per-group counters. */
export function tallyGroups(t: Tally, groups: GroupIndex, b: EventBatch, decisions: Uint8Array): void {
  const c = t.room(groups.keys.length);
  const { gid } = groups;
  const dir = b.dir;
  for (let i = 0; i < b.n; i++) c[gid[i] * 8 + dir[i] * 4 + (decisions[i] & 3)]++;
}

/** Adds one model's decisions of a batch to its per-bucket counters: [bucket][absorbed, forwarded]. */
export function tallyBuckets(t: Tally, buckets: BucketIndex, b: EventBatch, decisions: Uint8Array): void {
  const c = t.room(buckets.buckets.length);
  const { bid } = buckets;
  for (let i = 0; i < b.n; i++) c[bid[i] * 2 + ((decisions[i] & 3) === 0 ? 0 : 1)]++;
}

/** The groups with their counts (anything not absorbed is forwarded; 'both' counts writes that were also absorbed). */
export function groupCounts(t: Tally, groups: GroupIndex): Array<{ key: string } & DirCounts> {
  const c = t.room(groups.keys.length);
  return groups.keys.map((key, g) => {
    const r = g * 8;
    return {
      key,
      read: { absorbed: c[r], forwarded: c[r + 1] + c[r + 2] + c[r + 3] },
      write: { absorbed: c[r + 4], forwarded: c[r + 5] + c[r + 6] + c[r + 7], both: c[r + 6] },
    };
  });
}

export function bucketCounts(t: Tally, buckets: BucketIndex): Interval[] {
  const c = t.room(buckets.buckets.length);
  return buckets.buckets.map((s, id) => ({ start_ns: s * buckets.intervalNs, absorbed: c[id * 2], forwarded: c[id * 2 + 1] }));
}
