// One guest as a small discrete-event simulation: Poisson interrupt arrivals per vector, the x86
// handle_edge_irq flow (IN_PROGRESS, PENDING, mask_ack / unmask), vCPU descheduling inside the
// handler, deferred affinity moves and link cycles. Table accesses come out of the era generators
// and are queued by time; peek()/emit() hand them out in time order for the k-way merge.
import { Era, enableMsg, vectorNumber, x86Msg } from './eras';
import { TimedHeap } from './heap';
import { KernelSpec } from './kernel';
import { SynthParams } from './params';
import { Prng } from './prng';
import { Msg, MsixTable } from './table';

const ARRIVE = 0, HEND = 1, AFFINITY = 2, RELINK = 3, TEARDOWN = 4, SETUP = 5;

/** Time between two driver calls of one setup/teardown (request_irq of vector 0, then of 1, ...). */
const CALL_GAP_NS = 20000;

interface Vec {
  n: number;
  rate: number;
  vector: number;
  /** Destination vCPUs of the programmed message (several only with lowest-priority delivery). */
  cpus: number[];
  /** vCPU running the handler while busy. */
  handler: number;
  busy: boolean;
  /** IRQS_PENDING set by a mask_ack on another vCPU: the handler loops after unmasking. */
  pending: boolean;
  /** Masked by a PENDING round; arrivals are held by the device (PBA) until the unmask. */
  masked: boolean;
  held: boolean;
  /** Another arrival latched in the handling vCPU's IRR (same target): handled right after. */
  latched: boolean;
  /** 6.17+: vCPU busy-waiting for IN_PROGRESS to clear (-1 none). */
  spinner: number;
  /** Affinity change waiting for the next interrupt (x86 without IR: moved at ack on the old vCPU). */
  move: number[] | null;
  gen: number;
}

export interface GuestStats {
  interrupts: number;
  pendingRounds: number;
  busyWaits: number;
  affinityMoves: number;
  descheduled: number;
  relinks: number;
}

export class GuestSim {
  readonly table: MsixTable;
  readonly stats: GuestStats = { interrupts: 0, pendingRounds: 0, busyWaits: 0, affinityMoves: 0, descheduled: 0, relinks: 0 };
  private readonly out = new TimedHeap(256);
  private readonly sim = new TimedHeap(64);
  private readonly vecs: Vec[];
  private clock = 0;
  private vcpu = 0;
  private up = false;
  private readonly gap: number;
  private readonly end: number;

  constructor(readonly index: number, readonly guest: number, private readonly p: SynthParams,
              private readonly k: KernelSpec, private readonly era: Era, private readonly rng: Prng) {
    this.gap = Math.max(1, Math.round(p.gapNs));
    this.end = p.durationNs;
    this.table = new MsixTable(p.device.entries, (dir, offset, value) => {
      this.out.push(this.clock, this.vcpu, offset * 2 + dir, value);
      this.clock += this.gap;
    });
    const nvec = Math.min(p.device.vectors, p.device.entries);
    this.vecs = [];
    for (let n = 0; n < nvec; n++) {
      this.vecs.push({
        n, rate: p.rates.length ? p.rates[Math.min(n, p.rates.length - 1)] : 0, vector: vectorNumber(k, n),
        cpus: this.defaultCpus(n), handler: 0, busy: false, pending: false, masked: false, held: false, latched: false,
        spinner: -1, move: null, gen: 0,
      });
    }
    const t0 = Math.floor(rng.next() * Math.min(p.startSpreadNs, p.durationNs / 2));
    if (p.setup) {
      this.sim.push(t0, SETUP, 0, 0);
    } else {
      this.up = true;
      this.startLoad(t0);
    }
    if (p.teardown) this.sim.push(this.end, TEARDOWN, 0, 0);
  }

  /** Default affinity: every vCPU (lowest-priority logical delivery, < 4.15, up to 8 vCPUs), else spread one per vCPU. */
  private defaultCpus(n: number): number[] {
    const v = this.p.vcpus;
    if (this.k.lowestPriority && v <= 8) return Array.from({ length: v }, (_, i) => i);
    return [n % v];
  }

  private msgOf(v: Vec): Msg {
    return x86Msg(this.k, v.vector, v.cpus, this.p.vcpus);
  }

  /** Runs fn as one access sequence from t on vCPU cpu; returns the time after its last access. */
  private seq(t: number, cpu: number, fn: () => void): number {
    this.clock = t;
    this.vcpu = cpu;
    fn();
    return this.clock;
  }

  private after(mean: number): number {
    return Math.max(1, Math.round(this.rng.exp(mean)));
  }

  private startLoad(t: number): void {
    for (const v of this.vecs) {
      if (v.rate > 0) this.schedule(t + this.after(1e9 / v.rate), ARRIVE, v.n, v.gen);
    }
    if (this.p.affinityRate > 0) this.schedule(t + this.after(1e9 / this.p.affinityRate), AFFINITY, 0, 0);
    if (this.p.relinkRate > 0) this.schedule(t + this.after(1e9 / this.p.relinkRate), RELINK, 0, 0);
  }

  private schedule(t: number, kind: number, n: number, gen: number): void {
    if (t < this.end) this.sim.push(t, kind, n, gen);
  }

  // ---- lifecycle ----

  private setupAll(t: number): number {
    const { era, k, table } = this;
    const nvec = this.vecs.length;
    let at = this.seq(t, 0, () => era.enable(table, k, nvec, this.p.device.entries, (n) => enableMsg(k, this.msgOf(this.vecs[n]), this.p.vcpus)));
    for (const v of this.vecs) at = this.seq(at + CALL_GAP_NS, 0, () => era.requestIrq(table, k, v.n, this.msgOf(v)));
    this.up = true;
    return at;
  }

  private teardownAll(t: number): number {
    const { era, k, table } = this;
    let at = t;
    // free_irq -> synchronize_irq waits for running handlers: a pending round completes first.
    for (const v of this.vecs) {
      if (v.pending && v.masked) at = this.seq(at, v.handler, () => era.pendingUnmask(table, k, v.n));
    }
    for (const v of this.vecs) at = this.seq(at, 0, () => era.freeIrq(table, k, v.n)) + CALL_GAP_NS;
    at = this.seq(at, 0, () => era.disable(table, k, this.vecs.length));
    this.up = false;
    for (const v of this.vecs) {
      v.gen++;
      v.busy = v.pending = v.masked = v.held = v.latched = false;
      v.spinner = -1;
      v.move = null;
      v.cpus = this.defaultCpus(v.n);
    }
    return at;
  }

  // ---- handle_edge_irq ----

  /** The vCPU an arrival lands on: the single target, or with lowest priority one not busy in the handler. */
  private receiver(v: Vec): number {
    const c = v.cpus;
    if (c.length === 1) return c[0];
    if (!v.busy) return c[this.rng.int(c.length)];
    // Lowest-priority arbitration avoids the vCPU whose ISR holds the vector (higher PPR).
    const i = this.rng.int(c.length - 1);
    const others = c.filter((x) => x !== v.handler);
    return others.length ? others[i % others.length] : v.handler;
  }

  private deliver(v: Vec, t: number): void {
    if (v.masked) { v.held = true; return; }
    if (!v.busy) { this.startHandling(v, t, this.receiver(v)); return; }
    const r = this.receiver(v);
    if (r === v.handler) { v.latched = true; return; }
    if (this.era.pendingAccesses === 0) {
      // 6.17+: the effective-affinity target busy-waits for IN_PROGRESS to clear.
      if (v.spinner < 0) { v.spinner = r; this.stats.busyWaits++; }
      return;
    }
    this.seq(t, r, () => this.era.pendingMask(this.table, this.k, v.n));
    v.masked = true;
    v.pending = true;
    this.stats.pendingRounds++;
  }

  private handlerEnd(from: number): number {
    let t = from + this.p.serviceNs;
    if (this.p.deschedProb > 0 && this.rng.next() < this.p.deschedProb) {
      t += this.after(this.p.deschedNs);
      this.stats.descheduled++;
    }
    return Math.round(t);
  }

  private startHandling(v: Vec, t: number, cpu: number): void {
    this.stats.interrupts++;
    v.handler = cpu;
    v.busy = true;
    let at = t;
    if (v.move) {
      // ack_apic_edge -> move_native_irq: mask, set_affinity, unmask on the old target.
      const to = v.move;
      v.move = null;
      v.cpus = to;
      at = this.seq(t, cpu, () => this.era.affinityMove(this.table, this.k, v.n, this.msgOf(v)));
      this.stats.affinityMoves++;
    }
    this.sim.push(this.handlerEnd(at), HEND, v.n, v.gen);
  }

  private onHandlerEnd(v: Vec, t: number): void {
    if (v.pending) {
      v.pending = false;
      let at = t;
      if (v.masked) {
        at = this.seq(t, v.handler, () => this.era.pendingUnmask(this.table, this.k, v.n));
        v.masked = false;
      }
      // The handler runs again on the same vCPU; a message held while masked is sent now.
      this.stats.interrupts++;
      this.sim.push(this.handlerEnd(at), HEND, v.n, v.gen);
      if (v.held) { v.held = false; this.deliver(v, at); }
      return;
    }
    if (v.spinner >= 0) {
      const r = v.spinner;
      v.spinner = -1;
      this.startHandling(v, t, r);
      return;
    }
    v.busy = false;
    if (v.latched) {
      v.latched = false;
      this.startHandling(v, t, v.handler);
    }
  }

  private step(): void {
    const t = this.sim.minKey;
    const kind = this.sim.top0, n = this.sim.top1, gen = this.sim.top2;
    this.sim.pop();
    switch (kind) {
      case SETUP: {
        const at = this.setupAll(t);
        this.startLoad(at);
        break;
      }
      case TEARDOWN:
        if (this.up) this.teardownAll(t);
        break;
      case ARRIVE: {
        const v = this.vecs[n];
        this.schedule(t + this.after(1e9 / v.rate), ARRIVE, n, 0);
        if (this.up) this.deliver(v, t);
        break;
      }
      case HEND: {
        const v = this.vecs[n];
        if (gen === v.gen) this.onHandlerEnd(v, t);
        break;
      }
      case AFFINITY: {
        this.schedule(t + this.after(1e9 / this.p.affinityRate), AFFINITY, 0, 0);
        if (!this.up || this.vecs.length === 0) break;
        const v = this.vecs[this.rng.int(this.vecs.length)];
        const cur = (v.move ?? v.cpus)[0];
        const vc = this.p.vcpus;
        const to = vc > 1 ? (cur + 1 + this.rng.int(vc - 1)) % vc : 0;
        v.move = [to];
        break;
      }
      case RELINK: {
        this.schedule(t + this.after(1e9 / this.p.relinkRate), RELINK, 0, 0);
        if (!this.up) break;
        const at = this.teardownAll(t);
        this.setupAll(at + CALL_GAP_NS);
        this.stats.relinks++;
        break;
      }
    }
  }

  /** Time of the next access, or Infinity when the guest is done. */
  peek(): number {
    for (;;) {
      const next = this.sim.minKey;
      if (this.out.size > 0 && this.out.minKey <= next) return this.out.minKey;
      if (this.sim.size === 0) return this.out.minKey;
      this.step();
    }
  }

  /** Hands the next access (call after peek() returned a finite time) to push(ts, vcpu, offset, dir, value). */
  emit(push: (ts: number, vcpu: number, offset: number, dir: number, value: number) => void): void {
    const o = this.out;
    const code = o.top1;
    push(o.minKey, o.top0, code >>> 1, code & 1, o.top2);
    o.pop();
  }
}
