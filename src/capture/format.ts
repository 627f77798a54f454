// The interface every log-format parser implements. A parser turns one text line into at most one
// raw access; capture (src/capture/capture.ts) maps accesses to devices and regions with the
// geometry, keeps MSI-X table/PBA accesses, and writes the trace file.

export type FormatName =
  | 'qemu-log' | 'qemu-simpletrace' | 'kvm-ftrace' | 'trace-cmd' | 'perf-script' | 'mmiotrace' | 'xenalyze';

/** Every `capture -f` value, in the order the help lists them. */
export const FORMAT_CHOICES = ['auto', 'qemu-log', 'qemu-simpletrace', 'kvm-ftrace', 'trace-cmd', 'perf-script', 'mmiotrace', 'xenalyze'] as const;
export type FormatChoice = (typeof FORMAT_CHOICES)[number];

/** One guest access as a log line shows it, before geometry is applied. Reused between lines. */
export interface RawAccess {
  /** Timestamp in ns on the source's own clock; NaN when the line has none. */
  tsNs: number;
  /** VM id (QEMU pid, tgid, Xen domain); -1 when the line does not say. */
  guest: number;
  /** vCPU index; -1 when unknown. */
  vcpu: number;
  /** Absolute address (guest-physical, or host-physical for mmiotrace); exact below 2^53. */
  addr: number;
  /** 1, 2, 4 or 8 (parsers report other sizes as malformed). */
  size: number;
  write: boolean;
  /** Value as exact 32-bit halves (no detour through a 64-bit JS number). */
  lo: number;
  hi: number;
  /** Region name when the line carries one (QEMU >= 6.1: 'msix-table', 'msix-pba', ...), else ''. */
  region: string;
}

export function newRawAccess(): RawAccess {
  return { tsNs: NaN, guest: -1, vcpu: -1, addr: 0, size: 0, write: false, lo: 0, hi: 0, region: '' };
}

/**
 * What a line was:
 *  - ACCESS: `out` holds an access;
 *  - IGNORED: not an access (another event, a header or comment line, a blank line);
 *  - LOST: the tracer reported lost events (count in `lost` of the parser state);
 *  - a string: the line looked like an access of this format but is malformed; the text says why.
 */
export const ACCESS = 1;
export const IGNORED = 0;
export const LOST = 2;
export type LineResult = typeof ACCESS | typeof IGNORED | typeof LOST | string;

export interface LineParser {
  readonly format: FormatName;
  /** Events the tracer said it lost, summed over LOST lines. */
  lost: number;
  /** Notes for the trace header and the summary (e.g. xenalyze's assumed size). */
  readonly notes: string[];
  /** Address ranges the log itself declares as MSI-X tables (mmiotrace MAP lines), if any. */
  tableMaps?: Array<{ addr: number; len: number }>;
  /**
   * Speed hint: while set, a line that does not contain this text cannot be an access of interest,
   * so the driver may skip it unparsed (QEMU >= 6.1 logs: only region names with "msix" matter).
   * A parser may set or change it between lines.
   */
  needle?: string;
  /**
   * When the source clock is wall-clock time: the Unix time in ns of tsNs = 0. Wall-clock ns do not
   * fit a double exactly, so such parsers report tsNs from an epoch of their own.
   */
  clockUnixNs?: bigint;
  parse(line: string, out: RawAccess): LineResult;
  /**
   * At the end of an input: hands out accesses the parser still holds (a kvm_mmio read whose
   * completion never came); true while it filled `out`.
   */
  drain?(out: RawAccess): boolean;
}

/** A format's detector: true when the first lines of a log are in this format. */
export interface FormatSpec {
  format: FormatName;
  /** Whether these first (up to 50) non-empty lines look like this format. */
  detect(lines: string[]): boolean;
  create(): LineParser;
}
