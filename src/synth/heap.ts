// Binary min-heap of (key, seq) with three numeric payload columns, kept in typed arrays so millions
// of pushes allocate nothing. seq breaks ties in insertion order, which keeps output deterministic:
// (key, seq) is a total order, so every correct heap pops the same sequence.
//
// Sifts move a hole instead of swapping: the entry being placed is held in locals and each level
// copies one entry once, where a swap read and wrote two. The heaps are popped once per generated
// access or simulation step, which made the swaps the largest cost of `synth`.

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

  /** Copies entry `from` into slot `to`. */
  private move(to: number, from: number): void {
    this.key[to] = this.key[from];
    this.seq[to] = this.seq[from];
    this.p0[to] = this.p0[from];
    this.p1[to] = this.p1[from];
    this.p2[to] = this.p2[from];
  }

  private put(i: number, k: number, s: number, a: number, b: number, c: number): void {
    this.key[i] = k;
    this.seq[i] = s;
    this.p0[i] = a;
    this.p1[i] = b;
    this.p2[i] = c;
  }

  push(k: number, a: number, b: number, c: number): void {
    if (this.size === this.key.length) this.grow();
    const s = this.seqNext++;
    const key = this.key, seq = this.seq;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const kp = key[parent];
      // The new entry has the largest seq, so it goes above its parent only with a smaller key.
      if (!(k < kp)) break;
      this.move(i, parent);
      i = parent;
    }
    this.put(i, k, s, a, b, c);
  }

  get minKey(): number {
    return this.size > 0 ? this.key[0] : Infinity;
  }

  get top0(): number { return this.p0[0]; }
  get top1(): number { return this.p1[0]; }
  get top2(): number { return this.p2[0]; }

  pop(): void {
    const last = --this.size;
    if (last <= 0) return;
    // The last entry sinks from the root's place.
    const key = this.key, seq = this.seq;
    const k = key[last], s = seq[last], a = this.p0[last], b = this.p1[last], c = this.p2[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let m = l;
      if (r < last && (key[r] < key[l] || (key[r] === key[l] && seq[r] < seq[l]))) m = r;
      if (!(key[m] < k || (key[m] === k && seq[m] < s))) break;
      this.move(i, m);
      i = m;
    }
    this.put(i, k, s, a, b, c);
  }
}
