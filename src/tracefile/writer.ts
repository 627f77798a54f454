// Streaming .msixtrace writer: Header packet, one EventBatch packet per full batch, Footer packet;
// the file is renamed into place only by finish(), so readers never see half a trace.
import { EventBatch } from '../events';
import { AtomicFile } from '../util/atomic';
import { FORMAT_VERSION, TOOL_VERSION } from '../version';
import { BatchEncoder, MAX_BATCH } from './batch-codec';
import { Device, encodeFooter, encodeHeader, Footer, Header } from './schema';
import { varintSize, WireWriter } from './wire';

export const PACKET_HEADER = 1;
export const PACKET_EVENTS = 2;
export const PACKET_FOOTER = 3;

export interface WriterInit {
  sourceFormat: string;
  sourceFiles?: string[];
  devices: Device[];
  traceStartUnixNs?: bigint;
  notes?: string[];
}

export class TraceWriter {
  readonly batch: EventBatch;
  readonly header: Header;
  private readonly file: AtomicFile;
  private readonly encoder = new BatchEncoder();
  private readonly body = new WireWriter(4 << 20);
  private readonly frame = new WireWriter(32);
  private readonly limit: number;
  events = 0;
  batches = 0;

  constructor(target: string, init: WriterInit, batchSize = MAX_BATCH) {
    this.header = {
      formatVersion: FORMAT_VERSION,
      toolVersion: TOOL_VERSION,
      sourceFormat: init.sourceFormat,
      sourceFiles: init.sourceFiles ?? [],
      captureTimeUnixNs: BigInt(Date.now()) * 1000000n,
      traceStartUnixNs: init.traceStartUnixNs ?? 0n,
      devices: init.devices,
      notes: init.notes ?? [],
    };
    this.limit = Math.max(1, Math.min(batchSize, MAX_BATCH));
    this.batch = new EventBatch(this.limit);
    this.file = new AtomicFile(target);
    try {
      this.packet(PACKET_HEADER, encodeHeader(this.header));
    } catch (e) {
      this.file.abort();
      throw e;
    }
  }

  get batchLimit(): number {
    return this.limit;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.file.written;
  }

  private packet(kind: number, msg: Uint8Array | Buffer, len = msg.length): void {
    const f = this.frame;
    f.reset();
    const inner = 1 + varintSize(len) + len;
    f.tag(1, 2);
    f.varint(inner);
    f.tag(kind, 2);
    f.varint(len);
    this.file.write(f.buf, 0, f.pos);
    this.file.write(msg, 0, len);
  }

  /** Appends one event (value as exact 32-bit halves), writing the batch out when it fills. */
  push(ts: number, guest: number, vcpu: number, device: number, region: number, offset: number, size: number,
       dir: number, valueLo: number, valueHi: number): void {
    this.batch.push(ts, guest, vcpu, device, region, offset, size, dir, valueLo, valueHi);
    if (this.batch.n >= this.limit) this.flush();
  }

  /** Writes out the pending events of this.batch (callers that fill this.batch directly flush at `batchLimit`). */
  flush(): void {
    if (this.batch.n > 0) this.writeBatch(this.batch);
    this.batch.clear();
  }

  /** Writes any batch of at most 65536 events as one packet. */
  writeBatch(b: EventBatch): void {
    if (b.n === 0) return;
    const ndev = this.header.devices.length;
    for (let i = 0; i < b.n; i++) {
      if (b.device[i] >= ndev) throw new Error(`internal: event names device ${b.device[i]}, header has ${ndev}`);
    }
    this.body.reset();
    this.encoder.encode(b, this.body);
    this.packet(PACKET_EVENTS, this.body.buf, this.body.pos);
    this.events += b.n;
    this.batches++;
  }

  /** Writes the footer and renames the file into place. */
  finish(extra: Partial<Footer> = {}): Footer {
    this.flush();
    const footer: Footer = {
      events: this.events, batches: this.batches, interrupted: false, sourceLines: 0, sourceLostEvents: 0, ...extra,
    };
    try {
      this.packet(PACKET_FOOTER, encodeFooter(footer));
      this.file.commit();
    } catch (e) {
      this.file.abort();
      throw e;
    }
    return footer;
  }

  abort(): void {
    this.file.abort();
  }
}
