// Named workloads. Each is a full parameter set plus a sentence on what it stands for; explicit
// command-line flags override any of them. The numbers are modelling assumptions (stated as such in
// the header notes), chosen to be plausible for the setting, not measurements.
import { DEVICES, SynthParams } from './params';

export interface Scenario {
  name: string;
  summary: string;
  params: SynthParams;
}

const S = 1e9, MS = 1e6, US = 1e3;

export const DEFAULTS: SynthParams = {
  kernel: '6.1', guests: 1, vcpus: 2, durationNs: 1 * S, seed: 1, device: DEVICES.e1000e,
  rates: [2000, 1000, 1], serviceNs: 5 * US, deschedProb: 0.01, deschedNs: 500 * US, affinityRate: 0.1, relinkRate: 0,
  setup: true, teardown: true, startSpreadNs: 10 * MS, gapNs: 2 * US, maxEvents: 0,
};

/** storm-6.1 and irqbalance-6.17 share this load, so the two replays compare the kernels alone. */
const STORM_LOAD = {
  rates: [1, 100000, 30000, 100000, 30000, 100000, 30000, 100000, 30000], serviceNs: 8 * US, deschedProb: 0.2,
  deschedNs: 500 * US, affinityRate: 200, startSpreadNs: 0, gapNs: 20 * US,
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'xen-2010',
    summary: 'The 2010 Xen read-emulation case: 24 HVM guests with a 2.6.32 kernel, one 82599 SR-IOV VF each (3 vectors rx/tx/mailbox, 3-entry table), iperf-like load with interrupt moderation, 2 vCPUs per guest on an overcommitted host (lowest-priority delivery spreads each vector over both vCPUs, so an interrupt arriving while the other vCPU handles it takes the PENDING round: Wc=1,R0 | Wc=0,R0)',
    params: {
      ...DEFAULTS, kernel: '2.6.32', guests: 24, vcpus: 2, durationNs: 10 * S, device: DEVICES['82599vf'],
      rates: [12000, 6000, 0.5], serviceNs: 4 * US, deschedProb: 0.02, deschedNs: 1 * MS, affinityRate: 0,
      startSpreadNs: 50 * MS, gapNs: 2 * US,
    },
  },
  {
    name: 'storm-6.1',
    summary: 'A 5.15-6.16 guest (6.1) in an IRQ storm with affinity churn (200 smp_affinity changes/s) on a busy host (vCPUs often descheduled inside the handler, 20 us per trapped access): each move leaves the old vCPU IN_PROGRESS, so interrupts reaching the new target take PENDING rounds (Wc=1,R0 | Wc=0), the handle_edge_irq live lock of the 2023/2025 LKML reports',
    params: {
      ...DEFAULTS, kernel: '6.1', guests: 1, vcpus: 4, durationNs: 2 * S, device: DEVICES['virtio-net'],
      ...STORM_LOAD,
    },
  },
  {
    name: 'nvme-5.14',
    summary: 'A 5.14 guest enabling a 65-entry NVMe table (mask-all: 65 Vector Control writes at enable, Rd after every message write), 9 managed vectors (admin + 8 I/O queues, no user affinity changes), steady I/O load',
    params: {
      ...DEFAULTS, kernel: '5.14', guests: 1, vcpus: 8, durationNs: 1 * S, device: DEVICES.nvme,
      rates: [1, 4000], serviceNs: 3 * US, deschedProb: 0.005, deschedNs: 200 * US, affinityRate: 0, startSpreadNs: 0,
    },
  },
  {
    name: 'irqbalance-6.17',
    summary: 'The storm-6.1 load on a 6.17 guest: handle_edge_irq busy-waits on the new target instead of mask/PENDING/unmask (8d39d6ec4db5), so only the affinity moves themselves touch the table',
    params: {
      ...DEFAULTS, kernel: '6.17', guests: 1, vcpus: 4, durationNs: 2 * S, device: DEVICES['virtio-net'],
      ...STORM_LOAD,
    },
  },
  {
    name: 'boot-teardown',
    summary: 'Driver lifecycle only: MSI-X enable, request_irq, free_irq, disable (ifdown/ifup twice a second), no interrupt load; the A.1/A.2/A.5 rows of the chosen kernel (default 6.1, e1000e geometry of the real recording: T=5, nvec=3)',
    params: {
      ...DEFAULTS, kernel: '6.1', guests: 4, vcpus: 2, durationNs: 2 * S, device: DEVICES.e1000e,
      rates: [0], deschedProb: 0, affinityRate: 0, relinkRate: 2, startSpreadNs: 100 * MS,
    },
  },
];

export function scenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

const dur = (ns: number): string => {
  if (ns >= S && ns % (S / 10) === 0) return `${ns / S}s`;
  if (ns >= MS && ns % (MS / 10) === 0) return `${ns / MS}ms`;
  if (ns >= US) return `${ns / US}us`;
  return `${ns}ns`;
};

export function describeParams(p: SynthParams): Record<string, string> {
  const d = p.device;
  return {
    kernel: p.kernel,
    guests: String(p.guests),
    vcpus: String(p.vcpus),
    duration: dur(p.durationNs),
    device: `${d.name} [${d.vendorId.toString(16).padStart(4, '0')}:${d.deviceId.toString(16).padStart(4, '0')}]`,
    'table T / nvec': `${d.entries} / ${d.vectors}`,
    'rate /s per vector': d.vectorNames.slice(0, d.vectors).map((v, i) => `${v} ${p.rates.length ? p.rates[Math.min(i, p.rates.length - 1)] : 0}`).join(', '),
    service: dur(p.serviceNs),
    desched: p.deschedProb > 0 ? `${p.deschedProb} x ${dur(p.deschedNs)}` : '0',
    'affinity /s': String(p.affinityRate),
    'relink /s': String(p.relinkRate),
    'access gap': dur(p.gapNs),
  };
}

export function scenarioMarkdown(): string {
  const cols = ['scenario', ...Object.keys(describeParams(DEFAULTS)), 'what it stands for'];
  const lines = [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`];
  for (const s of SCENARIOS) {
    const d = describeParams(s.params);
    lines.push(`| \`${s.name}\` | ${Object.values(d).join(' | ')} | ${s.summary} |`);
  }
  return lines.join('\n') + '\n';
}

export function scenarioText(): string {
  const out: string[] = [];
  for (const s of SCENARIOS) {
    out.push(`${s.name}`);
    out.push(`  ${s.summary}`);
    for (const [k, v] of Object.entries(describeParams(s.params))) out.push(`    ${k.padEnd(20)} ${v}`);
    out.push('');
  }
  return out.join('\n');
}
