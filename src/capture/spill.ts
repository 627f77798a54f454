// Full event batches set aside on disk until the end of a capture (mmiotrace without --lspci: the
// log declares its tables as it goes, and the header, which lists the devices, comes first in the
// trace file). The first few batches stay in memory; later ones go to a file in a private
// temporary folder (mkdtemp: 0700, unpredictable name; the file created exclusively), so memory
// stays bounded whatever the log's length. Each batch is stored as its count and its whole buffer
// (the column layout of an EventBatch of DEFAULT_BATCH events), and read back one at a time.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../errors';
import { DEFAULT_BATCH, EventBatch } from '../events';

// Batches held in memory before spilling (~2 MB each).
const IN_MEMORY = 4;

export class EventSpill {
  private readonly held: EventBatch[] = [];
  private dir: string | null = null;
  private fd: number | null = null;
  private spilled = 0;
  private readonly count = Buffer.alloc(4);
  private readonly cleanup = (): void => this.close();
  /** Events set aside, in memory and on disk (the current batch's are not counted yet). */
  private settled = 0;

  /** Events held, in memory and on disk. */
  get events(): number {
    return this.settled + this.current.n;
  }

  /** The batch being filled (DEFAULT_BATCH events); full ones are set aside by push(). */
  private current = new EventBatch(DEFAULT_BATCH);

  /** Sets the current batch aside when full and starts a new one. */
  push(ts: number, guest: number, vcpu: number, device: number, region: number, offset: number, size: number,
       dir: number, lo: number, hi: number): void {
    this.current.push(ts, guest, vcpu, device, region, offset, size, dir, lo, hi);
    if (this.current.full) this.flush();
  }

  // A native scan fills the current batch in place (src/capture/fastpath-kvm.ts), as a TraceWriter's.

  /** The batch being filled: take it again after flush(). */
  get batch(): EventBatch {
    return this.current;
  }

  get batchLimit(): number {
    return DEFAULT_BATCH;
  }

  /** Sets the current batch aside (when it holds events) and starts the next. */
  flush(): void {
    const b = this.current;
    if (b.n === 0) return;
    this.settled += b.n;
    // A batch kept in memory needs a successor; a spilled one is cleared and filled again.
    if (this.setAside(b)) this.current = new EventBatch(DEFAULT_BATCH);
  }

  /** True when b is now held in memory, false when it was written out (and cleared). */
  private setAside(b: EventBatch): boolean {
    if (this.held.length < IN_MEMORY && this.fd === null) {
      this.held.push(b);
      return true;
    }
    if (this.fd === null) this.open();
    try {
      this.count.writeUInt32LE(b.n, 0);
      fs.writeSync(this.fd!, this.count);
      for (let at = 0; at < b.buf.length; ) at += fs.writeSync(this.fd!, b.buf, at, b.buf.length - at);
    } catch (e) {
      this.close();
      throw new UserError(`cannot set captured events aside in ${os.tmpdir()} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set TMPDIR to a folder with room`);
    }
    this.spilled++;
    b.clear();
    return false;
  }

  private open(): void {
    try {
      this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msixtrace-events-'));
      this.fd = fs.openSync(path.join(this.dir, 'batches'), 'wx+', 0o600);
    } catch (e) {
      this.close();
      throw new UserError(`cannot create a temporary file in ${os.tmpdir()} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set TMPDIR to a writable folder`);
    }
    process.on('exit', this.cleanup);
  }

  /** Every batch in order (the in-memory ones, then the spilled ones, then the current one). */
  *batches(): IterableIterator<EventBatch> {
    yield* this.held;
    if (this.fd !== null) {
      const b = new EventBatch(DEFAULT_BATCH);
      let pos = 0;
      for (let i = 0; i < this.spilled; i++) {
        fs.readSync(this.fd, this.count, 0, 4, pos);
        pos += 4;
        for (let at = 0; at < b.buf.length; ) {
          const n = fs.readSync(this.fd, b.buf, at, b.buf.length - at, pos + at);
          if (n === 0) throw new Error('internal: spilled batch file shorter than written');
          at += n;
        }
        pos += b.buf.length;
        b.n = this.count.readUInt32LE(0);
        yield b;
      }
    }
    if (this.current.n) yield this.current;
  }

  close(): void {
    process.removeListener('exit', this.cleanup);
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
    if (this.dir !== null) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
    }
    this.held.length = 0;
  }
}
