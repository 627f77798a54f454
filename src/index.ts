// The library API: `require('msixtrace')`. Three jobs, the same code paths the verbs use:
//   openTrace(file)       read a .msixtrace file: its header, then its events batch by batch;
//   replay(file, opts)    drive it through interception models: absorbed / forwarded counts;
//   capture(opts)         turn trace logs into a .msixtrace file.
// Bad input (a damaged trace, an unknown model, an unreadable log) throws UserError with one line
// naming the file and the byte or line offset. The README's "Library API" section shows it in use.
import { EventBatch, FIELD_NAMES, fieldOf } from './events';
import { UserError } from './errors';
import { capture as runCapture, CaptureOptions, CaptureResult } from './capture/capture';
import { CATALOG, ModelInfo } from './replay/catalog';
import { GroupBy, ModelResult, replayTrace, TraceReplay } from './replay/engine';
import { expandModels, StartState } from './replay/model';
import { TraceReader } from './tracefile/reader';
import { Device, Footer, Header } from './tracefile/schema';
import { FORMAT_VERSION, TOOL_VERSION } from './version';

export { EventBatch, UserError, FORMAT_VERSION, TOOL_VERSION };
export type { CaptureOptions, CaptureResult, Device, Footer, GroupBy, Header, ModelInfo, ModelResult, StartState, TraceReplay };

/** One MSI-X table or PBA access, as `msixtrace dump` prints it. */
export interface TraceEvent {
  /** Nanoseconds since the trace start. */
  ts_ns: number;
  guest: number;
  /** -1 when the log named no vCPU. */
  vcpu: number;
  /** Index into header.devices. */
  device: number;
  region: 'table' | 'pba';
  /** Bytes from the start of the table (or PBA). */
  offset: number;
  /** addr_lo, addr_hi, data, vector_ctrl (offset % 16 in the table), pba, or other. */
  field: string;
  size: number;
  dir: 'r' | 'w';
  /** The value read or written; a bigint so 64-bit values stay exact. */
  value: bigint;
}

/** An open trace file. Reading is streaming: one batch in memory at a time. */
export interface Trace {
  /** The file name (as given, or "(stdin)"). */
  readonly file: string;
  /** Format version, tool version, source logs and the MSI-X geometry of every device. */
  readonly header: Header;
  /** Totals from the end of the file; null until batches()/events() have run to the end. */
  readonly footer: Footer | null;
  /**
   * The events in columns, up to 65,536 per batch (fast). The batch object is reused: copy what you
   * keep before asking for the next one.
   */
  batches(): Iterable<EventBatch>;
  /** The events one object at a time (convenient; a few million per second). */
  events(): Iterable<TraceEvent>;
  /** Releases the file (reading to the end does it too). */
  close(): void;
}

export interface OpenOptions {
  /** Stop quietly at the first damaged packet instead of throwing (keeps the complete batches). */
  salvage?: boolean;
}

/** Opens a .msixtrace (or .msixtrace.gz) file and reads its header; '-' reads stdin. */
export function openTrace(file: string, opts: OpenOptions = {}): Trace {
  const reader = new TraceReader(file, { salvage: opts.salvage });
  return {
    get file() { return reader.file; },
    get header() { return reader.header; },
    get footer() { return reader.footer; },
    batches: () => reader.batches(),
    events: () => eventsOf(reader),
    close: () => reader.close(),
  };
}

function* eventsOf(reader: TraceReader): Generator<TraceEvent> {
  for (const b of reader.batches()) {
    for (let i = 0; i < b.n; i++) {
      yield {
        ts_ns: b.ts[i], guest: b.guest[i], vcpu: b.vcpu[i], device: b.device[i],
        region: b.region[i] === 1 ? 'pba' : 'table', offset: b.offset[i],
        field: FIELD_NAMES[fieldOf(b.region[i], b.offset[i])], size: b.size[i],
        dir: b.dir[i] === 1 ? 'w' : 'r', value: b.value(i),
      };
    }
  }
}

export interface ReplayOptions {
  /** Model names or aliases (see models()), or 'all' (the default). */
  models?: string[] | string;
  /** cold (default): the trace starts before the driver set the device up; warm: mid-run. */
  start?: StartState;
  /** Also break the counts down by table field, device:entry, guest or guest:vcpu. */
  by?: GroupBy;
  /** Also count absorbed/forwarded per time bucket of this many nanoseconds. */
  intervalNs?: number;
  /** Estimate CPU time from per-access costs in microseconds. */
  cost?: { forwardUs: number; absorbUs: number };
  /** Replay the complete batches of a damaged trace instead of throwing. */
  salvage?: boolean;
}

/**
 * Replays a trace file through interception models (docs/models.md) and returns one result per model:
 * totals and per-field counts of absorbed, forwarded and both, per direction, and Xen's deferred unmasks
 * and guest crashes. Needs the native library (built by `npm install`).
 */
export function replay(file: string, opts: ReplayOptions = {}): TraceReplay {
  const start = opts.start ?? 'cold';
  if (start !== 'cold' && start !== 'warm') throw new UserError(`start: '${String(start)}' is neither cold nor warm`);
  if (opts.intervalNs !== undefined && !(opts.intervalNs >= 1)) throw new UserError(`intervalNs: ${opts.intervalNs} is not a positive number of nanoseconds`);
  return replayTrace(file, {
    models: expandModels(opts.models), start, by: opts.by, intervalNs: opts.intervalNs, cost: opts.cost,
    salvage: opts.salvage,
  });
}

/**
 * Reads trace logs (QEMU log or simpletrace, KVM kvm_mmio from ftrace / trace-cmd / perf script,
 * mmiotrace, xenalyze: docs/log-formats.md), keeps the MSI-X table and PBA accesses and writes them to
 * opts.output, replacing it only when the capture succeeds. The geometry comes from opts.lspci (the
 * guest's `lspci -vv` output), opts.table/opts.pba, or the log itself.
 */
export function capture(opts: CaptureOptions): Promise<CaptureResult> {
  return runCapture(opts);
}

/** The interception models: name, aliases, Xen releases, commits and behaviour in one line. */
export function models(): ModelInfo[] {
  return CATALOG.map((m) => ({ ...m, aliases: [...m.aliases], commits: [...m.commits] }));
}
