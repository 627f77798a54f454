// Binary tracer files read directly: trace-cmd's trace.dat through libtracecmd (the native
// libmsixtracedat.so, native/capture/tracedat/), perf.data through the installed `perf script`.
// Both hand capture the text lines of the tracer's own report, which the trace-cmd and perf-script
// parsers read as they read those reports, so either file gives exactly the accesses of its text form.
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { FormatName } from './format';
import { isNull, tracedat, TracedatLib } from '../native/library';

/** What capture reads an input through: a file or pipe (InputStream), or a tracer's converted output. */
export interface CaptureInput {
  readonly name: string;
  readonly totalBytes: number | null;
  rawBytes: number;
  delivered: number;
  gzip: boolean;
  reuseBuffers: boolean;
  next(): Promise<Buffer | null>;
  unshift(chunks: Buffer[]): void;
  close(): void;
}

export type BinaryKind = 'trace.dat' | 'perf.data';

// trace.dat: "\x17\x08\x44tracing"; perf.data: "PERFILE2" (written in the recording host's byte order).
const TRACEDAT_MAGIC = Buffer.from('\x17\x08\x44tracing', 'latin1');
const PERF_MAGICS = [Buffer.from('PERFILE2'), Buffer.from('2ELIFREP')];

export function binaryKind(head: Buffer): BinaryKind | null {
  if (head.length >= TRACEDAT_MAGIC.length && head.subarray(0, TRACEDAT_MAGIC.length).equals(TRACEDAT_MAGIC)) return 'trace.dat';
  if (head.length >= 8 && PERF_MAGICS.some((m) => head.subarray(0, 8).equals(m))) return 'perf.data';
  return null;
}

export const BINARY_FORMAT: Record<BinaryKind, FormatName> = { 'trace.dat': 'trace-cmd', 'perf.data': 'perf-script' };

/** The perf script fields capture needs: pid/tid names the VM (QEMU process) of each vCPU thread. */
export const PERF_SCRIPT_ARGS = ['script', '-F', 'comm,pid,tid,cpu,time,event,trace', '--ns', '--show-lost-events'];

const CHUNK = 1 << 20;

/** Chunks of lines produced by a reader; shared plumbing of the two binary inputs. */
abstract class DerivedInput implements CaptureInput {
  readonly totalBytes = null;
  rawBytes = 0;
  delivered = 0;
  gzip = false;
  reuseBuffers = false;
  private readonly unread: Buffer[] = [];

  constructor(readonly name: string, protected readonly signal: AbortSignal) {}

  protected abstract pull(): Promise<Buffer | null>;

  async next(): Promise<Buffer | null> {
    const c = this.unread.length ? this.unread.shift()! : this.signal.aborted ? null : await this.pull();
    if (c) this.delivered += c.length;
    return c;
  }

  unshift(chunks: Buffer[]): void {
    for (const c of chunks) this.delivered -= c.length;
    this.unread.unshift(...chunks);
  }

  abstract close(): void;
}

function tracedatLibrary(): TracedatLib | null {
  return tracedat();
}

const TRACEDAT_HINT = 'this msixtrace was built without libtracecmd: install libtracecmd-dev and libtraceevent-dev and run `npm rebuild`, or convert the file: trace-cmd report -t -i FILE > FILE.txt';

/** A trace.dat's kvm events as `trace-cmd report -t` lines, read by libtracecmd a buffer at a time. */
class TracedatInput extends DerivedInput {
  private handle: Buffer | null;

  constructor(file: string, name: string, signal: AbortSignal, private readonly lib: TracedatLib) {
    super(name, signal);
    const err = Buffer.alloc(256);
    const h = lib.msx_tracedat_open(file, err, err.length);
    if (isNull(h)) throw new UserError(`${name}: ${err.toString('utf8', 0, Math.max(0, err.indexOf(0))) || 'cannot read this trace.dat'}`);
    this.handle = h;
  }

  protected async pull(): Promise<Buffer | null> {
    if (!this.handle) return null;
    const buf = Buffer.allocUnsafe(CHUNK);
    const n = Number(this.lib.msx_tracedat_read(this.handle, buf, buf.length));
    if (n < 0) throw new UserError(`${this.name}: libtracecmd could not read the event data (damaged or truncated trace.dat)`);
    if (n === 0) {
      this.close();
      return null;
    }
    this.rawBytes += n;
    return buf.subarray(0, n);
  }

  close(): void {
    if (this.handle) this.lib.msx_tracedat_close(this.handle);
    this.handle = null;
  }
}

/** A perf.data's samples as the lines of `perf script` with the fields capture needs. */
class PerfDataInput extends DerivedInput {
  private readonly child: ChildProcess;
  private readonly it: AsyncIterator<Buffer>;
  private readonly stderr: Buffer[] = [];
  private readonly exited: Promise<number | null>;
  private spawnError: NodeJS.ErrnoException | null = null;

  constructor(private readonly file: string, name: string, signal: AbortSignal) {
    super(name, signal);
    this.child = spawn('perf', [...PERF_SCRIPT_ARGS, '-i', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.on('error', (e) => { this.spawnError = e as NodeJS.ErrnoException; });
    this.child.stderr!.on('data', (d: Buffer) => { if (this.stderr.length < 64) this.stderr.push(d); });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
    this.it = (this.child.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  protected async pull(): Promise<Buffer | null> {
    let r: IteratorResult<Buffer>;
    try {
      r = await this.it.next();
    } catch {
      r = { done: true, value: undefined };
    }
    if (!r.done) {
      this.rawBytes += r.value.length;
      return r.value;
    }
    const code = await this.exited;
    if (this.spawnError?.code === 'ENOENT') {
      throw new UserError(`${this.name}: a perf.data file, and perf is not installed: install perf (Debian: linux-perf), or convert it where perf is: perf ${PERF_SCRIPT_ARGS.join(' ')} -i ${this.file} > perf.txt`);
    }
    if (this.spawnError || code !== 0) {
      const why = Buffer.concat(this.stderr).toString().split('\n').map((l) => l.trim()).filter(Boolean)[0] ?? (this.spawnError?.message ?? `exit status ${code}`);
      throw new UserError(`${this.name}: perf script could not read it: ${why}`);
    }
    return null;
  }

  close(): void {
    if (this.child.exitCode === null && !this.child.killed) this.child.kill();
  }
}

/** Opens a binary tracer file as the text input of its format. */
export function openBinary(kind: BinaryKind, file: string, name: string, signal: AbortSignal): CaptureInput {
  if (kind === 'perf.data') return new PerfDataInput(file, name, signal);
  const lib = tracedatLibrary();
  if (!lib) throw new UserError(`${name}: a trace-cmd trace.dat file; ${TRACEDAT_HINT.replace(/FILE/g, name)}`);
  return new TracedatInput(file, name, signal, lib);
}
