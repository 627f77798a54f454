// Streaming .msixtrace reader: holds one packet (at most one batch) in memory at a time. A file
// that ends before its footer, or whose bytes do not parse, is an error with the byte offset,
// raised after the complete batches before it have been handed out.
import * as fs from 'fs';
import { EventBatch } from '../events';
import { ioError, UserError } from '../errors';
import { FORMAT_VERSION } from '../version';
import { alignedBuffers, padTo64 } from '../util/aligned';
import { escapeControls } from '../util/escape';
import { displayName, isStdin } from '../util/stdin';
import type { GunzipSync } from '../util/gunzip-sync';
import { BatchDecoder, DecodeError, NativeDecoder } from '../native/decode';
import { MAX_BATCH } from './batch-codec';
import { decodeFooter, decodeHeader, Footer, Header } from './schema';
import { varintAt, varintEnd, VARINT_TOO_LONG, WireError } from './wire';
import { PACKET_EVENTS, PACKET_FOOTER, PACKET_HEADER } from './packets';

const CHUNK = 1 << 20;
const MAX_PACKET = 64 << 20;

export interface ReadOptions {
  /** Stop quietly at the first damaged packet instead of failing (keeps the complete batches). */
  salvage?: boolean;
}

// The gzip reader (a worker thread) is loaded only for a gzipped trace: worker_threads costs a
// plain replay's start-up a few ms.
let gunzipMod: typeof import('../util/gunzip-sync') | null = null;
function gunzipSync(): typeof import('../util/gunzip-sync') {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (gunzipMod ??= require('../util/gunzip-sync') as typeof import('../util/gunzip-sync'));
}

function isGzip(fd: number): boolean {
  const magic = Buffer.alloc(2);
  const got = fs.readSync(fd, magic, 0, 2, 0);
  return got === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
}

export class TraceReader {
  readonly file: string;
  readonly header: Header;
  footer: Footer | null = null;
  /** Set when salvage stopped early: the reason and byte offset. */
  damage: string | null = null;
  private fd: number;
  private readonly ownsFd: boolean;
  // A gzipped trace (`t.msixtrace.gz`) is inflated as it is read, never to disk.
  private gz: GunzipSync | null = null;
  // Aligned, and every read lands on a 64-byte boundary (src/util/aligned.ts): read() into the
  // window was a sixth of a one-model replay's time on the decoding thread.
  private win = alignedBuffers(CHUNK * 2)[0];
  private winStart = 0; // file offset of win[0]
  private winLen = 0;
  private eof = false;
  private pos = 0; // file offset of the next packet
  private decoder: BatchDecoder = NativeDecoder.create();

  constructor(file: string, private readonly opts: ReadOptions = {}) {
    this.file = displayName(file);
    if (isStdin(file)) {
      this.fd = 0;
      this.ownsFd = false;
    } else {
      try {
        this.fd = fs.openSync(file, 'r');
      } catch (e) {
        throw ioError('open', this.file, e);
      }
      this.ownsFd = true;
      if (fs.fstatSync(this.fd).isDirectory()) throw new UserError(`${this.file}: is a directory, not a .msixtrace file`);
      if (isGzip(this.fd)) this.gz = new (gunzipSync().GunzipSync)(file);
    }
    if (!this.nextPacket()) throw this.error(0, 'empty file, not a .msixtrace trace');
    const firstAt = this.pkAt;
    if (this.pkKind !== PACKET_HEADER) throw this.error(firstAt, 'not a .msixtrace file (first packet is not a header)');
    let header: Header;
    try {
      header = decodeHeader(this.win.subarray(this.pkStart, this.pkEnd));
    } catch (e) {
      throw this.error(firstAt, `corrupt header (${(e as Error).message})`);
    }
    if (header.formatVersion > FORMAT_VERSION) {
      throw this.error(firstAt, `written in format version ${header.formatVersion} by msixtrace ${escapeControls(header.toolVersion)}; this msixtrace reads version ${FORMAT_VERSION}: upgrade msixtrace`);
    }
    if (header.formatVersion < 1) throw this.error(firstAt, 'not a .msixtrace file (no format version in header)');
    this.header = header;
  }

  /**
   * Hands the decoding of every following batch to another decoder, e.g. the replay pipeline,
   * which decodes and feeds the models in one call.
   */
  useDecoder(d: BatchDecoder): void {
    this.decoder = d;
  }

  error(byte: number, what: string): UserError {
    // Bytes of a .gz that do not parse: a broken gzip stream under them is the real cause.
    const gz = this.gz?.failure();
    if (gz) return new UserError(`${this.file}: byte ${gz.at}: ${gz.truncated ? 'truncated gzip data' : `bad gzip data (${gz.message})`}`);
    return new UserError(`${this.file}: byte ${byte}: ${what}`);
  }

  private readMore(): boolean {
    if (this.eof) return false;
    // Keep the unread tail, drop what was consumed; the tail goes where the read after it is aligned.
    const keepFrom = Math.max(0, this.pos - this.winStart);
    const tail = this.winLen - keepFrom;
    const pad = padTo64(tail);
    if (pad + tail + CHUNK > this.win.length) {
      const next = alignedBuffers(Math.max(this.win.length * 2, pad + tail + CHUNK))[0];
      this.win.copy(next, pad, keepFrom, this.winLen);
      this.win = next;
    } else if (keepFrom !== pad) {
      this.win.copy(this.win, pad, keepFrom, this.winLen);
    }
    this.winStart += keepFrom - pad;
    this.winLen = pad + tail;
    let got: number;
    for (;;) {
      try {
        got = this.gz ? this.gz.read(this.win, this.winLen, CHUNK) : fs.readSync(this.fd, this.win, this.winLen, CHUNK, null);
        break;
      } catch (e) {
        if (this.gz && e instanceof gunzipSync().GunzipError) {
          // The offset is in the compressed file: where its data broke off.
          const f = e.failure;
          throw this.error(f.at, f.truncated ? 'truncated gzip data' : `bad gzip data (${f.message})`);
        }
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EOF') { got = 0; break; }
        throw ioError('read', this.file, e);
      }
    }
    if (got === 0) {
      this.eof = true;
      return false;
    }
    this.winLen += got;
    return true;
  }

  /** Ensures bytes [pos, pos+need) of the file are in the window; false at end of file. */
  private have(need: number): boolean {
    while (this.pos - this.winStart + need > this.winLen) {
      if (!this.readMore()) return false;
    }
    return true;
  }

  // The last packet nextPacket() found: its kind, the window span of its message, its file offset.
  private pkKind = 0;
  private pkStart = 0;
  private pkEnd = 0;
  private pkAt = 0;
  private vpos = 0; // varint cursor (window index)

  /** Unsigned varint at this.vpos below `end` (window indexes); -1 when it runs past `end`. */
  private varintAt(end: number): number {
    const v = varintAt(this.win, this.vpos, end);
    if (v === VARINT_TOO_LONG) throw this.error(this.winStart + this.vpos + 8, 'varint too large');
    if (v >= 0) this.vpos = varintEnd.pos;
    return v;
  }

  /** Reads the next packet into pk*; false at a clean end of file. No allocation. */
  private nextPacket(): boolean {
    const at = this.pos;
    if (!this.have(1)) return false;
    // Tag + two length varints fit in 12 bytes; a shorter tail is checked field by field below.
    this.have(12);
    const base = this.winStart;
    const avail = this.winLen;
    this.vpos = at - base;
    const tag = this.varintAt(avail);
    if (tag < 0) throw this.error(base + this.vpos, 'varint runs past the end of its message');
    if (tag !== 0x0a) throw this.error(at, `not a Trace packet (tag 0x${tag.toString(16)})`);
    const len = this.varintAt(avail);
    if (len < 0) throw this.error(base + avail, 'varint runs past the end of its message');
    if (len > MAX_PACKET) throw this.error(at, `packet length ${len} is implausible (corrupt data)`);
    const bodyAt = this.vpos + base;
    this.pos = at; // keep the whole packet in the window while reading it
    if (!this.have(bodyAt - at + len)) {
      throw this.error(at, `truncated: packet of ${len} bytes at byte ${bodyAt} runs past the end of the file (${this.winStart + this.winLen} bytes)`);
    }
    const bodyEnd = bodyAt - this.winStart + len;
    this.vpos = bodyAt - this.winStart;
    const ptag = this.varintAt(bodyEnd);
    if (ptag < 0) throw this.error(this.winStart + this.vpos, 'varint runs past the end of its message');
    const kind = ptag >> 3;
    if ((ptag & 7) !== 2 || kind < 1 || kind > 3) throw this.error(bodyAt, `unknown packet kind (tag 0x${ptag.toString(16)})`);
    const mlen = this.varintAt(bodyEnd);
    if (mlen < 0) throw this.error(this.winStart + this.vpos, 'varint runs past the end of its message');
    if (this.vpos + mlen !== bodyEnd) throw this.error(bodyAt, 'packet length disagrees with its message length (corrupt data)');
    this.pkKind = kind;
    this.pkStart = this.vpos;
    this.pkEnd = bodyEnd;
    this.pkAt = at;
    this.pos = bodyAt + len;
    return true;
  }

  /** Smallest and largest ts_ns of the batch last yielded. */
  tsMin = 0;
  tsMax = 0;

  /** Yields each batch in order, reusing one EventBatch; checks the footer at the end. */
  *batches(batch = new EventBatch(MAX_BATCH)): Generator<EventBatch> {
    let events = 0;
    let batches = 0;
    const ndev = this.header.devices.length;
    for (;;) {
      const nat = this.decoder;
      try {
        if (!this.nextPacket()) throw this.error(this.pos, `truncated: the file ends after ${batches} complete batches (${events} events) with no footer`);
        if (this.pkKind === PACKET_FOOTER) {
          let footer: Footer;
          try {
            footer = decodeFooter(this.win.subarray(this.pkStart, this.pkEnd));
          } catch (e) {
            throw this.error(this.pkAt, `corrupt footer (${(e as Error).message})`);
          }
          if (footer.events !== events || footer.batches !== batches) {
            throw this.error(this.pkAt, `footer counts ${footer.events} events in ${footer.batches} batches, the file holds ${events} in ${batches}`);
          }
          if (this.have(1)) throw this.error(this.pos, 'data after the footer');
          this.footer = footer;
          this.close();
          return;
        }
        if (this.pkKind !== PACKET_EVENTS) throw this.error(this.pkAt, 'second header inside the trace');
        try {
          nat.decode(this.win, this.pkStart, this.pkEnd, batch, ndev);
        } catch (e) {
          if (e instanceof DecodeError) throw this.error(this.winStart + e.offset, e.message);
          throw e;
        }
        this.tsMin = nat.tsMin;
        this.tsMax = nat.tsMax;
      } catch (e) {
        if (this.opts.salvage && e instanceof UserError) {
          this.damage = e.message;
          this.close();
          return;
        }
        this.close();
        throw e;
      }
      events += batch.n;
      batches++;
      yield batch;
    }
  }

  close(): void {
    this.gz?.close();
    if (this.ownsFd) {
      try { fs.closeSync(this.fd); } catch { /* closed */ }
    }
  }
}
