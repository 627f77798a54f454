// Where kept accesses go. With the geometry known up front the trace file is opened at the first
// kept access and batches are written as they fill (live capture from a pipe). When the log itself
// declares the geometry as it goes (mmiotrace MAP lines), the device list is final only at the
// end, so events wait until then, in bounded memory (EventSpill: on disk past a few batches).
import { Footer } from '../tracefile/schema';
import { TraceWriter, WriterInit } from '../tracefile/writer';
import { EventBatch } from '../events';
import { EventSpill } from './spill';

/** A batch filled in place, and how to hand it on: a TraceWriter, or the EventSpill. */
export interface BatchTarget {
  /** Take it again after flush(): it may be another batch then. */
  readonly batch: EventBatch;
  readonly batchLimit: number;
  /** Writes out (or sets aside) the batch's events, full or not. */
  flush(): void;
}

export class EventSink {
  private writer: TraceWriter | null = null;
  private readonly held: EventSpill | null;

  constructor(private readonly output: string, private readonly deferred: boolean, private readonly init: () => WriterInit) {
    this.held = deferred ? new EventSpill() : null;
  }

  get events(): number {
    if (this.writer) return this.writer.events + this.writer.batch.n;
    return this.held?.events ?? 0;
  }

  push(ts: number, guest: number, vcpu: number, device: number, region: number, offset: number, size: number,
       dir: number, lo: number, hi: number): void {
    if (this.held) {
      this.held.push(ts, guest, vcpu, device, region, offset, size, dir, lo, hi);
      return;
    }
    (this.writer ??= this.open()).push(ts, guest, vcpu, device, region, offset, size, dir, lo, hi);
  }

  private open(): TraceWriter {
    return new TraceWriter(this.output, this.init());
  }

  /**
   * Where a native scan may fill batches in place: the open writer, or while events wait for the
   * device list (deferred), the batches set aside; null before the writer is opened.
   */
  get target(): BatchTarget | null {
    return this.held ?? this.writer;
  }

  /** The open writer when events go straight to it (its batch may be filled directly), else null. */
  get direct(): TraceWriter | null {
    return this.deferred ? null : this.writer;
  }

  /**
   * Writes the rest and the footer, then publishes the file after one turn of the event loop: a
   * second Ctrl-C (or SIGTERM) that came while the last batches were encoded is handled then, and
   * still aborts with the previous output in place.
   */
  async finish(footer: Partial<Footer>): Promise<Footer> {
    const sealed = this.seal(footer);
    await new Promise((resolve) => setImmediate(resolve));
    this.writer!.commit();
    return sealed;
  }

  private seal(footer: Partial<Footer>): Footer {
    if (this.held) {
      this.writer = this.open();
      try {
        for (const b of this.held.batches()) this.writer.writeBatch(b);
      } finally {
        this.held.close();
      }
    }
    if (!this.writer) throw new Error('internal: finish without events');
    return this.writer.seal(footer);
  }

  abort(): void {
    this.writer?.abort();
    this.writer = null;
    this.held?.close();
  }
}
