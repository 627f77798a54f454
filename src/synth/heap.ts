// Binary min-heap of (key, seq) with three numeric payload columns, kept in typed arrays so millions
// of pushes allocate nothing. seq breaks ties in insertion order, which keeps output deterministic.

export class TimedHeap {
  size = 0;
  private seqNext = 0;
  private key: Float64Array;
  private seq: Float64Array;
  private p0: Float64Array;
  private p1: Float64Array;
  private p2: Float64Array;

  constructor(cap = 64) {
    this.key = new Float64Array(cap);
    this.seq = new Float64Array(cap);
    this.p0 = new Float64Array(cap);
    this.p1 = new Float64Array(cap);
    this.p2 = new Float64Array(cap);
  }

  private grow(): void {
    const cap = this.key.length * 2;
    const g = (a: Float64Array): Float64Array => { const b = new Float64Array(cap); b.set(a); return b; };
    this.key = g(this.key); this.seq = g(this.seq); this.p0 = g(this.p0); this.p1 = g(this.p1); this.p2 = g(this.p2);
  }

  private less(i: number, j: number): boolean {
    const ki = this.key[i], kj = this.key[j];
    return ki < kj || (ki === kj && this.seq[i] < this.seq[j]);
  }

  private swap(i: number, j: number): void {
    let t = this.key[i]; this.key[i] = this.key[j]; this.key[j] = t;
    t = this.seq[i]; this.seq[i] = this.seq[j]; this.seq[j] = t;
    t = this.p0[i]; this.p0[i] = this.p0[j]; this.p0[j] = t;
    t = this.p1[i]; this.p1[i] = this.p1[j]; this.p1[j] = t;
    t = this.p2[i]; this.p2[i] = this.p2[j]; this.p2[j] = t;
  }

  push(key: number, a: number, b: number, c: number): void {
    if (this.size === this.key.length) this.grow();
    let i = this.size++;
    this.key[i] = key; this.seq[i] = this.seqNext++; this.p0[i] = a; this.p1[i] = b; this.p2[i] = c;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  get minKey(): number {
    return this.size > 0 ? this.key[0] : Infinity;
  }

  get top0(): number { return this.p0[0]; }
  get top1(): number { return this.p1[0]; }
  get top2(): number { return this.p2[0]; }

  pop(): void {
    const last = --this.size;
    if (last > 0) {
      this.key[0] = this.key[last]; this.seq[0] = this.seq[last];
      this.p0[0] = this.p0[last]; this.p1[0] = this.p1[last]; this.p2[0] = this.p2[last];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < last && this.less(l, m)) m = l;
        if (r < last && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
  }
}
