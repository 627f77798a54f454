// Parameters of a synthetic workload: the guest kernel, the device each guest drives, and the load
// model (interrupt rates, handler time, vCPU descheduling, affinity churn, link cycling).

export interface DeviceProfile {
  /** Short name for notes and the header, e.g. "82599 VF (ixgbevf)". */
  name: string;
  vendorId: number;
  deviceId: number;
  /** Guest-side BDF. */
  bdf: string;
  /** Table size T. */
  entries: number;
  /** Vectors the driver asks for (nvec <= T). */
  vectors: number;
  /** Names of the vectors, in entry order (rx, tx, mailbox...). */
  vectorNames: string[];
  tableBar: number;
  tableOffset: number;
  pbaBar: number;
  pbaOffset: number;
}

export interface SynthParams {
  kernel: string;
  guests: number;
  vcpus: number;
  durationNs: number;
  seed: number;
  device: DeviceProfile;
  /** Interrupts per second for each vector, in entry order; the last value repeats for the rest. */
  rates: number[];
  /** Hard-IRQ handler time. */
  serviceNs: number;
  /** Probability that the vCPU is descheduled while it runs the handler. */
  deschedProb: number;
  /** Mean time a descheduled vCPU waits for a physical CPU (exponential). */
  deschedNs: number;
  /** irq_set_affinity() calls per second per guest (irqbalance, /proc/irq/N/smp_affinity). */
  affinityRate: number;
  /** ifdown/ifup cycles (free_irq + disable + enable + request_irq) per second per guest. */
  relinkRate: number;
  /** Emit MSI-X enable + request_irq at each guest's start (a cold trace). */
  setup: boolean;
  /** Emit free_irq + disable at the end. */
  teardown: boolean;
  /** Guests start at a uniform random time in [0, startSpreadNs). */
  startSpreadNs: number;
  /** Time between consecutive accesses of one sequence (one trapped MMIO round trip). */
  gapNs: number;
  /** Stop after this many events (0 = no limit). */
  maxEvents: number;
}

export const DEVICES: Record<string, DeviceProfile> = {
  '82599vf': {
    name: 'Intel 82599 Virtual Function (ixgbevf)', vendorId: 0x8086, deviceId: 0x10ed, bdf: '0000:00:04.0',
    entries: 3, vectors: 3, vectorNames: ['rx', 'tx', 'mailbox'], tableBar: 3, tableOffset: 0, pbaBar: 3, pbaOffset: 0x2000,
  },
  e1000e: {
    name: 'Intel 82574L (e1000e)', vendorId: 0x8086, deviceId: 0x10d3, bdf: '0000:00:01.0',
    entries: 5, vectors: 3, vectorNames: ['rx', 'tx', 'other'], tableBar: 3, tableOffset: 0, pbaBar: 3, pbaOffset: 0x2000,
  },
  'virtio-net': {
    name: 'virtio-net-pci (4 queue pairs)', vendorId: 0x1af4, deviceId: 0x1041, bdf: '0000:00:02.0',
    entries: 9, vectors: 9, vectorNames: ['config', 'input.0', 'output.0', 'input.1', 'output.1', 'input.2', 'output.2', 'input.3', 'output.3'],
    tableBar: 1, tableOffset: 0, pbaBar: 1, pbaOffset: 0x800,
  },
  nvme: {
    name: 'QEMU NVMe controller', vendorId: 0x1b36, deviceId: 0x0010, bdf: '0000:00:03.0',
    entries: 65, vectors: 9, vectorNames: ['admin', 'io0', 'io1', 'io2', 'io3', 'io4', 'io5', 'io6', 'io7'],
    tableBar: 0, tableOffset: 0x2000, pbaBar: 0, pbaOffset: 0x3000,
  },
};

/** Guest g's BAR holding the table: distinct per guest, 0xfebc0000 for the first (as in the real 6.1 recording). */
export function tableBarBase(g: number): bigint {
  return 0xfebc0000n - BigInt(g) * 0x40000n;
}

/** Guest id recorded in each event (Xen domid style: 1..N). */
export function guestId(g: number): number {
  return g + 1;
}
