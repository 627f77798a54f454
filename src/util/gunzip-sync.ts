// A gzipped file read synchronously as a stream (the trace reader reads with readSync): a worker
// thread inflates it (src/util/gunzip-worker.ts) and this side takes the chunks with
// receiveMessageOnPort, sleeping on a shared counter while none is ready. Nothing is inflated to
// disk, and at most a few 256 KiB chunks are held however large the inflated data is.
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';

export interface GunzipFailure {
  /** zlib's words. */
  message: string;
  /** The file ended inside the compressed stream. */
  truncated: boolean;
  /** Compressed bytes read when it failed. */
  at: number;
}

export class GunzipError extends Error {
  constructor(readonly failure: GunzipFailure) {
    super(failure.message);
  }
}

const STALL_MS = 60000;

export class GunzipSync {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly state = new Int32Array(new SharedArrayBuffer(12));
  private chunk: Uint8Array | null = null;
  private at = 0;
  private taken = 0;
  private done = false;

  constructor(file: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(path.join(__dirname, 'gunzip-worker.js'), {
      workerData: { file, port: port2, state: this.state },
      transferList: [port2],
      stdout: false,
      stderr: false,
    });
    // Never the reason the process stays alive.
    this.worker.unref();
  }

  /** Reads up to `len` inflated bytes into buf at `off`; 0 at the end; throws GunzipError on bad data. */
  read(buf: Uint8Array, off: number, len: number): number {
    while (!this.done && (this.chunk === null || this.at >= this.chunk.length)) this.next();
    if (this.done && (this.chunk === null || this.at >= this.chunk.length)) return 0;
    const c = this.chunk!;
    const n = Math.min(len, c.length - this.at);
    buf.set(c.subarray(this.at, this.at + n), off);
    this.at += n;
    return n;
  }

  private next(): void {
    let waited = 0;
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m) {
        this.taken++;
        Atomics.store(this.state, 1, this.taken);
        Atomics.notify(this.state, 1);
        const msg = m.message as { data?: Uint8Array; end?: boolean; error?: { message: string; code?: string }; raw?: number };
        if (msg.data) {
          this.chunk = msg.data;
          this.at = 0;
          return;
        }
        this.done = true;
        this.chunk = null;
        this.close();
        if (msg.error) {
          throw new GunzipError({
            message: msg.error.message,
            truncated: /unexpected end of file/i.test(msg.error.message),
            at: msg.raw ?? 0,
          });
        }
        return;
      }
      const posted = Atomics.load(this.state, 0);
      if (posted > this.taken) continue; // posted, and arriving
      if (Atomics.load(this.state, 2) === 1) {
        this.done = true;
        throw new GunzipError({ message: 'the inflating thread ended early', truncated: false, at: 0 });
      }
      if (Atomics.wait(this.state, 0, posted, 1000) === 'timed-out' && (waited += 1000) >= STALL_MS) {
        this.close();
        throw new GunzipError({ message: `no data for ${STALL_MS / 1000} s`, truncated: false, at: 0 });
      }
    }
  }

  /**
   * Reads the rest and returns the gzip failure, if any: when inflated bytes do not parse, a broken
   * gzip stream (a cut download) is the better explanation. Time grows with the rest of the file,
   * memory does not.
   */
  failure(): GunzipFailure | null {
    const scratch = new Uint8Array(1 << 18);
    try {
      while (this.read(scratch, 0, scratch.length) > 0) { /* discard */ }
    } catch (e) {
      if (e instanceof GunzipError) return e.failure;
      throw e;
    }
    return null;
  }

  close(): void {
    this.done = true;
    this.port.close();
    void this.worker.terminate();
  }
}
