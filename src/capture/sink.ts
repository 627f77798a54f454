// Where kept accesses go. With the geometry known up front the trace file is opened at the first
// kept access and batches are written as they fill (live capture from a pipe). When the log itself
// declares the geometry as it goes (mmiotrace MAP lines), the device list is final only at the
// end, so events wait in memory until then.
import { EventBatch } from '../events';
import { Footer } from '../tracefile/schema';
import { TraceWriter, WriterInit } from '../tracefile/writer';
import { fastMode } from './fastpath';

export class EventSink {
  private writer: TraceWriter | null = null;
  private readonly held: EventBatch[] = [];

  constructor(private readonly output: string, private readonly deferred: boolean, private readonly init: () => WriterInit) {}

  get events(): number {
    if (this.writer) return this.writer.events + this.writer.batch.n;
    return this.held.reduce((a, b) => a + b.n, 0);
  }

  push(ts: number, guest: number, vcpu: number, device: number, region: number, offset: number, size: number,
       dir: number, lo: number, hi: number): void {
    if (this.deferred) {
      let b = this.held[this.held.length - 1];
      if (!b || b.full) this.held.push((b = new EventBatch()));
      b.push(ts, guest, vcpu, device, region, offset, size, dir, lo, hi);
      return;
    }
    (this.writer ??= this.open()).push(ts, guest, vcpu, device, region, offset, size, dir, lo, hi);
  }

  private open(): TraceWriter {
    // MSIXTRACE_FAST=never: the JavaScript reference all the way, batch encoder included.
    return new TraceWriter(this.output, this.init(), fastMode() === 'never' ? { encoder: null } : {});
  }

  /** The open writer when events go straight to it (its batch may be filled directly), else null. */
  get direct(): TraceWriter | null {
    return this.deferred ? null : this.writer;
  }

  finish(footer: Partial<Footer>): Footer {
    if (this.deferred) {
      this.writer = this.open();
      for (const b of this.held) this.writer.writeBatch(b);
      this.held.length = 0;
    }
    if (!this.writer) throw new Error('internal: finish without events');
    return this.writer.finish(footer);
  }

  abort(): void {
    this.writer?.abort();
    this.writer = null;
    this.held.length = 0;
  }
}
