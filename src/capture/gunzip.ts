// A gzipped log (a .log.gz file, or gzip data on a pipe) inflated as a stream of chunks in fixed
// memory: two alternating output buffers, one inflated into by zlib on a thread of libuv's pool
// (src/native/gunzip.ts) while the consumer scans the other. node's zlib stream allocated a fresh
// Buffer per 256 KiB of output, which only a garbage collection frees; a native scan triggers few,
// and a capture of 1 GB of gzipped text reached 245 MB.
import { alignedBuffers } from '../util/aligned';
import { CorruptGzip, NativeGunzip } from '../native/gunzip';

/** Why the data could not be inflated, and where: compressed bytes consumed before the failure. */
export class GunzipFailure extends Error {
  constructor(message: string, readonly truncated: boolean, readonly at: number) {
    super(message);
  }
}

export class GunzipChunks {
  private readonly gz = new NativeGunzip();
  private readonly outs: Buffer[];
  private cur = 0; // buffer the pending inflation fills
  private pending: Promise<number> | null;
  private input: Buffer | null;
  private inPos = 0;
  private inputDone = false;
  private stopped = false;
  /** Compressed bytes inflated so far. */
  consumed = 0;

  /**
   * `first`: the compressed bytes already read; `raw`: the next compressed chunk, or null at the end
   * (each is used up before the next is asked for, so raw may reuse its buffers); `copy`: whether the
   * consumer may hold a chunk past its next call (then it gets a copy).
   */
  constructor(first: Buffer, private readonly raw: () => Promise<Buffer | null>, chunk: number, private readonly copy: () => boolean) {
    this.outs = alignedBuffers(chunk, 2);
    this.input = first;
    this.pending = this.inflate(this.outs[0]);
    this.pending.catch(() => undefined); // a failure shows when the chunk is asked for
  }

  /** Fills out with inflated bytes until it is full, the input read so far is used up, or the data
   * ends; the bytes filled (0 only at the end). */
  private async inflate(out: Buffer): Promise<number> {
    let filled = 0;
    while (filled < out.length && !this.inputDone && !this.stopped) {
      if (!this.input || this.inPos >= this.input.length) {
        // Hand over what is inflated before waiting for more input: a live gzip stream's lines
        // must not wait for a full buffer (a file's chunk inflates to many buffers anyway).
        if (filled > 0) break;
        this.input = await this.raw();
        this.inPos = 0;
        if (!this.input) {
          this.inputDone = true;
          if (!this.gz.atEnd()) {
            throw new GunzipFailure('truncated gzip data (the file ends inside the compressed stream)', true, this.consumed);
          }
          break;
        }
        continue;
      }
      let step;
      try {
        step = await this.gz.run(this.input, this.inPos, this.input.length, out, filled);
      } catch (e) {
        if (e instanceof CorruptGzip) throw new GunzipFailure(`corrupt gzip data (${e.message})`, false, this.consumed + e.used);
        throw e;
      }
      this.inPos += step.used;
      this.consumed += step.used;
      filled = step.filled;
      // The last member ended: what follows is zero padding, ignored (as gzip -d does).
      if (step.end) this.inputDone = true;
    }
    return filled;
  }

  /** The next inflated chunk, or null at the end. */
  async next(): Promise<Buffer | null> {
    if (!this.pending || this.stopped) return null;
    const n = await this.pending;
    const i = this.cur;
    if (n === 0) {
      this.pending = null;
      this.close();
      return null;
    }
    // The consumer asked for this chunk, so it is done with the other buffer: inflate into it now.
    this.cur ^= 1;
    this.pending = this.inflate(this.outs[this.cur]);
    this.pending.catch(() => undefined);
    const chunk = this.outs[i].subarray(0, n);
    return this.copy() ? Buffer.from(chunk) : chunk;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (let c = await this.next(); c; c = await this.next()) yield c;
  }

  /** Stops inflating; the inflater is freed once a run on a pool thread has returned. */
  close(): void {
    this.stopped = true;
    this.gz.close();
  }
}
