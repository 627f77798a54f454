// Streaming .msixtrace reader: holds one packet (at most one batch) in memory at a time. A file
// that ends before its footer, or whose bytes do not parse, is an error with the byte offset,
// raised after the complete batches before it have been handed out.
import * as fs from 'fs';
import { EventBatch } from '../events';
import { UserError } from '../errors';
import { FORMAT_VERSION } from '../version';
import { displayName, isStdin } from '../util/stdin';
import { decodeBatch, MAX_BATCH } from './batch-codec';
import { decodeFooter, decodeHeader, Footer, Header } from './schema';
import { WireError, WireReader } from './wire';
import { PACKET_EVENTS, PACKET_FOOTER, PACKET_HEADER } from './writer';

const CHUNK = 1 << 20;
const MAX_PACKET = 64 << 20;

export interface ReadOptions {
  /** Stop quietly at the first damaged packet instead of failing (keeps the complete batches). */
  salvage?: boolean;
}

export class TraceReader {
  readonly file: string;
  readonly header: Header;
  footer: Footer | null = null;
  /** Set when salvage stopped early: the reason and byte offset. */
  damage: string | null = null;
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private win = Buffer.allocUnsafe(CHUNK * 2);
  private winStart = 0; // file offset of win[0]
  private winLen = 0;
  private eof = false;
  private pos = 0; // file offset of the next packet

  constructor(file: string, private readonly opts: ReadOptions = {}) {
    this.file = displayName(file);
    if (isStdin(file)) {
      this.fd = 0;
      this.ownsFd = false;
    } else {
      try {
        this.fd = fs.openSync(file, 'r');
      } catch (e) {
        throw new UserError(`${this.file}: cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      this.ownsFd = true;
      if (fs.fstatSync(this.fd).isDirectory()) throw new UserError(`${this.file}: is a directory, not a .msixtrace file`);
    }
    const first = this.nextPacket();
    if (!first) throw this.error(0, 'empty file, not a .msixtrace trace');
    if (first.kind !== PACKET_HEADER) throw this.error(first.at, 'not a .msixtrace file (first packet is not a header)');
    let header: Header;
    try {
      header = decodeHeader(this.win.subarray(first.start, first.end));
    } catch (e) {
      throw this.error(first.at, `corrupt header (${(e as Error).message})`);
    }
    if (header.formatVersion > FORMAT_VERSION) {
      throw this.error(first.at, `written in format version ${header.formatVersion} by msixtrace ${header.toolVersion}; this msixtrace reads version ${FORMAT_VERSION}: upgrade msixtrace`);
    }
    if (header.formatVersion < 1) throw this.error(first.at, 'not a .msixtrace file (no format version in header)');
    this.header = header;
  }

  error(byte: number, what: string): UserError {
    return new UserError(`${this.file}: byte ${byte}: ${what}`);
  }

  private readMore(): boolean {
    if (this.eof) return false;
    // Keep the unread tail, drop what was consumed.
    const keepFrom = Math.max(0, this.pos - this.winStart);
    if (keepFrom > 0) {
      this.win.copy(this.win, 0, keepFrom, this.winLen);
      this.winLen -= keepFrom;
      this.winStart += keepFrom;
    }
    if (this.winLen + CHUNK > this.win.length) {
      const next = Buffer.allocUnsafe(Math.max(this.win.length * 2, this.winLen + CHUNK));
      this.win.copy(next, 0, 0, this.winLen);
      this.win = next;
    }
    let got: number;
    for (;;) {
      try {
        got = fs.readSync(this.fd, this.win, this.winLen, CHUNK, null);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EOF') { got = 0; break; }
        throw new UserError(`${this.file}: read error: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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

  /** Next packet's kind and the window span of its message; null at a clean end of file. */
  private nextPacket(): { kind: number; start: number; end: number; at: number } | null {
    const at = this.pos;
    if (!this.have(1)) return null;
    // Tag + two length varints fit in 12 bytes; a shorter tail is checked field by field below.
    this.have(12);
    const base = this.winStart;
    const avail = this.winLen;
    const r = new WireReader(this.win, at - base, avail, base);
    try {
      const tag = r.varint();
      if (tag !== 0x0a) throw this.error(at, `not a Trace packet (tag 0x${tag.toString(16)})`);
      const len = r.varint();
      if (len > MAX_PACKET) throw this.error(at, `packet length ${len} is implausible (corrupt data)`);
      const bodyAt = r.pos + base;
      this.pos = at; // keep the whole packet in the window while reading it
      if (!this.have(bodyAt - at + len)) {
        throw this.error(at, `truncated: packet of ${len} bytes at byte ${bodyAt} runs past the end of the file (${this.winStart + this.winLen} bytes)`);
      }
      const pr = new WireReader(this.win, bodyAt - this.winStart, bodyAt - this.winStart + len, this.winStart);
      const ptag = pr.varint();
      const kind = ptag >> 3;
      if ((ptag & 7) !== 2 || kind < 1 || kind > 3) throw this.error(bodyAt, `unknown packet kind (tag 0x${ptag.toString(16)})`);
      const mlen = pr.varint();
      if (pr.pos + mlen !== bodyAt - this.winStart + len) throw this.error(bodyAt, 'packet length disagrees with its message length (corrupt data)');
      const start = pr.pos;
      this.pos = bodyAt + len;
      return { kind, start, end: start + mlen, at };
    } catch (e) {
      if (e instanceof WireError) throw this.error(e.offset, e.message);
      throw e;
    }
  }

  /** Yields each batch in order, reusing one EventBatch; checks the footer at the end. */
  *batches(batch = new EventBatch(MAX_BATCH)): Generator<EventBatch> {
    let events = 0;
    let batches = 0;
    const ndev = this.header.devices.length;
    for (;;) {
      let p;
      try {
        p = this.nextPacket();
        if (!p) throw this.error(this.pos, `truncated: the file ends after ${batches} complete batches (${events} events) with no footer`);
        if (p.kind === PACKET_FOOTER) {
          const footer = decodeFooter(this.win.subarray(p.start, p.end));
          if (footer.events !== events || footer.batches !== batches) {
            throw this.error(p.at, `footer counts ${footer.events} events in ${footer.batches} batches, the file holds ${events} in ${batches}`);
          }
          if (this.have(1)) throw this.error(this.pos, 'data after the footer');
          this.footer = footer;
          this.close();
          return;
        }
        if (p.kind !== PACKET_EVENTS) throw this.error(p.at, 'second header inside the trace');
        try {
          decodeBatch(this.win, p.start, p.end, this.winStart, batch);
        } catch (e) {
          if (e instanceof WireError) throw this.error(e.offset, e.message);
          throw e;
        }
        for (let i = 0; i < batch.n; i++) {
          if (batch.device[i] >= ndev) throw this.error(p.at, `event names device ${batch.device[i]}; the header lists ${ndev}`);
        }
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
    if (this.ownsFd) {
      try { fs.closeSync(this.fd); } catch { /* closed */ }
    }
  }
}
