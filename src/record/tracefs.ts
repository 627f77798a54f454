// The tracefs side of `record`: checks that say what to do, and one instance of our own per run
// (instances/msixtrace-<pid>), never the top-level buffer other tools use. The instance is removed
// on every exit path; one left by a run that was killed (-9) is removed by the next run.
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';

/** Where tracefs is: its own mount point, or inside debugfs on hosts that mount only that (older
 * distributions); the first when neither has it, so the error names the usual mount command. */
function tracefsRoot(): string {
  for (const dir of ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']) {
    if (fs.existsSync(path.join(dir, 'instances'))) return dir;
  }
  return '/sys/kernel/tracing';
}

export const TRACEFS = tracefsRoot();
const PREFIX = 'msixtrace-';

/** Layout facts of kvm_mmio and of the ring-buffer pages, read from the format files. */
export interface MmioFormat {
  eventId: number;
  commitSize: number;
}

export function checkHost(tracefs = TRACEFS): MmioFormat {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new UserError('record: must run as root (tracefs and the VMs\' threads): run it with sudo');
  }
  if (!fs.existsSync('/dev/kvm')) throw new UserError('record: no /dev/kvm: this host runs no KVM guests (load kvm_intel or kvm_amd)');
  if (!fs.existsSync(path.join(tracefs, 'instances'))) {
    throw new UserError(`record: tracefs is not mounted at ${tracefs}: mount -t tracefs nodev ${tracefs}`);
  }
  const fmtFile = path.join(tracefs, 'events', 'kvm', 'kvm_mmio', 'format');
  if (!fs.existsSync(fmtFile)) {
    throw new UserError(`record: the kvm:kvm_mmio tracepoint is not available in ${tracefs}: load KVM (modprobe kvm_intel or kvm_amd) and check that ${path.join(tracefs, 'available_events')} lists kvm:kvm_mmio`);
  }
  const fmt = fs.readFileSync(fmtFile, 'utf8');
  const id = /^ID:\s*(\d+)/m.exec(fmt);
  // The native reader takes the payload at fixed offsets; a kernel that moved them is refused here.
  const want = ['int common_pid;\toffset:4;', 'u32 type;\toffset:8;', 'u32 len;\toffset:12;', 'u64 gpa;\toffset:16;', 'u64 val;\toffset:24;'];
  if (!id || want.some((w) => !fmt.includes(w))) throw new UserError(`record: ${fmtFile}: unexpected kvm_mmio layout; record cannot decode it`);
  const page = fs.readFileSync(path.join(tracefs, 'events', 'header_page'), 'utf8');
  const commit = /field: local_t commit;\s*offset:\d+;\s*size:(\d+);/.exec(page);
  return { eventId: Number(id[1]), commitSize: commit ? Number(commit[1]) : 8 };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes instances that earlier runs of record left behind (their process is gone). */
export function removeStale(tracefs = TRACEFS): string[] {
  const dir = path.join(tracefs, 'instances');
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length));
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    try {
      fs.rmdirSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // Still held (its reader is exiting): the next run tries again.
    }
  }
  return removed;
}

export class Instance {
  readonly dir: string;
  private removed = false;

  constructor(tracefs = TRACEFS) {
    this.dir = path.join(tracefs, 'instances', `${PREFIX}${process.pid}`);
    fs.mkdirSync(this.dir);
  }

  write(file: string, text: string): void {
    try {
      fs.writeFileSync(path.join(this.dir, file), text);
    } catch (e) {
      throw new UserError(`record: cannot write ${path.join(this.dir, file)}: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), 'utf8');
  }

  /**
   * kvm_mmio on, filtered in the kernel: only the given threads (set_event_pid; event-fork adds
   * threads they start later) and only accesses inside the given [start, end) ranges.
   */
  enableMmio(tids: number[], ranges: Array<[number, number]>, bufferKb: number): void {
    this.write('buffer_size_kb', String(bufferKb));
    const clocks = this.read('trace_clock');
    // mono: one clock across CPUs, so the per-CPU buffers merge by time.
    if (/\bmono\b/.test(clocks)) this.write('trace_clock', 'mono');
    this.write('options/event-fork', '1');
    this.write('set_event_pid', tids.join(' '));
    const filter = ranges.map(([a, b]) => `(gpa >= 0x${a.toString(16)} && gpa < 0x${b.toString(16)})`).join(' || ');
    this.write('events/kvm/kvm_mmio/filter', filter);
    this.write('events/kvm/kvm_mmio/enable', '1');
    this.write('tracing_on', '1');
  }

  get clock(): string {
    return /\[(\w+)\]/.exec(this.read('trace_clock'))?.[1] ?? 'local';
  }

  /** Events the kernel overwrote or dropped (per_cpu/cpuN/stats), over all CPUs. */
  lostEvents(): number {
    let lost = 0;
    const perCpu = path.join(this.dir, 'per_cpu');
    for (const cpu of fs.readdirSync(perCpu)) {
      const stats = fs.readFileSync(path.join(perCpu, cpu, 'stats'), 'utf8');
      for (const m of stats.matchAll(/^(overrun|dropped events):\s*(\d+)/gm)) lost += Number(m[2]);
    }
    return lost;
  }

  get cpus(): number {
    return fs.readdirSync(path.join(this.dir, 'per_cpu')).filter((n) => /^cpu\d+$/.test(n)).length;
  }

  get subbufBytes(): number {
    const f = path.join(this.dir, 'buffer_subbuf_size_kb');
    return fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8').trim()) * 1024 : 4096;
  }

  /** Stops tracing and removes the instance (safe to call more than once, and from 'exit'). */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    try {
      fs.writeFileSync(path.join(this.dir, 'tracing_on'), '0');
      fs.writeFileSync(path.join(this.dir, 'events/kvm/kvm_mmio/enable'), '0');
    } catch {
      // Gone already.
    }
    try {
      fs.rmdirSync(this.dir);
    } catch {
      // A reader still holds it (should not happen: the caller closes the reader first).
    }
  }
}
