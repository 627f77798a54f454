// CPU cost estimate: every assumption the cost columns rest on is here, and nowhere else.
//
// No public measurement of a Xen ioreq round trip exists, so the per-access costs are stated
// assumptions, overridable with --cost forward=US,absorb=US:
//  - absorb = 1.5 us of hypervisor CPU: one VM exit (~2,000 cycles both ways, SplitX, Landau et al.
//    2011) plus the emulator decode and a handler of a few hundred ns, plus an uncached access to
//    the device.
//  - forward = 15 us of device-model CPU: the exit plus event-channel notify, Dom0 scheduling, qemu
//    dispatch and resume. KVM's userspace round trip costs ~3.3x the in-kernel one even unloaded
//    (Bonzini, "VMX optimizations", kvm list 2019, vmexit.flat inl_from_qemu vs inl_from_kernel), and
//    SplitX puts indirect costs up to an order of magnitude above the exit: 10x is taken here.
//  - a write Xen handles and also forwards ("both", Xen 4.19 on) costs both: absorb to Xen and
//    forward to the device model.
//  - percentages are of ONE CPU over the trace's duration (first to last access): 100 % is one CPU
//    kept busy the whole time, so several vCPUs forwarding at once can exceed 100 %.
import { UserError } from '../errors';
import { DirCounts } from './counts';

export const DEFAULT_FORWARD_US = 15;
export const DEFAULT_ABSORB_US = 1.5;

/** What a percentage of the cost columns is a percentage of. */
export const PCT_UNIT = 'percent of one CPU over the trace duration';

export interface Cost {
  forward_us: number;
  absorb_us: number;
  device_model_cpu_s: number;
  hypervisor_cpu_s: number;
  trace_duration_s: number;
  device_model_cpu_pct: number | null;
  hypervisor_cpu_pct: number | null;
  pct_unit: string;
}

export function parseCost(text: string | undefined): { forwardUs: number; absorbUs: number } {
  const cost = { forwardUs: DEFAULT_FORWARD_US, absorbUs: DEFAULT_ABSORB_US };
  if (text === undefined || text === '' || text === 'default') return cost;
  for (const part of String(text).split(',')) {
    const m = /^\s*(forward|absorb)\s*=\s*([0-9]*\.?[0-9]+)\s*(us|µs)?\s*$/.exec(part);
    if (!m) throw new UserError(`bad --cost '${text}' (use default, or forward=US,absorb=US, e.g. forward=15,absorb=1.5)`);
    if (m[1] === 'forward') cost.forwardUs = parseFloat(m[2]);
    else cost.absorbUs = parseFloat(m[2]);
  }
  return cost;
}

/** Accesses that cost device-model time (forwarded, which counts both) and hypervisor time (absorbed, and both). */
export function costCounts(t: DirCounts): { forwarded: number; absorbed: number } {
  return {
    forwarded: t.read.forwarded + t.write.forwarded,
    absorbed: t.read.absorbed + t.write.absorbed + t.write.both,
  };
}

export function costOf(t: DirCounts, durationNs: number, forwardUs: number, absorbUs: number): Cost {
  const n = costCounts(t);
  const dm = (n.forwarded * forwardUs) / 1e6;
  const hv = (n.absorbed * absorbUs) / 1e6;
  const dur = durationNs / 1e9;
  return {
    forward_us: forwardUs,
    absorb_us: absorbUs,
    device_model_cpu_s: dm,
    hypervisor_cpu_s: hv,
    trace_duration_s: dur,
    device_model_cpu_pct: dur > 0 ? (dm / dur) * 100 : null,
    hypervisor_cpu_pct: dur > 0 ? (hv / dur) * 100 : null,
    pct_unit: PCT_UNIT,
  };
}

/** The assumptions in two lines, for the foot of every table that shows cost. */
export function costNote(c: { forward_us: number; absorb_us: number; trace_duration_s: number }): string {
  return `cost: assumed ${c.forward_us} us of device-model CPU per forwarded access, ${c.absorb_us} us of hypervisor CPU per absorbed one,\n` +
    `      both for a "both" write (--cost forward=US,absorb=US to change); % = ${PCT_UNIT} (${c.trace_duration_s.toFixed(3)} s)`;
}
