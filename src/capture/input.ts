// The bytes of one capture input (a file, or `-` for stdin) as a stream of chunks in bounded memory,
// gunzipped when the data starts with the gzip magic (whatever the name says). A capture can be
// stopped (Ctrl-C) while waiting on a pipe that is still open, so every read races the stop signal.
import * as fs from 'fs';
import { Readable } from 'stream';
import { UserError } from '../errors';
import { alignedBuffers } from '../util/aligned';
import { displayName, isStdin } from '../util/stdin';
import { GunzipChunks, GunzipFailure } from './gunzip';
import { PipeChunks } from './pipe';

const FILE_CHUNK = 1 << 20;
// Chunk of the reused, aligned read buffers (a consumer that scans whole buffers natively): fewer,
// larger chunks cut the per-chunk cost (a read request, a promise, an ffi call: ~0.1 ms each).
const ALIGNED_CHUNK = 4 << 20;

export class InputStream {
  readonly name: string;
  /** Size of the file on disk (compressed size for .gz); null for pipes. */
  readonly totalBytes: number | null;
  /** Bytes read from the file so far (compressed bytes for .gz). */
  rawBytes = 0;
  /** Bytes handed out by next() (decompressed bytes for .gz), not counting chunks given back. */
  delivered = 0;
  gzip = false;
  /**
   * Set by a consumer that never holds a chunk past its next call to next(): plain files are then
   * read into two alternating buffers (one being read ahead while the other is scanned) instead of
   * a fresh 1 MiB Buffer per read, which keeps RSS flat whatever the input size (fresh Buffers
   * wait for a garbage collection to be freed, and a scan that allocates little triggers few).
   * Gzip data is inflated into such a pair too, and its compressed chunks are used up one at a
   * time, so they are read into a pair whatever the consumer does.
   */
  reuseBuffers = false;
  private raw: Readable | null;
  private pipe: PipeChunks | null = null;
  private fd: number | null = null;
  private reading: Promise<unknown> = Promise.resolve();
  private gunzip: GunzipChunks | null = null;
  private it: AsyncIterator<Buffer>;
  private readonly onStop: () => void;
  // Chunks already read (format sniffing), handed out again before the stream resumes.
  private readonly unread: Buffer[] = [];
  private ended = false;

  private constructor(file: string, private readonly signal: AbortSignal) {
    this.name = displayName(file);
    let named: AsyncGenerator<Buffer> | null = null;
    if (isStdin(file)) {
      this.totalBytes = null;
      this.raw = null;
      let st: fs.Stats | null = null;
      try {
        st = fs.fstatSync(0);
      } catch {
        st = null;
      }
      // A pipe or socket (the live path): fixed buffers. A redirected file: read like a file.
      if (st?.isFIFO() || st?.isSocket()) this.pipe = new PipeChunks(0, ALIGNED_CHUNK, () => this.rawCopies());
      else if (st?.isFile()) this.fd = 0;
      else this.raw = process.stdin;
    } else {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UserError(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot open (${code ?? (e as Error).message})`}`);
      }
      if (st.isDirectory()) throw new UserError(`${file}: is a directory, not a trace log`);
      this.totalBytes = st.isFile() ? st.size : null;
      if (st.isFile()) {
        try {
          this.fd = fs.openSync(file, 'r');
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw new UserError(`${file}: cannot open (${code ?? (e as Error).message})`);
        }
        this.raw = null;
      } else if (st.isFIFO()) {
        // A named pipe: fixed buffers, as for a pipe on stdin (opened without blocking the thread).
        this.raw = null;
        named = this.namedPipeChunks(file);
      } else {
        this.raw = fs.createReadStream(file, { highWaterMark: FILE_CHUNK });
      }
    }
    this.it = (named ?? (this.pipe ? this.pipeChunks(this.pipe) : this.raw ? this.counted(this.raw) : this.fileChunks(this.fd!)))[Symbol.asyncIterator]();
    this.onStop = (): void => this.destroy();
    signal.addEventListener('abort', this.onStop, { once: true });
  }

  /** Opens an input and switches to decompressed bytes when it is gzip data. */
  static async open(file: string, signal: AbortSignal): Promise<InputStream> {
    const input = new InputStream(file, signal);
    const first = await input.pull();
    if (first) {
      if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) input.startGunzip(first);
      else input.unread.push(first);
    }
    return input;
  }

  /** Whether a raw chunk must be a copy: the consumer may hold it (and no gunzip uses it up first). */
  private rawCopies(): boolean {
    return !this.reuseBuffers && !this.gzip;
  }

  private readInto(fd: number, buf: Buffer): Promise<number> {
    const r = new Promise<number>((resolve, reject) => {
      fs.read(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n)));
    });
    this.reading = r.catch(() => undefined);
    return r;
  }

  /** A plain file's chunks, the next one always being read while the current one is used. */
  private async *fileChunks(fd: number): AsyncGenerator<Buffer> {
    // Fresh buffers while the consumer may hold chunks; the aligned pair once it reuses them.
    let pair: Buffer[] | null = null;
    const next = (i: number): Buffer => {
      if (this.rawCopies()) return Buffer.allocUnsafeSlow(FILE_CHUNK);
      return (pair ??= alignedBuffers(ALIGNED_CHUNK, 2))[i];
    };
    let i = 0;
    let cur = next(i);
    let pending = this.readInto(fd, cur);
    for (;;) {
      const n = await pending;
      if (n === 0 || this.fd === null) return;
      const chunk = cur.subarray(0, n);
      this.rawBytes += n;
      // The consumer asked for this chunk, so it is done with the previous one, whose buffer is
      // the other one: read ahead into it, unless the consumer may still hold chunks.
      i ^= 1;
      cur = next(i);
      pending = this.readInto(fd, cur);
      pending.catch(() => undefined);
      yield chunk;
    }
  }

  private async *pipeChunks(pipe: PipeChunks): AsyncGenerator<Buffer> {
    for (let c = await pipe.next(); c; c = await pipe.next()) {
      this.rawBytes = pipe.bytes;
      yield c;
    }
  }

  private async *namedPipeChunks(file: string): AsyncGenerator<Buffer> {
    const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, n) => (err ? reject(err) : resolve(n))));
    if (this.ended || this.signal.aborted) {
      fs.close(fd, () => undefined);
      return;
    }
    this.pipe = new PipeChunks(fd, ALIGNED_CHUNK, () => this.rawCopies(), true);
    yield* this.pipeChunks(this.pipe);
  }

  private async *counted(stream: Readable): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      this.rawBytes += b.length;
      yield b;
    }
  }

  private startGunzip(first: Buffer): void {
    this.gzip = true;
    const rawIt = this.it;
    const raw = async (): Promise<Buffer | null> => {
      const r = await rawIt.next();
      return r.done ? null : r.value;
    };
    this.gunzip = new GunzipChunks(first, raw, ALIGNED_CHUNK, () => !this.reuseBuffers);
    this.it = this.gunzip[Symbol.asyncIterator]();
  }

  /** The next chunk (raw or gunzipped), or null at the end of the data or once stopped. */
  async next(): Promise<Buffer | null> {
    const c = this.unread.length ? this.unread.shift()! : await this.pull();
    if (c) this.delivered += c.length;
    return c;
  }

  /** Gives chunks back so that the next calls return them first. */
  unshift(chunks: Buffer[]): void {
    for (const c of chunks) this.delivered -= c.length;
    this.unread.unshift(...chunks);
  }

  private async pull(): Promise<Buffer | null> {
    if (this.ended || this.signal.aborted) return null;
    let r: IteratorResult<Buffer> | null;
    const read = this.it.next();
    // Once stopped, the abandoned read may still fail as the stream is destroyed: nobody waits for it.
    read.catch(() => undefined);
    // A stop promise of this call's own, let go of once the read settles: one long-lived promise
    // raced by every call would keep a reaction per call, and with it every chunk ever read.
    let onAbort: () => void = () => undefined;
    const stopped = new Promise<null>((resolve) => {
      onAbort = (): void => resolve(null);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      r = await Promise.race([read, stopped]);
    } catch (e) {
      if (this.signal.aborted) return null;
      throw this.readError(e as NodeJS.ErrnoException);
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
    if (r === null || r.done) {
      this.ended = true;
      return null;
    }
    return r.value;
  }

  private readError(e: NodeJS.ErrnoException): UserError {
    // The byte is the compressed offset where inflating stopped.
    if (e instanceof GunzipFailure) return new UserError(`${this.name}: byte ${e.at}: ${e.message}`);
    return new UserError(`${this.name}: read error (${e.code ?? e.message})`);
  }

  private destroy(): void {
    this.gunzip?.close();
    // Leave fd 0 itself open; destroying the stream stops reading and lets the process exit.
    this.raw?.destroy();
    this.pipe?.destroy();
    const fd = this.fd;
    // fd 0 (stdin redirected from a file) is not ours to close.
    if (fd === 0) this.fd = null;
    else if (fd !== null) {
      this.fd = null;
      // Not while a read on it is in flight: the number could be reused by then.
      void this.reading.then(() => fs.close(fd, () => undefined));
    }
  }

  close(): void {
    this.signal.removeEventListener('abort', this.onStop);
    this.ended = true;
    this.destroy();
  }
}
