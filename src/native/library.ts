// The one owner of the native library (libmsixmodels.so, built by node-gyp at npm install): nothing
// else in src/ loads ffi-napi or ref-napi (test/native-boundary.test.js checks). It binds every
// function once, from the single signature table below, and at load compares the library's ABI record
// (msx_abi, native/common/abi.h) with what this code expects, so a library built from other sources is
// refused with the name of the number that differs instead of misreading batches.
//
// Adding a native function: declare it in NativeLib and give its signature in SIGNATURES (TypeScript
// refuses one without the other); if it adds a number both sides must agree on, append it to the C
// record in native/common/abi.c and to ABI_RECORD here, and bump MSX_ABI_VERSION on a signature change.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../errors';

/** An opaque native pointer (a context, a pipeline, an encoder), as ffi-napi hands it back. */
export type NativePointer = Buffer;

/** Every function of the library, typed. Calls take whole batches: never one call per event. */
export interface NativeLib {
  msx_abi(out: Buffer, cap: number): number;
  // models (native/replay)
  msx_model_count(): number;
  msx_model_name(i: number): string;
  msx_model_find(name: string): number;
  msx_create(model: number, start: number, devs: Buffer, ndev: number, options: number): NativePointer;
  msx_destroy(ctx: NativePointer): void;
  msx_feed(ctx: NativePointer, buf: Buffer, cap: number, n: number, decisions: Buffer | null): number;
  msx_counters(ctx: NativePointer, out: Buffer, n: number): void;
  msx_reason_text(reason: number): string;
  // trace file decoder and CRC (native/tracefile, native/common)
  msx_decode_scratch_size(): number;
  msx_decode_batch(buf: Buffer, start: number, end: number, out: Buffer, cap: number, ndev: number, scratch: Buffer,
    scratchLen: number, info: Buffer): number;
  msx_crc32(crc: number, buf: Buffer, len: number): number;
  msx_crc32_tables(crc: number, buf: Buffer, len: number): number;
  // replay pipeline (native/replay/pipeline.h)
  msx_pipe_create(ctxs: Buffer, nctx: number, ndev: number, threads: number): NativePointer;
  msx_pipe_submit(pipe: NativePointer, buf: Buffer, start: number, end: number, info: Buffer): number;
  msx_pipe_finish(pipe: NativePointer): number;
  msx_pipe_destroy(pipe: NativePointer): void;
  msx_pipe_configure(pipe: NativePointer, by: number, maxGroups: number, intervalNs: number, maxBuckets: number,
    heatRows: number, explain: number): number;
  msx_pipe_fit_interval(pipe: NativePointer): number;
  msx_pipe_explain_setup(pipe: NativePointer, prefixes: Buffer, ends: Buffer): number;
  msx_pipe_explain_write(pipe: NativePointer, fd: number, index0: number): number;
  msx_pipe_result(pipe: NativePointer, what: number, model: number, out: Buffer, cap: number): number;
  // policies as models (native/replay/policy.h)
  msx_policy_size(): number;
  msx_policy_compile(out: Buffer, knobs: Buffer, n: number, name: string): number;
  msx_create_policy(policy: Buffer, start: number, devs: Buffer, ndev: number, options: number): NativePointer;
  // trace file encoder (native/tracefile/encode.h)
  msx_encoder_create(): NativePointer;
  msx_encoder_destroy(enc: NativePointer): void;
  msx_encode_batch(enc: NativePointer, batch: Buffer, cap: number, n: number, ndev: number, out: Buffer, outcap: number): number;
  msx_encode_start(enc: NativePointer, batch: Buffer, cap: number, n: number, ndev: number, out: Buffer, outcap: number): number;
  msx_encode_finish(enc: NativePointer): number;
  // capture scan (native/capture/scan.h)
  msx_scan_qemu(buf: Buffer, from: number, to: number, io: Buffer, ranges: Buffer, nranges: number, batch: Buffer,
    cap: number, counts: Buffer): number;
  // capture scan of ftrace kvm_mmio lines (native/capture/scan_kvm.h)
  msx_scan_kvm(buf: Buffer, from: number, to: number, io: Buffer, ranges: Buffer, nranges: number, batch: Buffer,
    cap: number, counts: Buffer, open: Buffer): number;
  // capture's pipe reader (native/capture/pipe.h): msx_pipe_fill blocks, so it runs through nativeAsync
  msx_pipe_fill(fd: number, buf: Buffer, cap: number, want: number, holdMs: number, idleMs: number, state: Buffer): number;
  msx_pipe_grow(fd: number, bytes: number): number;
  // capture's gunzip (native/capture/gunzip.h): msx_gunzip_run runs through nativeAsync
  msx_gunzip_create(): NativePointer;
  msx_gunzip_destroy(g: NativePointer): void;
  msx_gunzip_run(g: NativePointer, input: Buffer, from: number, to: number, out: Buffer, cap: number, io: Buffer): number;
  msx_gunzip_at_end(g: NativePointer): number;
  msx_gunzip_error(g: NativePointer): string;
  // dump text (native/dump/format.h)
  msx_format_events(batch: Buffer, cap: number, n: number, format: number, out: Buffer, outCap: number): number;
  // record: the raw per-CPU ring buffers of a tracefs instance (native/record/ring.h)
  msx_ring_open(dir: string, ncpu: number, subbuf: number, eventId: number, commitSize: number): NativePointer;
  msx_ring_read(ctx: NativePointer, out: Buffer, cap: number, io: Buffer): number;
  msx_ring_close(ctx: NativePointer): void;
}

/** 'ctx' stands for an opaque pointer type (void *), which ffi-napi needs built from ref-napi. */
type FfiType = 'void' | 'int32' | 'uint32' | 'int64' | 'double' | 'string' | 'pointer' | 'ctx';
type Signature = [ret: FfiType, args: FfiType[]];

/** The signature of every function in NativeLib: the one table the library is bound from. */
const SIGNATURES: { [K in keyof NativeLib]: Signature } = {
  msx_abi: ['int32', ['pointer', 'uint32']],
  msx_model_count: ['int32', []],
  msx_model_name: ['string', ['int32']],
  msx_model_find: ['int32', ['string']],
  msx_create: ['ctx', ['int32', 'int32', 'pointer', 'uint32', 'uint32']],
  msx_destroy: ['void', ['ctx']],
  msx_feed: ['int32', ['ctx', 'pointer', 'uint32', 'uint32', 'pointer']],
  msx_counters: ['void', ['ctx', 'pointer', 'uint32']],
  msx_reason_text: ['string', ['int32']],
  msx_decode_scratch_size: ['uint32', []],
  msx_decode_batch: ['int32', ['pointer', 'uint32', 'uint32', 'pointer', 'uint32', 'uint32', 'pointer', 'uint32', 'pointer']],
  msx_crc32: ['uint32', ['uint32', 'pointer', 'uint32']],
  msx_crc32_tables: ['uint32', ['uint32', 'pointer', 'uint32']],
  msx_pipe_create: ['ctx', ['pointer', 'uint32', 'uint32', 'uint32']],
  msx_pipe_submit: ['int32', ['ctx', 'pointer', 'uint32', 'uint32', 'pointer']],
  msx_pipe_finish: ['int32', ['ctx']],
  msx_pipe_destroy: ['void', ['ctx']],
  msx_pipe_configure: ['int32', ['ctx', 'int32', 'uint32', 'double', 'uint32', 'uint32', 'int32']],
  msx_pipe_fit_interval: ['int32', ['ctx']],
  msx_pipe_explain_setup: ['int32', ['ctx', 'pointer', 'pointer']],
  msx_pipe_explain_write: ['int32', ['ctx', 'int32', 'double']],
  msx_pipe_result: ['int32', ['ctx', 'int32', 'uint32', 'pointer', 'uint32']],
  msx_policy_size: ['int32', []],
  msx_policy_compile: ['int32', ['pointer', 'pointer', 'uint32', 'string']],
  msx_create_policy: ['ctx', ['pointer', 'int32', 'pointer', 'uint32', 'uint32']],
  msx_encoder_create: ['ctx', []],
  msx_encoder_destroy: ['void', ['ctx']],
  msx_encode_batch: ['int32', ['ctx', 'pointer', 'uint32', 'uint32', 'uint32', 'pointer', 'uint32']],
  msx_encode_start: ['int32', ['ctx', 'pointer', 'uint32', 'uint32', 'uint32', 'pointer', 'uint32']],
  msx_encode_finish: ['int32', ['ctx']],
  msx_scan_qemu: ['int32', ['pointer', 'uint32', 'uint32', 'pointer', 'pointer', 'uint32', 'pointer', 'uint32', 'pointer']],
  msx_scan_kvm: ['int32', ['pointer', 'uint32', 'uint32', 'pointer', 'pointer', 'uint32', 'pointer', 'uint32', 'pointer', 'pointer']],
  msx_pipe_fill: ['int32', ['int32', 'pointer', 'uint32', 'uint32', 'uint32', 'uint32', 'pointer']],
  msx_pipe_grow: ['int32', ['int32', 'uint32']],
  msx_gunzip_create: ['ctx', []],
  msx_gunzip_destroy: ['void', ['ctx']],
  msx_gunzip_run: ['int32', ['ctx', 'pointer', 'uint32', 'uint32', 'pointer', 'uint32', 'pointer']],
  msx_gunzip_at_end: ['int32', ['ctx']],
  msx_gunzip_error: ['string', ['ctx']],
  msx_format_events: ['int32', ['pointer', 'uint32', 'uint32', 'int32', 'pointer', 'uint32']],
  msx_ring_open: ['ctx', ['string', 'uint32', 'uint32', 'int32', 'uint32']],
  msx_ring_read: ['int32', ['ctx', 'pointer', 'uint32', 'pointer']],
  msx_ring_close: ['void', ['ctx']],
};

export const ABI_VERSION = 1;

/**
 * What this code expects of the library, in the order of msx_abi's record (native/common/abi.c):
 * the numbers that are also constants elsewhere in src/ are read from here by name (abiValue).
 */
export const ABI_RECORD: ReadonlyArray<readonly [name: string, value: number]> = [
  ['abi version', ABI_VERSION],
  // batch layout (src/events.ts EventBatch): byte offset of each column per event of capacity
  ['batch column ts_ns', 0], ['batch column value_lo', 8], ['batch column value_hi', 12], ['batch column offset', 16],
  ['batch column guest', 20], ['batch column vcpu', 24], ['batch column device', 28], ['batch column region', 30],
  ['batch column size', 31], ['batch column dir', 32], ['batch bytes per event', 33],
  ['device record bytes', 32],
  ['counters', 40], ['fields', 6], ['counter deferred_unmasks', 36], ['counter guest_crash', 37], ['counter events', 38],
  ['outcome absorb', 0], ['outcome forward', 1], ['outcome both', 2], ['start cold', 0], ['start warm', 1],
  ['option xen34 mod quirk', 1],
  ['decoder error first', -1], ['decoder error last', -20],
  ['encoder max batch', 65536], ['encoder bound per event', 48], ['encoder bound fixed', 256],
  ['encoder refused', -1], ['encoder space', -2], ['encoder busy', -3], ['encoder no thread', -4],
  ['formatter bound per event', 256],
  ['scan io slots', 16], ['scan io epoch', 0], ['scan io shift', 1], ['scan io guest', 2], ['scan io limit', 3],
  ['scan io n', 4], ['scan io last_ts', 5], ['scan io pos', 6], ['scan io lines', 7], ['scan io kept', 8],
  ['scan end', 0], ['scan full', 1], ['scan punt', 2], ['scan max line', 1 << 20],
  ['kvm scan io slots', 16], ['kvm scan range fields', 6], ['kvm scan open fields', 8],
  ['pipe fill eof', 0], ['pipe fill slots', 2],
  ['gunzip io in_used', 0], ['gunzip io out_fill', 1], ['gunzip io state', 2], ['gunzip io slots', 4],
  ['gunzip more', 0], ['gunzip end', 1], ['gunzip corrupt', 2],
  ['pointer bytes', 8],
];

/** The value this code expects for an ABI record entry (the library has been checked to agree). */
export function abiValue(name: string): number {
  const e = ABI_RECORD.find(([n]) => n === name);
  if (!e) throw new Error(`internal: no ABI entry '${name}'`);
  return e[1];
}

export function libraryPath(): string {
  const root = path.resolve(__dirname, '..', '..');
  return process.env.MSIXTRACE_NATIVE_LIB ?? path.join(root, 'build', 'Release', 'libmsixmodels.so');
}

const REBUILD = 'rebuild it with `npx node-gyp rebuild` (or `npm install`)';

// ffi-napi and ref-napi cost ~45 ms to load: required on the first use, not at import.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let refMod: any = null;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function ref(): any {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  if (!refMod) refMod = require('@2060.io/ref-napi');
  return refMod;
}

let lib: NativeLib | null = null;

/** Binds the functions of `signatures` in `file`: the one place ffi-napi makes a library object. */
function bind<T>(file: string, signatures: Record<string, Signature>): T {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ffi = require('@2060.io/ffi-napi');
  const ptr = ref().refType(ref().types.void);
  const table: Record<string, unknown[]> = {};
  for (const [name, [ret, args]] of Object.entries(signatures)) {
    table[name] = [ret === 'ctx' ? ptr : ret, args.map((a) => (a === 'ctx' ? ptr : a))];
  }
  return ffi.Library(file, table) as T;
}

function load(file: string): NativeLib {
  let bound: NativeLib;
  try {
    bound = bind<NativeLib>(file, SIGNATURES);
  } catch (e) {
    throw new UserError(`native library ${file} cannot be used by this msixtrace (${(e as Error).message.split('\n')[0]}): ${REBUILD}`);
  }
  checkAbi(file, bound);
  return bound;
}

/** Compares the library's ABI record with ABI_RECORD; UserError naming the first difference. */
export function checkAbi(file: string, l: Pick<NativeLib, 'msx_abi'>): void {
  const cap = ABI_RECORD.length + 64;
  const out = Buffer.alloc(cap * 4);
  const n = l.msx_abi(out, cap);
  const got = (i: number): number => out.readInt32LE(i * 4);
  if (n < 1 || got(0) !== ABI_VERSION) {
    throw new UserError(`native library ${file} has ABI version ${n < 1 ? 'none' : got(0)}, this msixtrace needs ${ABI_VERSION}: ${REBUILD}`);
  }
  for (let i = 0; i < ABI_RECORD.length; i++) {
    const [name, want] = ABI_RECORD[i];
    if (i >= n) throw new UserError(`native library ${file} does not match this msixtrace: its ABI record ends before '${name}': ${REBUILD}`);
    if (got(i) !== want) throw new UserError(`native library ${file} does not match this msixtrace: ${name} is ${got(i)} there, ${want} here: ${REBUILD}`);
  }
  if (n !== ABI_RECORD.length) throw new UserError(`native library ${file} does not match this msixtrace: its ABI record has ${n} entries, ${ABI_RECORD.length} expected: ${REBUILD}`);
}

/** The library, loaded and checked once; UserError when it is missing or does not match. */
export function native(): NativeLib {
  if (lib) return lib;
  const file = libraryPath();
  if (!fs.existsSync(file)) throw new UserError(`native library missing: ${file} (${REBUILD})`);
  lib = load(file);
  return lib;
}

/** The functions of NativeLib that wait for input or take long on one buffer: nativeAsync runs them. */
type BlockingCall = 'msx_pipe_fill' | 'msx_gunzip_run';

/**
 * Runs a native call on a thread of libuv's pool (ffi-napi's async form), so the JavaScript thread
 * keeps scanning and handling signals meanwhile. The Buffers passed stay referenced until it
 * returns. Only for calls that wait or work on a whole buffer, never one call per event.
 */
export function nativeAsync<K extends BlockingCall>(name: K, ...args: Parameters<NativeLib[K]>): Promise<ReturnType<NativeLib[K]>> {
  const f = native()[name] as unknown as { async: (...a: unknown[]) => void };
  return new Promise((resolve, reject) => {
    f.async(...args, (err: Error | null, result: ReturnType<NativeLib[K]>) => (err ? reject(err) : resolve(result)));
  });
}

const ERRNO_NAMES = new Map(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));

/**
 * The error for a native call that returned -errno (a read or write of the library's own), shaped as
 * node's fs errors are (code, errno, syscall), so the callers' messages treat both alike.
 */
export function errnoError(rc: number, syscall: string): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(-rc) ?? `errno ${-rc}`;
  const e: NodeJS.ErrnoException = new Error(`${code}: ${syscall}`);
  e.code = code;
  e.errno = rc;
  e.syscall = syscall;
  return e;
}

/** Whether an opaque pointer the library returned is NULL. */
export function isNull(p: NativePointer): boolean {
  return ref().isNull(p);
}

/** Bytes of a native pointer. */
export function pointerBytes(): number {
  return ref().sizeof.pointer;
}

/** A native array of the pointers (for functions that take a table of contexts). */
export function pointerTable(ptrs: NativePointer[]): Buffer {
  const size = pointerBytes();
  const table = Buffer.alloc(Math.max(1, ptrs.length) * size);
  for (let i = 0; i < ptrs.length; i++) ref().writePointer(table, i * size, ptrs[i]);
  return table;
}

// ---- libmsixtracedat.so: capture's trace.dat reader, a library of its own because it links
// libtracecmd, which a machine may lack (then it is built from absent.c and says so) ----

/** The trace.dat reader (native/capture/tracedat). */
export interface TracedatLib {
  msx_tracedat_available(): number;
  msx_tracedat_open(file: string, err: Buffer, errlen: number): NativePointer;
  msx_tracedat_read(h: NativePointer, buf: Buffer, cap: number): number;
  msx_tracedat_close(h: NativePointer): void;
}

const TRACEDAT_SIGNATURES: { [K in keyof TracedatLib]: Signature } = {
  msx_tracedat_available: ['int32', []],
  msx_tracedat_open: ['ctx', ['string', 'pointer', 'uint32']],
  msx_tracedat_read: ['int64', ['ctx', 'pointer', 'uint32']],
  msx_tracedat_close: ['void', ['ctx']],
};

let tracedatLib: TracedatLib | null | undefined;

/** The trace.dat reader, or null when its library is absent or was built without libtracecmd. */
export function tracedat(): TracedatLib | null {
  if (tracedatLib !== undefined) return tracedatLib;
  tracedatLib = null;
  const file = process.env.MSIXTRACE_TRACEDAT_LIB ?? path.join(path.resolve(__dirname, '..', '..'), 'build', 'Release', 'libmsixtracedat.so');
  if (!fs.existsSync(file)) return null;
  let l: TracedatLib;
  try {
    l = bind<TracedatLib>(file, TRACEDAT_SIGNATURES);
  } catch {
    return null; // the absent.c build: only msx_tracedat_available, which says 0
  }
  if (l.msx_tracedat_available() !== 1) return null;
  tracedatLib = l;
  return l;
}
