// A pipe or socket input (`trace_pipe | msixtrace capture -`) read into two alternating buffers
// that are filled read after read, instead of a fresh 64 KiB Buffer per read as a Readable gives:
// those are freed only by a garbage collection, which a native scan that allocates little seldom
// triggers, so a long live capture grew with its input. Here memory is fixed, and a consumer gets
// everything that arrived while it scanned the previous chunk as one chunk (fewer, larger chunks:
// one scan call each).
import * as net from 'net';
import { alignedBuffers } from '../util/aligned';

// Every read lands in a scratch buffer of this size and is copied to the tail of the buffer being
// filled: node asks for the next read's buffer before the consumer may have taken the current one,
// so reading straight into the pair could land bytes in a buffer already handed out. Below this
// much room the buffer counts as full and reading pauses until the consumer takes it.
const READ_MAX = 256 << 10;
// A chunk is handed out once it holds this much, or when the pipe has stayed quiet for COALESCE_MS
// since the consumer asked: a pipe delivers 64 KiB per read, and every chunk costs the consumer a
// scan call, so a fast writer's data is gathered into large chunks, while a slow live tracer's
// lines still arrive within milliseconds.
const COALESCE_BYTES = 1 << 20;
const COALESCE_MS = 5;

export class PipeChunks {
  private readonly bufs: Buffer[];
  private readonly scratch = Buffer.allocUnsafeSlow(READ_MAX);
  private cur = 0; // buffer being filled
  private fill = 0;
  private ended = false;
  private error: Error | null = null;
  private paused = false;
  private wake: (() => void) | null = null;
  private readonly socket: net.Socket;
  /** Bytes read so far. */
  bytes = 0;

  constructor(fd: number, chunk: number, private readonly copy: () => boolean) {
    this.bufs = alignedBuffers(chunk, 2);
    // onread (node >= 12) reads straight into a buffer of ours; @types/node leaves it out of the
    // Socket options' type.
    this.socket = new net.Socket({
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: this.scratch,
        callback: (n: number) => this.onRead(n),
      },
    } as net.SocketConstructorOpts);
    this.socket.on('end', () => this.settle(() => (this.ended = true)));
    this.socket.on('error', (e) => this.settle(() => (this.error = e)));
    this.socket.resume();
  }

  private onRead(n: number): boolean {
    this.scratch.copy(this.bufs[this.cur], this.fill, 0, n);
    this.fill += n;
    this.bytes += n;
    const room = this.fill <= this.bufs[this.cur].length - READ_MAX;
    if (!room) this.paused = true;
    this.settle(() => undefined);
    // false pauses the socket: the buffer is full until the consumer takes it
    return room;
  }

  private settle(change: () => void): void {
    change();
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The bytes that arrived since the last call (waiting for some), or null at the end. */
  async next(): Promise<Buffer | null> {
    while (this.fill === 0 && !this.ended && !this.error) await new Promise<void>((r) => (this.wake = r));
    if (this.fill < COALESCE_BYTES && !this.ended && !this.error && !this.paused) {
      const until = Date.now() + COALESCE_MS;
      let timer: NodeJS.Timeout | null = null;
      while (this.fill < COALESCE_BYTES && !this.ended && !this.error && !this.paused) {
        const left = until - Date.now();
        if (left <= 0) break;
        await new Promise<void>((r) => {
          this.wake = r;
          timer = setTimeout(r, left);
        });
        if (timer) clearTimeout(timer);
      }
    }
    if (this.fill === 0) {
      if (this.error) throw this.error;
      return null;
    }
    const chunk = this.bufs[this.cur].subarray(0, this.fill);
    // The caller is done with the other buffer (it asked for the next chunk): fill that one now.
    this.cur ^= 1;
    this.fill = 0;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    return this.copy() ? Buffer.from(chunk) : chunk;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (let c = await this.next(); c; c = await this.next()) yield c;
  }

  destroy(): void {
    this.ended = true;
    this.socket.destroy();
    this.settle(() => undefined);
  }
}
