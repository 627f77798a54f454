// A pipe or socket input (`trace_pipe | msixtrace capture -`) read into two alternating buffers:
// while the consumer scans one chunk, a thread of libuv's pool fills the other (native/capture/pipe.c
// through src/native/pipe.ts). Memory is fixed whatever the length of the input, the writer is
// drained while the scan runs instead of waiting for it, and a chunk is one native call however many
// 64 KiB reads it took (a JavaScript callback per read, as a net.Socket makes, cost more than the
// scan of the bytes it brought).
import * as fs from 'fs';
import { alignedBuffers } from '../util/aligned';
import { pipeFill, pipeGrow, Fill } from '../native/pipe';

// A fill returns once its buffer is full (with a writer faster than the scan every fill comes back
// full; 4 MiB chunks cost 0.2 s less per 500 MB than 1 MiB ones), or once its first bytes have
// waited this long, so a slow live tracer's lines still reach the output within milliseconds.
const HOLD_MS = 5;
// With nothing to read a fill gives up after this long and is asked again: no pool thread stays
// blocked in read() for long after a capture was stopped.
const IDLE_MS = 100;
// The pipe's own buffer is asked to grow to this (the default unprivileged limit, fs.pipe-max-size),
// so the writer is not stopped every 64 KiB while a chunk is scanned.
const PIPE_BYTES = 1 << 20;

export class PipeChunks {
  private readonly bufs: Buffer[];
  private cur = 0; // buffer the pending fill reads into
  private pending: Promise<Fill> | null;
  private ended = false;
  private finished = false;
  /** Bytes read so far. */
  bytes = 0;

  /**
   * `copy` says whether the consumer may hold a chunk past its next call (then it gets a copy);
   * `closeFd` whether the descriptor is ours to close at the end (a named pipe we opened, not fd 0).
   */
  constructor(private readonly fd: number, chunk: number, private readonly copy: () => boolean, private readonly closeFd = false) {
    this.bufs = alignedBuffers(chunk, 2);
    pipeGrow(fd, PIPE_BYTES);
    this.pending = this.fill();
  }

  private fill(): Promise<Fill> {
    const p = pipeFill(this.fd, this.bufs[this.cur], this.bufs[this.cur].length, HOLD_MS, IDLE_MS);
    p.catch(() => undefined); // a fill abandoned by destroy() may still fail: nobody waits for it
    return p;
  }

  /** The bytes that arrived since the last call (waiting for some), or null at the end. */
  async next(): Promise<Buffer | null> {
    while (this.pending && !this.ended) {
      const { bytes, eof } = await this.pending;
      if (this.ended) break;
      const i = this.cur;
      if (bytes === 0 && !eof) {
        this.pending = this.fill(); // quiet for IDLE_MS: ask again
        continue;
      }
      this.bytes += bytes;
      // The consumer asked for this chunk, so it is done with the previous one, whose buffer is the
      // other one: fill that one while this one is scanned.
      this.cur ^= 1;
      this.pending = eof ? null : this.fill();
      if (bytes === 0) break;
      const chunk = this.bufs[i].subarray(0, bytes);
      return this.copy() ? Buffer.from(chunk) : chunk;
    }
    this.finish();
    return null;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = this.ended = true;
    const last = this.pending ?? Promise.resolve();
    this.pending = null;
    // Not while a fill reads it: the number could be reused by then.
    const close = (): void => fs.close(this.fd, () => undefined);
    if (this.closeFd) void last.then(close, close);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (let c = await this.next(); c; c = await this.next()) yield c;
  }

  destroy(): void {
    this.finish();
  }
}
