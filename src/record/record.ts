// `msixtrace record`: follows the MSI-X table/PBA accesses of running KVM guests straight from the
// kernel's kvm:kvm_mmio tracepoint into a .msixtrace file.
//
// One tracefs instance of our own, filtered in the kernel to the VMs' threads and to the union of
// their table/PBA ranges, read through the per-CPU raw buffers by the native reader a batch at a
// time. A read QEMU serves shows as an unsatisfied-read at the exit and a read with the value on the
// same thread before re-entry: the pair is one access. Events are written as batches fill, so memory
// stays bounded however long the run.
import { DIR_READ, DIR_WRITE } from '../events';
import { Hit } from '../capture/geometry';
import { Device } from '../tracefile/schema';
import { TraceWriter } from '../tracefile/writer';
import { checkHost, Instance, removeStale } from './tracefs';
import { MMIO_READ, MMIO_UNSATISFIED_READ, MmioRecords, RingReader } from './ring';
import { pidExists, tgidOf, threadsOf, Vm, vcpuOfThread } from './vms';
import { LiveView } from './live';

export interface RecordOptions {
  vms: Vm[];
  output: string;
  durationNs?: number;
  /** Per-CPU buffer size in KiB. */
  bufferKb: number;
  live: boolean;
  models: string[];
  signal: AbortSignal;
  /** Called once the kernel is recording (tests wait for it). */
  onStart?: (instanceDir: string) => void;
}

export interface RecordResult {
  events: number;
  lost: number;
  reason: string;
  perVm: Map<number, { reads: number; writes: number }>;
  summary: string;
}

const POLL_MS = 100;
const DRAIN_RECORDS = 8192;

class VmState {
  readonly base: number;
  reads = 0;
  writes = 0;
  constructor(readonly vm: Vm, base: number) {
    this.base = base;
  }
}

export async function record(opts: RecordOptions): Promise<RecordResult> {
  const fmt = checkHost();
  const stale = removeStale();
  const states: VmState[] = [];
  const devices: Device[] = [];
  for (const vm of opts.vms) {
    states.push(new VmState(vm, devices.length));
    for (const d of vm.geometry.devices) devices.push({ ...d, index: devices.length });
  }
  const byPid = new Map(states.map((s) => [s.vm.pid, s]));
  // Thread -> VM (and vCPU) is learnt from /proc as threads show up; -1 marks a thread of no VM.
  const threadVm = new Map<number, VmState | null>();
  const threadVcpu = new Map<number, number>();
  const vmOfThread = (tid: number): VmState | null => {
    let s = threadVm.get(tid);
    if (s === undefined) {
      s = byPid.get(tgidOf(tid)) ?? null;
      threadVm.set(tid, s);
      if (s) threadVcpu.set(tid, s.vm.vcpus.get(tid) ?? vcpuOfThread(s.vm.pid, tid));
    }
    return s;
  };

  const ranges: Array<[number, number]> = [];
  for (const d of devices) {
    ranges.push([Number(d.tableGpa), Number(d.tableGpa) + 16 * d.tableEntries]);
    if (d.pbaGpa !== null) ranges.push([Number(d.pbaGpa), Number(d.pbaGpa) + 8 * Math.ceil(d.tableEntries / 64)]);
  }
  const union = [...new Map(ranges.map((r) => [`${r[0]}-${r[1]}`, r])).values()];
  const tids = opts.vms.flatMap((vm) => threadsOf(vm.pid));
  // Known up front: a VM that exits before its last events are read has no /proc entries left.
  for (const s of states) for (const tid of threadsOf(s.vm.pid)) vmOfThread(tid);

  const inst = new Instance();
  let reader: RingReader | null = null;
  let writer: TraceWriter | null = null;
  const cleanup = (): void => {
    reader?.close();
    reader = null;
    inst.remove();
  };
  process.on('exit', cleanup);
  let live: LiveView | null = null;
  try {
    inst.enableMmio(tids, union, opts.bufferKb);
    writer = new TraceWriter(opts.output, {
      sourceFormat: 'kvm-record',
      sourceFiles: opts.vms.map((vm) => vm.source),
      devices,
      // The trace clock does not convert to Unix time exactly; the header's start is the wall time at
      // which recording began, and ts_ns counts from the first access.
      traceStartUnixNs: BigInt(Date.now()) * 1000000n,
      notes: [
        `recorded live from kvm:kvm_mmio (tracefs instance, ${inst.clock} clock); guest ids are QEMU process ids: ${opts.vms.map((v) => v.pid).join(', ')}`,
        ...(stale.length ? [`removed tracefs instances left by killed runs: ${stale.join(', ')}`] : []),
        ...opts.vms.flatMap((v) => v.geometry.notes),
      ],
    });
    reader = new RingReader(inst.dir, inst.cpus, inst.subbufBytes, fmt.eventId, fmt.commitSize);
    if (opts.live) live = new LiveView(opts.vms, opts.models);
    opts.onStart?.(inst.dir);

    const pending = new Map<number, number>();   // thread -> gpa of its unsatisfied read
    let unpaired = 0;
    let firstTs = NaN;
    const hit: Hit = { device: 0, region: 0, offset: 0 };
    // Drains every CPU buffer, then hands the records on in time order: a vCPU thread that moved
    // between host CPUs has its accesses in two buffers.
    // Record buffers are reused from drain to drain; a drain needs at most what the kernel buffers
    // hold (--buffer-kb per CPU), so the pool stays bounded.
    const pool: MmioRecords[] = [];
    const take = (): void => {
      const order: Array<[number, number, number]> = [];   // ts, chunk index, record index
      const saved: MmioRecords[] = [];
      for (;;) {
        const r = pool[saved.length] ?? (pool[saved.length] = new MmioRecords(DRAIN_RECORDS));
        if (reader!.read(r) === 0) break;
        saved.push(r);
        for (let i = 0; i < r.n; i++) order.push([r.ts(i), saved.length - 1, i]);
        if (r.n < r.cap) break;
      }
      order.sort((a, b) => a[0] - b[0]);
      for (const [, c, i] of order) handle(saved[c], i);
    };
    const handle = (r: MmioRecords, i: number): void => {
      const tid = r.tid(i);
      const s = vmOfThread(tid);
      if (!s) return;
      const type = r.type(i);
      const gpa = r.gpa(i);
      if (type === MMIO_UNSATISFIED_READ) {
        if (pending.has(tid)) unpaired++;
        pending.set(tid, gpa);
        return;
      }
      if (type === MMIO_READ) {
        if (pending.has(tid) && pending.get(tid) !== gpa) unpaired++;
        pending.delete(tid);
      }
      if (!s.vm.geometry.classify(gpa, hit)) return;
      const ts = r.ts(i);
      if (firstTs !== firstTs) firstTs = ts;
      const tsNs = ts - firstTs;
      const dir = type === MMIO_READ ? DIR_READ : DIR_WRITE;
      if (dir === DIR_READ) s.reads++;
      else s.writes++;
      const device = s.base + hit.device;
      const vcpu = threadVcpu.get(tid) ?? -1;
      writer!.push(tsNs, s.vm.pid, vcpu, device, hit.region, hit.offset, r.len(i), dir, r.valLo(i), r.valHi(i));
      live?.push(s.vm.pid, tsNs, vcpu, hit.device, hit.region, hit.offset, r.len(i), dir, r.valLo(i), r.valHi(i));
    };

    const deadline = opts.durationNs === undefined ? Infinity : Date.now() + opts.durationNs / 1e6;
    let reason = '';
    let nextLive = Date.now() + 1000;
    while (!reason) {
      await new Promise((res) => setTimeout(res, POLL_MS));
      take();
      if (opts.signal.aborted) reason = String(opts.signal.reason ?? 'signal');
      else if (Date.now() >= deadline) reason = 'duration reached';
      else if (opts.vms.every((vm) => !pidExists(vm.pid))) reason = opts.vms.length > 1 ? 'all VMs exited' : 'the VM exited';
      if (live && (Date.now() >= nextLive || reason)) {
        live.tick();
        // A late tick moves the next one on rather than bunching ticks up to catch up.
        nextLive = Math.max(nextLive + 1000, Date.now() + 500);
      }
    }
    inst.write('tracing_on', '0');
    take();
    unpaired += pending.size;
    const lost = Math.max(inst.lostEvents(), reader.missed);
    reader.close();
    reader = null;
    inst.remove();
    const footer = writer.finish({ sourceLostEvents: lost });
    writer = null;
    live?.close();
    const perVm = new Map(states.map((s) => [s.vm.pid, { reads: s.reads, writes: s.writes }]));
    const lines = [`msixtrace record: ${reason}: ${footer.events} accesses written to ${opts.output}`];
    for (const s of states) lines.push(`  guest ${s.vm.pid} (${s.vm.source}): ${s.reads} reads, ${s.writes} writes`);
    if (lost) lines.push(`  ${lost} events lost in the kernel ring buffer (raise --buffer-kb)`);
    if (unpaired) lines.push(`  ${unpaired} reads seen without their completion (unsatisfied-read with no read after it)`);
    return { events: footer.events, lost, reason, perVm, summary: lines.join('\n') + '\n' };
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    live?.close();
    cleanup();
    process.off('exit', cleanup);
  }
}
