// Where kept accesses go. With the geometry known up front the trace file is opened at the first
// kept access and batches are written as they fill (live capture from a pipe). When the device list
// is final only at the end (mmiotrace MAP lines declare tables as the log goes; a host trace shows
// its VMs as it goes, each with its own devices), events wait until then: the last few batches in
// memory, full ones before them in a temporary file, so memory stays bounded whatever the length.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventBatch } from '../events';
import { Footer } from '../tracefile/schema';
import { TraceWriter, WriterInit } from '../tracefile/writer';
import { fastMode } from './fastpath';

// Full batches kept in memory before they go to the spill file.
const HELD_BATCHES = 2;

export class EventSink {
  private writer: TraceWriter | null = null;
  private readonly held: EventBatch[] = [];
  private spill: { dir: string; fd: number; batches: number; cap: number } | null = null;

  constructor(private readonly output: string, private readonly deferred: boolean, private readonly init: () => WriterInit) {}

  get events(): number {
    if (this.writer) return this.writer.events + this.writer.batch.n;
    return this.held.reduce((a, b) => a + b.n, 0) + (this.spill ? this.spill.batches * this.spill.cap : 0);
  }

  push(ts: number, guest: number, vcpu: number, device: number, region: number, offset: number, size: number,
       dir: number, lo: number, hi: number): void {
    if (this.deferred) {
      let b = this.held[this.held.length - 1];
      if (!b || b.full) {
        if (this.held.length >= HELD_BATCHES) b = this.spillOldest();
        else b = new EventBatch();
        this.held.push(b);
      }
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

  /** Writes the oldest held (full) batch to the spill file and hands it back, cleared, for reuse. */
  private spillOldest(): EventBatch {
    const b = this.held.shift()!;
    if (!this.spill) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msixtrace-capture-'));
      this.spill = { dir, fd: fs.openSync(path.join(dir, 'events'), 'w+'), batches: 0, cap: b.cap };
    }
    let at = 0;
    while (at < b.buf.length) at += fs.writeSync(this.spill.fd, b.buf, at, b.buf.length - at, this.spill.batches * b.buf.length + at);
    this.spill.batches++;
    b.clear();
    return b;
  }

  private dropSpill(): void {
    if (!this.spill) return;
    fs.closeSync(this.spill.fd);
    fs.rmSync(this.spill.dir, { recursive: true, force: true });
    this.spill = null;
  }

  finish(footer: Partial<Footer>): Footer {
    if (this.deferred) {
      this.writer = this.open();
      if (this.spill) {
        // Spilled batches were full: read each back into one batch and write it.
        const b = new EventBatch(this.spill.cap);
        for (let i = 0; i < this.spill.batches; i++) {
          let at = 0;
          while (at < b.buf.length) {
            const n = fs.readSync(this.spill.fd, b.buf, at, b.buf.length - at, i * b.buf.length + at);
            if (n === 0) throw new Error('internal: spill file shorter than written');
            at += n;
          }
          b.n = b.cap;
          this.writer.writeBatch(b);
        }
        this.dropSpill();
      }
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
    this.dropSpill();
  }
}
