// Streaming .msixtrace writer: Header packet, one EventBatch packet per full batch, Footer packet;
// the file is renamed into place only by finish(), so readers never see half a trace.
//
// Batches are encoded by the native encoder (src/native/encode.ts). The writer's own full batch is
// encoded on another thread while events go into a second batch: `batch` then alternates between
// two EventBatches, so callers that fill it directly must read it again after flush().
import { UserError } from '../errors';
import { EventBatch } from '../events';
import { AtomicFile } from '../util/atomic';
import { FORMAT_VERSION, TOOL_VERSION } from '../version';
import { MAX_BATCH } from './batch-codec';
import { NativeBatchEncoder, refusal, THREAD_MIN_EVENTS } from '../native/encode';
import { Device, encodeFooter, encodeHeader, Footer, Header } from './schema';
import { PACKET_EVENTS, PACKET_FOOTER, PACKET_HEADER } from './packets';
import { varintSize, WireWriter } from './wire';

// The longest packet a reader accepts (src/tracefile/reader.ts refuses longer ones as corrupt).
export const MAX_PACKET_BYTES = 64 << 20;

export { PACKET_EVENTS, PACKET_FOOTER, PACKET_HEADER } from './packets';

export interface WriterInit {
  sourceFormat: string;
  sourceFiles?: string[];
  devices: Device[];
  traceStartUnixNs?: bigint;
  notes?: string[];
}

export interface WriterOptions {
  /** Events per batch (1..65536, default 65536). */
  batchSize?: number;
}

export class TraceWriter {
  /** The batch being filled (one of two when batches are encoded on another thread). */
  batch: EventBatch;
  private spare: EventBatch | null = null;
  private pending: { b: EventBatch; body: WireWriter } | null = null;
  private spareBody: WireWriter | null = null;
  readonly header: Header;
  private readonly file: AtomicFile;
  private readonly encoder: NativeBatchEncoder;
  private readonly body = new WireWriter(4 << 20);
  private readonly frame = new WireWriter(32);
  private readonly limit: number;
  events = 0;
  batches = 0;
  /** The footer seal() wrote, until commit() publishes the file. */
  private sealed: Footer | null = null;

  /** batchSize as a number is the older form of { batchSize }. */
  constructor(target: string, init: WriterInit, options: WriterOptions | number = {}) {
    const opts = typeof options === 'number' ? { batchSize: options } : options;
    const batchSize = opts.batchSize ?? MAX_BATCH;
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
    // Checked before the file exists: a capture writes only files the reader accepts.
    const head = encodeHeader(this.header);
    if (1 + varintSize(head.length) + head.length > MAX_PACKET_BYTES) {
      throw new UserError(`${target}: the trace header would take ${(head.length / 2 ** 20).toFixed(1)} MiB (${init.devices.length} devices, ${this.header.notes.length} notes, ${this.header.sourceFiles.length} source files); a trace header holds at most 64 MiB`);
    }
    this.file = new AtomicFile(target);
    try {
      this.packet(PACKET_HEADER, head);
      this.encoder = new NativeBatchEncoder();
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

  /**
   * Writes out the pending events of this.batch (callers that fill this.batch directly flush at
   * `batchLimit`, then take this.batch again: it may be the other batch now).
   */
  flush(): void {
    const b = this.batch;
    if (b.n === 0) return;
    if (b.n >= THREAD_MIN_EVENTS) {
      this.settle();
      const body = (this.spareBody ??= new WireWriter(4 << 20));
      body.reset();
      if (this.encoder.start(b, body, this.header.devices.length)) {
        this.pending = { b, body };
        this.events += b.n;
        this.batches++;
        this.batch = (this.spare ??= new EventBatch(this.limit));
        this.spare = b;
        this.batch.clear();
        return;
      }
    }
    this.writeBatch(b);
    b.clear();
  }

  /** Waits for the batch being encoded on the other thread and writes its packet. */
  private settle(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    if (!this.encoder.finish()) throw this.refused(p.b);
    this.packet(PACKET_EVENTS, p.body.buf, p.body.pos);
    p.b.clear();
  }

  private refused(b: EventBatch): Error {
    return new Error(`internal: the batch encoder refused ${refusal(b, this.header.devices.length)}`);
  }

  /** Writes any batch of at most 65536 events as one packet. */
  writeBatch(b: EventBatch): void {
    if (b.n === 0) return;
    this.settle();
    this.body.reset();
    if (!this.encoder.encode(b, this.body, this.header.devices.length)) throw this.refused(b);
    this.packet(PACKET_EVENTS, this.body.buf, this.body.pos);
    this.events += b.n;
    this.batches++;
  }

  /** Writes the footer and renames the file into place. */
  finish(extra: Partial<Footer> = {}): Footer {
    const footer = this.seal(extra);
    this.commit();
    return footer;
  }

  /**
   * Writes what is left and the footer, without publishing the file yet: a caller that can be
   * stopped by a signal lets the event loop run between seal() and commit(), so that a signal
   * which arrived during the (synchronous) encoding is handled before the output is in place.
   */
  seal(extra: Partial<Footer> = {}): Footer {
    let footer: Footer;
    try {
      this.flush();
      this.settle();
      footer = {
        events: this.events, batches: this.batches, interrupted: false, sourceLines: 0, sourceLostEvents: 0, ...extra,
      };
      this.packet(PACKET_FOOTER, encodeFooter(footer));
    } catch (e) {
      this.file.abort();
      this.encoder?.close();
      throw e;
    }
    this.sealed = footer;
    return footer;
  }

  /** Publishes the file seal() completed (fsync, rename, fsync the folder). */
  commit(): void {
    if (!this.sealed) throw new Error('internal: commit before seal');
    try {
      this.file.commit();
    } catch (e) {
      this.file.abort();
      throw e;
    } finally {
      this.encoder.close();
    }
  }

  abort(): void {
    this.encoder.close();
    this.file.abort();
  }
}
