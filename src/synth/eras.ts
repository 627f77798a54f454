// One guest-behaviour generator per Linux kernel era: one small function per event type, each
// written as the row of docs/guest-patterns.md it implements (A.1 enable, A.2 request_irq,
// A.0/A.3 mask, unmask and the PENDING round, A.4 affinity move, A.5 free_irq, disable, resume;
// A.7 summarises them). Values come from the MsixTable (reads return what the device holds).
import { EraId, KernelSpec } from './kernel';
import { Msg, MsixTable, ZERO_MSG } from './table';

// ---- x86 MSI messages (no interrupt remapping) ----

/** x86 vector numbers the guest's IRQ core hands out for its n-th MSI-X vector (illustrative). */
export function vectorNumber(k: KernelSpec, n: number): number {
  return k.lowestPriority ? (0x41 + 8 * n) & 0xff : (0x23 + n) & 0xff;
}

/** MANAGED_IRQ_SHUTDOWN_VECTOR: what x86 reservation mode (4.15+) writes at MSI-X enable. */
export const RESERVED_VECTOR = 0xef;

/**
 * The message for `vector` aimed at `cpus` (vCPU = APIC id). Up to 8 vCPUs the guest uses flat
 * logical destinations (bit n = vCPU n; real 6.1 guest: 0xfee01004 / 0xfee02004), beyond that
 * physical (dest = APIC id, one CPU). Before 4.15 delivery is lowest priority (redirection hint +
 * logical: 0xfee0X00c, data 0x41vv), from 4.15 fixed; MSI_DATA_LEVEL_ASSERT (0x4000) before 5.10.
 */
export function x86Msg(k: KernelSpec, vector: number, cpus: readonly number[], vcpus: number): Msg {
  let lo: number;
  if (vcpus <= 8) {
    let mask = 0;
    for (const c of cpus) mask |= 1 << c;
    lo = 0xfee00000 | ((mask & 0xff) << 12) | (k.lowestPriority ? 0xc : 0x4);
  } else {
    lo = 0xfee00000 | ((cpus[0] & 0xff) << 12);
  }
  let data = vector & 0xff;
  if (k.lowestPriority && vcpus <= 8) data |= 0x100;
  if (k.levelAssert) data |= 0x4000;
  return { lo: lo >>> 0, hi: 0, data };
}

/** The message Wm(n) carries at MSI-X enable: the reserved vector on vCPU 0 in reservation mode, else the real one. */
export function enableMsg(k: KernelSpec, real: Msg, vcpus: number): Msg {
  return k.reservation ? x86Msg(k, RESERVED_VECTOR, [0], vcpus) : real;
}

// ---- the generators ----

export interface Era {
  id: EraId;
  /** Accesses of one PENDING round trip (A.3): 6 / 4 / 4 / 3 / 0. */
  pendingAccesses: number;
  /** pci_enable_msix of nvec vectors on a table of T entries; early(n) = message written at enable. */
  enable(t: MsixTable, k: KernelSpec, nvec: number, T: number, early: (n: number) => Msg): void;
  /** First request_irq() of vector n (startup + affinity setup), m = its real message. */
  requestIrq(t: MsixTable, k: KernelSpec, n: number, m: Msg): void;
  mask(t: MsixTable, k: KernelSpec, n: number): void;
  unmask(t: MsixTable, k: KernelSpec, n: number): void;
  /** handle_edge_irq, CPU that finds the vector IN_PROGRESS: mask_ack_irq (6.17+: busy-waits, nothing). */
  pendingMask(t: MsixTable, k: KernelSpec, n: number): void;
  /** handle_edge_irq, handling CPU seeing PENDING + masked: unmask_irq before re-running the handler. */
  pendingUnmask(t: MsixTable, k: KernelSpec, n: number): void;
  /** Deferred affinity move at the next interrupt: mask, set_affinity (message m), unmask. */
  affinityMove(t: MsixTable, k: KernelSpec, n: number, m: Msg): void;
  freeIrq(t: MsixTable, k: KernelSpec, n: number): void;
  disable(t: MsixTable, k: KernelSpec, nvec: number): void;
  /** pci_restore_msi_state at resume, with the cached messages. */
  resume(t: MsixTable, k: KernelSpec, nvec: number, msgs: (n: number) => Msg, cachedCtrl: (n: number) => number): void;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** <= 2.6.29: the flush read is the vector's own Vector Control, twice (msi_set_mask_bits + msix_flush_writes). */
const ERA_2629: Era = {
  id: '<=2.6.29',
  pendingAccesses: 6,
  // A.1: ∀n Wm(n); no reads, no mask writes (reset state = masked).
  enable(t, _k, nvec, _T, early) { for (const n of range(nvec)) t.Wm(n, early(n)); },
  // A.2: unmask Wc(n)=0,Rc,Rc; then Rm(n) + Wm(n) while unmasked.
  requestIrq(t, k, n, m) { this.unmask(t, k, n); t.Rm(n); t.Wm(n, m); },
  // A.0: Wc(n)=1, Rc(n), Rc(n) / same with =0.
  mask(t, _k, n) { t.Wc(n, 1); t.Rc(n); t.Rc(n); },
  unmask(t, _k, n) { t.Wc(n, 0); t.Rc(n); t.Rc(n); },
  // A.3: Wc=1,Rc,Rc | Wc=0,Rc,Rc = 6.
  pendingMask(t, k, n) { this.mask(t, k, n); },
  pendingUnmask(t, k, n) { this.unmask(t, k, n); },
  // A.4: Wc=1,Rc,Rc · Rm(n) · Wm(n) · Wc=0,Rc,Rc.
  affinityMove(t, k, n, m) { this.mask(t, k, n); t.Rm(n); t.Wm(n, m); this.unmask(t, k, n); },
  // A.5: free_irq = mask Wc=1,Rc,Rc.
  freeIrq(t, k, n) { this.mask(t, k, n); },
  // A.5: pci_disable_msix = ∀n Wc(n)=1 (msi_free_irqs).
  disable(t, _k, nvec) { for (const n of range(nvec)) t.Wc(n, 1); },
  // A.5: ∀n Wm(n), Wc(n), Rc(n).
  resume(t, _k, nvec, msgs, cached) { for (const n of range(nvec)) { t.Wm(n, msgs(n)); t.Wc(n, cached(n)); t.Rc(n); } },
};

/** 2.6.30 - 5.13: mask and unmask flush with R0 (f2440d9acbe8). */
const ERA_2630: Era = {
  id: '2.6.30-5.13',
  pendingAccesses: 4,
  enable(t, k, nvec, _T, early) {
    if (k.enable2630) {
      // A.1 2.6.30: ∀n Wc(n)=1 (while disabled), ∀n Wm(n), CFG:enable, ∀n Rc(n).
      for (const n of range(nvec)) t.Wc(n, 1);
      for (const n of range(nvec)) t.Wm(n, early(n));
      for (const n of range(nvec)) t.Rc(n);
      return;
    }
    // A.1 2.6.31-5.13: ∀n Wm(n), CFG:MASKALL+ENABLE, ∀n {Rc(n), Wc(n)=ctrl|mask}.
    for (const n of range(nvec)) t.Wm(n, early(n));
    for (const n of range(nvec)) { const ctrl = t.Rc(n); t.Wc(n, ctrl | 1); }
  },
  requestIrq(t, k, n, m) {
    if (k.reservation) {
      // A.2 4.15-5.13: activation Wm(n), unmask Wc(n)=0,R0, affinity Wm(n) while unmasked.
      t.Wm(n, m); this.unmask(t, k, n); t.Wm(n, m);
    } else if (k.readBack) {
      // A.2 2.6.30 - early 2.6.3x: unmask Wc(n)=0,R0; then Rm(n) + Wm(n) while unmasked.
      this.unmask(t, k, n); t.Rm(n); t.Wm(n, m);
    } else {
      // A.2 later 2.6.32.y, 3.x, 4.x <= 4.14: unmask Wc(n)=0,R0; Wm(n) from the cached message.
      this.unmask(t, k, n); t.Wm(n, m);
    }
  },
  // A.0: Wc(n)=1, R0 / Wc(n)=0, R0.
  mask(t, _k, n) { t.Wc(n, 1); t.R0(); },
  unmask(t, _k, n) { t.Wc(n, 0); t.R0(); },
  // A.3: Wc=1,R0 | Wc=0,R0 = 4.
  pendingMask(t, k, n) { this.mask(t, k, n); },
  pendingUnmask(t, k, n) { this.unmask(t, k, n); },
  // A.4: Wc=1,R0 · [Rm(n)] · Wm(n) · Wc=0,R0.
  affinityMove(t, k, n, m) { this.mask(t, k, n); if (k.readBack) t.Rm(n); t.Wm(n, m); this.unmask(t, k, n); },
  // A.5: mask Wc=1,R0; hierarchical-domain (reservation-mode) kernels deactivate: zero Wm(n).
  freeIrq(t, k, n) { this.mask(t, k, n); if (k.zeroOnFree) t.Wm(n, ZERO_MSG); },
  // A.5: ∀n Wc(n)=1, no flush (__msix_mask_irq).
  disable(t, _k, nvec) { for (const n of range(nvec)) t.Wc(n, 1); },
  // A.5: ∀n Wm(n), Wc(n)=cached.
  resume(t, _k, nvec, msgs, cached) { for (const n of range(nvec)) { t.Wm(n, msgs(n)); t.Wc(n, cached(n)); } },
};

/** Message write with its flush read, bracketed by a mask if the entry is unmasked (da181dc974ad). */
function writeMsgFlushed(t: MsixTable, n: number, m: Msg): void {
  const ctrl = t.ctrl[n];
  const unmasked = (ctrl & 1) === 0;
  if (unmasked) t.Wc(n, ctrl | 1);
  t.Wm(n, m);
  if (unmasked) t.Wc(n, ctrl);
  t.Rd(n);
}

/** 5.14 (+ Aug 2021 stable backports): mask-all at enable, Rd after every message write, unmask still flushes. */
const ERA_514: Era = {
  id: '5.14',
  pendingAccesses: 4,
  // A.1 5.14: CFG:MASKALL+ENABLE, ∀i<T Wc(i)=1, ∀n Rc(n), ∀n {Wm(n), Rd(n)}.
  enable(t, _k, nvec, T, early) {
    for (const i of range(T)) t.Wc(i, 1);
    for (const n of range(nvec)) t.Rc(n);
    for (const n of range(nvec)) { t.Wm(n, early(n)); t.Rd(n); }
  },
  // A.2 5.14: activation {Wm,Rd}, affinity before startup {Wm,Rd}, unmask Wc(n)=0,R0.
  requestIrq(t, k, n, m) { writeMsgFlushed(t, n, m); writeMsgFlushed(t, n, m); this.unmask(t, k, n); },
  mask(t, _k, n) { t.Wc(n, 1); t.R0(); },
  unmask(t, _k, n) { t.Wc(n, 0); t.R0(); },
  // A.3: 4.
  pendingMask(t, k, n) { this.mask(t, k, n); },
  pendingUnmask(t, k, n) { this.unmask(t, k, n); },
  // A.4 5.14: Wc=1,R0 · Wm(n),Rd(n) · Wc=0,R0.
  affinityMove(t, k, n, m) { this.mask(t, k, n); writeMsgFlushed(t, n, m); this.unmask(t, k, n); },
  // A.5 5.14: Wc=1,R0, zero Wm(n), Rd(n) (dbbc93576e03).
  freeIrq(t, k, n) { this.mask(t, k, n); writeMsgFlushed(t, n, ZERO_MSG); },
  // A.5: ∀n Wc(n)=1, no flush.
  disable(t, _k, nvec) { for (const n of range(nvec)) t.Wc(n, 1); },
  // A.5 5.14: ∀n [Wc(mask)] Wm(n) [Wc] Rd(n), then Wc(n)=cached.
  resume(t, _k, nvec, msgs, cached) { for (const n of range(nvec)) { writeMsgFlushed(t, n, msgs(n)); t.Wc(n, cached(n)); } },
};

/** 5.15 - 6.16: pci_msix_mask flushes with R0, pci_msix_unmask does not (fcacdfbef5a1, 446a98b19fd6). */
const ERA_515: Era = {
  id: '5.15-6.16',
  pendingAccesses: 3,
  // A.1 5.15-6.x: CFG:MASKALL+ENABLE, ∀n Rc(n), ∀n {Wm(n),Rd(n)}, ∀i<T Wc(i)=1 (83dbf898a2d4, late).
  enable(t, _k, nvec, T, early) {
    for (const n of range(nvec)) t.Rc(n);
    for (const n of range(nvec)) { t.Wm(n, early(n)); t.Rd(n); }
    for (const i of range(T)) t.Wc(i, 1);
  },
  // A.2 5.15-6.x: {Wm,Rd} (activation), {Wm,Rd} (affinity), Wc(n)=0.
  requestIrq(t, k, n, m) { writeMsgFlushed(t, n, m); writeMsgFlushed(t, n, m); this.unmask(t, k, n); },
  mask(t, _k, n) { t.Wc(n, 1); t.R0(); },
  unmask(t, _k, n) { t.Wc(n, 0); },
  // A.3: Wc=1,R0 | Wc=0 = 3.
  pendingMask(t, k, n) { this.mask(t, k, n); },
  pendingUnmask(t, k, n) { this.unmask(t, k, n); },
  // A.4 5.15-6.x: Wc=1,R0 · Wm(n),Rd(n) · Wc=0.
  affinityMove(t, k, n, m) { this.mask(t, k, n); writeMsgFlushed(t, n, m); this.unmask(t, k, n); },
  // A.5: as 5.14.
  freeIrq(t, k, n) { this.mask(t, k, n); writeMsgFlushed(t, n, ZERO_MSG); },
  // A.5 5.15-6.x: ∀n {Wc(n)=1, R0} (pci_msix_mask).
  disable(t, k, nvec) { for (const n of range(nvec)) this.mask(t, k, n); },
  resume: ERA_514.resume,
};

/** 6.17+: = 5.15, except that handle_edge_irq busy-waits instead of the mask/PENDING/unmask round (8d39d6ec4db5). */
const ERA_617: Era = {
  ...ERA_515,
  id: '6.17+',
  pendingAccesses: 0,
  pendingMask() { /* busy-wait for IN_PROGRESS to clear: no table access */ },
  pendingUnmask() { /* nothing was masked */ },
};

export const ERAS: Record<EraId, Era> = {
  '<=2.6.29': ERA_2629,
  '2.6.30-5.13': ERA_2630,
  '5.14': ERA_514,
  '5.15-6.16': ERA_515,
  '6.17+': ERA_617,
};

export function eraOf(k: KernelSpec): Era {
  return ERAS[k.era];
}
