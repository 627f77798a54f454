// Device-model CPU estimate. No public measurement of a Xen ioreq round trip exists (docs/models.md, section 5),
// so the defaults are stated assumptions, overridable with --cost:
//  - absorb = 1.5 us: one VM exit (~2,000 cycles both ways, SplitX, Landau et al. 2011) plus the
//    emulator decode and a handler of a few hundred ns, plus an uncached access to the device.
//  - forward = 15 us: the same exit plus event-channel notify, Dom0 scheduling, qemu dispatch and
//    resume. KVM's userspace round trip costs ~3.3x the in-kernel one even unloaded (Bonzini,
//    "VMX optimizations", kvm list 2019, vmexit.flat inl_from_qemu vs inl_from_kernel), and SplitX
//    puts indirect costs up to an order of magnitude above the exit: 10x is taken here.
import { UserError } from '../errors';
import { DirCounts } from './counts';

export const DEFAULT_FORWARD_US = 15;
export const DEFAULT_ABSORB_US = 1.5;

export interface Cost {
  forward_us: number;
  absorb_us: number;
  device_model_cpu_s: number;
  hypervisor_cpu_s: number;
  trace_duration_s: number;
  device_model_cpu_pct: number | null;
}

export function parseCost(text: string | undefined): { forwardUs: number; absorbUs: number } {
  const cost = { forwardUs: DEFAULT_FORWARD_US, absorbUs: DEFAULT_ABSORB_US };
  if (text === undefined || text === '' || text === 'default') return cost;
  for (const part of String(text).split(',')) {
    const m = /^\s*(forward|absorb)\s*=\s*([0-9]*\.?[0-9]+)\s*(us|µs)?\s*$/.exec(part);
    if (!m) throw new UserError(`bad --cost '${text}' (use forward=US,absorb=US, e.g. forward=15,absorb=1.5)`);
    if (m[1] === 'forward') cost.forwardUs = parseFloat(m[2]);
    else cost.absorbUs = parseFloat(m[2]);
  }
  return cost;
}

export function costOf(t: DirCounts, durationNs: number, forwardUs: number, absorbUs: number): Cost {
  const forwarded = t.read.forwarded + t.write.forwarded;
  const absorbed = t.read.absorbed + t.write.absorbed;
  const dm = (forwarded * forwardUs) / 1e6;
  const dur = durationNs / 1e9;
  return {
    forward_us: forwardUs,
    absorb_us: absorbUs,
    device_model_cpu_s: dm,
    hypervisor_cpu_s: (absorbed * absorbUs) / 1e6,
    trace_duration_s: dur,
    device_model_cpu_pct: dur > 0 ? (dm / dur) * 100 : null,
  };
}
