// QEMU `simple` trace backend binary files, version 4 (docs/log-formats.md 1.4). Binary records do not
// fit the line interface, so this decoder takes the file's bytes chunk by chunk and hands every
// memory_region_ops_read/_write record to a callback as a RawAccess.
import { UserError } from '../../errors';
import { newRawAccess, RawAccess } from '../format';

const HEADER_BYTES = 24;
const MAGIC_HI = 0xf2b177cb;
const MAGIC_LO = 0x0aa429b4;
const RECORD_MAPPING = 0;
const RECORD_EVENT = 1;
// event_id 0xfffffffffffffffe: "the tracer dropped N events".
const DROPPED_HI = 0xffffffff;
const DROPPED_LO = 0xfffffffe;
// Sanity bounds that tell a corrupt file from a real one (names are short; records hold a few args).
const MAX_NAME = 4096;
const MAX_RECORD = 1 << 20;
// cpu_index, mr, addr, value, size: five u64 args before the optional name string.
const OPS_FIXED_ARGS = 5 * 8;

/** Bytes needed to recognise a simpletrace file. */
export const SIMPLETRACE_HEAD = 16;

/** Whether bytes start with the simpletrace file header (either byte order). */
export function isSimpletrace(head: Buffer): boolean {
  if (head.length < SIMPLETRACE_HEAD) return false;
  for (let i = 0; i < 8; i++) if (head[i] !== 0xff) return false;
  return (head.readUInt32LE(8) === MAGIC_LO && head.readUInt32LE(12) === MAGIC_HI)
    || (head.readUInt32BE(8) === MAGIC_HI && head.readUInt32BE(12) === MAGIC_LO);
}

export interface SimpletraceEvents {
  access(a: RawAccess, recordNo: number): void;
  malformed(recordNo: number, why: string): void;
}

export class SimpletraceDecoder {
  /** Records read (mapping, event and dropped records). */
  records = 0;
  /** Events QEMU reported as dropped. */
  lost = 0;
  private le = true;
  private headerSeen = false;
  private pending: Buffer = Buffer.alloc(0);
  private consumed = 0; // file offset of pending[0]
  private readonly readIds = new Set<string>();
  private readonly writeIds = new Set<string>();
  private readonly out = newRawAccess();

  constructor(private readonly file: string, private readonly sink: SimpletraceEvents) {}

  push(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let pos = 0;
    if (!this.headerSeen) {
      if (buf.length < HEADER_BYTES) {
        this.pending = buf;
        return;
      }
      this.header(buf);
      pos = HEADER_BYTES;
    }
    for (;;) {
      const used = this.record(buf, pos);
      if (used === 0) break;
      pos += used;
      this.records++;
    }
    this.consumed += pos;
    // Copy the partial record so the chunk it came from can be freed.
    this.pending = Buffer.from(buf.subarray(pos));
  }

  end(): void {
    if (!this.headerSeen) throw new UserError(`${this.file}: truncated simpletrace header (${this.pending.length} of 24 bytes)`);
    if (this.pending.length > 0) {
      this.records++;
      this.sink.malformed(this.records, `truncated record at byte ${this.consumed} (${this.pending.length} bytes at the end of the file)`);
      this.pending = Buffer.alloc(0);
    }
  }

  private u32(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  /** A u64 as [lo, hi] 32-bit halves. */
  private halves(buf: Buffer, at: number): [number, number] {
    return this.le ? [buf.readUInt32LE(at), buf.readUInt32LE(at + 4)] : [buf.readUInt32BE(at + 4), buf.readUInt32BE(at)];
  }

  private idKey(buf: Buffer, at: number): string {
    const [lo, hi] = this.halves(buf, at);
    return hi === 0 ? String(lo) : `${hi}:${lo}`;
  }

  private header(buf: Buffer): void {
    if (!isSimpletrace(buf)) throw new UserError(`${this.file}: not a QEMU simpletrace file (no simpletrace magic in its first 16 bytes)`);
    this.le = buf.readUInt32LE(8) === MAGIC_LO;
    const [version, versionHi] = this.halves(buf, 16);
    if (version !== 4 || versionHi !== 0) {
      throw new UserError(`${this.file}: simpletrace file version ${versionHi ? 'unknown' : version} is not supported (only version 4, written by QEMU 2.8 and later)`);
    }
    this.headerSeen = true;
  }

  private corrupt(at: number, why: string): never {
    throw new UserError(`${this.file}: byte ${this.consumed + at}: corrupt simpletrace record (${why})`);
  }

  /** Decodes the record at pos; returns its length in bytes, or 0 when it is not complete yet. */
  private record(buf: Buffer, pos: number): number {
    if (buf.length - pos < 8) return 0;
    const [type, typeHi] = this.halves(buf, pos);
    if (typeHi !== 0 || (type !== RECORD_MAPPING && type !== RECORD_EVENT)) this.corrupt(pos, `record type ${typeHi ? 'out of range' : type}`);
    if (type === RECORD_MAPPING) {
      if (buf.length - pos < 20) return 0;
      const len = this.u32(buf, pos + 16);
      if (len > MAX_NAME) this.corrupt(pos, `event name of ${len} bytes`);
      if (buf.length - pos < 20 + len) return 0;
      const name = buf.toString('latin1', pos + 20, pos + 20 + len);
      if (name === 'memory_region_ops_read') this.readIds.add(this.idKey(buf, pos + 8));
      else if (name === 'memory_region_ops_write') this.writeIds.add(this.idKey(buf, pos + 8));
      return 20 + len;
    }
    // event: type, id, timestamp_ns, length (from the id on), pid, args
    if (buf.length - pos < 32) return 0;
    const length = this.u32(buf, pos + 24);
    if (length < 24 || length > MAX_RECORD) this.corrupt(pos, `event record length ${length}`);
    const total = 8 + length;
    if (buf.length - pos < total) return 0;
    const [idLo, idHi] = this.halves(buf, pos + 8);
    if (idHi === DROPPED_HI && idLo === DROPPED_LO) {
      if (length >= 32) {
        const [lo, hi] = this.halves(buf, pos + 32);
        this.lost += hi * 0x100000000 + lo;
      }
      return total;
    }
    const key = idHi === 0 ? String(idLo) : `${idHi}:${idLo}`;
    const write = this.writeIds.has(key);
    if (!write && !this.readIds.has(key)) return total;
    this.access(buf, pos, length, write);
    return total;
  }

  private access(buf: Buffer, pos: number, length: number, write: boolean): void {
    const recordNo = this.records + 1;
    const args = pos + 32;
    const argBytes = length - 24;
    if (argBytes < OPS_FIXED_ARGS) {
      this.sink.malformed(recordNo, `memory_region_ops record with ${argBytes} bytes of arguments (expected at least ${OPS_FIXED_ARGS})`);
      return;
    }
    const out = this.out;
    const [tsLo, tsHi] = this.halves(buf, pos + 16);
    out.tsNs = tsHi * 0x100000000 + tsLo;
    out.guest = this.u32(buf, pos + 28);
    // cpu_index is an int widened to u64: -1 (no vCPU) arrives as all ones.
    out.vcpu = this.halves(buf, args)[0] | 0;
    const [addrLo, addrHi] = this.halves(buf, args + 16);
    if (addrHi >= 2 ** 21) {
      this.sink.malformed(recordNo, 'address above 2^53 (not supported)');
      return;
    }
    out.addr = addrHi * 0x100000000 + addrLo;
    const [lo, hi] = this.halves(buf, args + 24);
    const [size, sizeHi] = this.halves(buf, args + 32);
    if (sizeHi !== 0 || (size !== 1 && size !== 2 && size !== 4 && size !== 8)) {
      this.sink.malformed(recordNo, `size ${sizeHi ? 'out of range' : size} (an access is 1, 2, 4 or 8 bytes)`);
      return;
    }
    out.size = size;
    out.write = write;
    out.lo = lo;
    out.hi = hi;
    out.region = '';
    // QEMU >= 6.1 builds add the region name as a string argument.
    if (argBytes >= OPS_FIXED_ARGS + 4) {
      const len = this.u32(buf, args + OPS_FIXED_ARGS);
      if (OPS_FIXED_ARGS + 4 + len > argBytes) {
        this.sink.malformed(recordNo, `region name of ${len} bytes overruns its record`);
        return;
      }
      out.region = buf.toString('latin1', args + OPS_FIXED_ARGS + 4, args + OPS_FIXED_ARGS + 4 + len);
    }
    this.sink.access(out, recordNo);
  }
}
