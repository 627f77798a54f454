// Which VM an access belongs to. Host traces name it by process: ftrace's tgid with record-tgid,
// perf script's pid of pid/tid (or machine_pid), xenalyze's domain. Some give only the thread id of
// the vCPU (trace-cmd report, ftrace without record-tgid, perf script's default fields); then each
// vCPU thread counts as a guest unless --guest says the log holds one VM. QEMU's own logs belong to
// one VM each and carry no id: --guest labels them.
import { FormatName, RawAccess } from './format';

// A simpletrace file is named after its QEMU process (trace-PID), and its records carry that id.
const WITH_IDS: ReadonlySet<FormatName> = new Set<FormatName>(['kvm-ftrace', 'trace-cmd', 'perf-script', 'xenalyze', 'qemu-simpletrace']);

/** How to get process ids into each format's lines. */
const FIX: Partial<Record<FormatName, string>> = {
  'kvm-ftrace': 'record with the ftrace option record-tgid (`echo 1 > options/record-tgid`): lines then carry the QEMU process id',
  'perf-script': 'print it with `perf script -F comm,pid,tid,cpu,time,event,trace`: pid/tid gives the QEMU process id',
  'trace-cmd': 'trace-cmd report prints no process ids: take the same events from an ftrace instance with options/record-tgid, or from `perf script -F comm,pid,tid,cpu,time,event,trace`',
};

export interface SourceIds { name: string; format: FormatName; threads: boolean }

export class GuestIds {
  private readonly other = new Map<number, number>();
  private readonly seen = new Set<number>();
  /** vCPU index -> first thread seen for it, while --guest labels a log of thread ids. */
  private readonly vcpuThread = new Map<number, number>();
  private clash: { vcpu: number; a: number; b: number } | null = null;

  constructor(private readonly want: number | undefined) {}

  /** Whether a format's lines can name more than one VM. */
  static carriesIds(format: FormatName): boolean {
    return WITH_IDS.has(format);
  }

  /** The guest of an access, or null when --guest selects another VM. */
  resolve(a: RawAccess, threadIds: boolean): number | null {
    const want = this.want;
    if (a.guest < 0) return want ?? 0;
    if (threadIds) {
      if (want === undefined) return a.guest;
      // One vCPU index on two threads: two VMs (or a restarted one) that --guest would merge.
      if (a.vcpu >= 0 && this.clash === null) {
        const t = this.vcpuThread.get(a.vcpu);
        if (t === undefined) this.vcpuThread.set(a.vcpu, a.guest);
        else if (t !== a.guest) this.clash = { vcpu: a.vcpu, a: t, b: a.guest };
      }
      return want;
    }
    this.seen.add(a.guest);
    if (want !== undefined && a.guest !== want) {
      this.other.set(a.guest, (this.other.get(a.guest) ?? 0) + 1);
      return null;
    }
    return a.guest;
  }

  /** Why --guest cannot label this log of thread ids as one VM, or null. */
  labelProblem(names: string): string | null {
    const c = this.clash;
    if (!c) return null;
    return `${names}: --guest ${this.want} would merge several VMs: threads ${c.a} and ${c.b} both run vCPU ${c.vcpu}, and the log gives thread ids only (record with ftrace options/record-tgid, or use \`perf script -F comm,pid,tid,cpu,time,event,trace\`)`;
  }

  private ids(): string {
    const ids = [...new Set([...this.seen, ...this.other.keys()])].sort((x, y) => x - y);
    return ids.slice(0, 12).join(', ') + (ids.length > 12 ? ', ...' : '');
  }

  /** When --guest selected a VM the log does not hold: the message naming the VMs it does hold. */
  nothingSelected(): string | null {
    if (this.want === undefined || this.other.size === 0 || this.seen.has(this.want)) return null;
    return `--guest ${this.want}: the log has no MSI-X accesses of that VM; it holds VM${this.other.size > 1 ? 's' : ''} ${this.ids()}`;
  }

  notes(sources: SourceIds[]): string[] {
    const out: string[] = [];
    if (this.other.size > 0) {
      const n = [...this.other.values()].reduce((a, b) => a + b, 0);
      const ids = [...this.other.keys()].sort((x, y) => x - y);
      out.push(`--guest ${this.want}: kept that VM only; skipped ${n} accesses of VM${ids.length > 1 ? 's' : ''} ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? ', ...' : ''}`);
    }
    if (this.want === undefined) {
      for (const s of sources) {
        if (!s.threads) continue;
        out.push(`${s.name}: the lines give thread ids only, so each vCPU thread counts as a guest (its own devices and model state); ` +
          `${FIX[s.format] ?? 'record with process ids'}, or pass --guest ID when the trace holds one VM`);
      }
    }
    return out;
  }
}
