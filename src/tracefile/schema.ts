// Header, Device and Footer by hand with the wire helpers, so that no verb loads protobufjs at
// run time (parsing proto/msixtrace.proto cost ~0.1 s of every start-up). The bytes are ordinary
// protobuf for proto/msixtrace.proto, the file users decode with; test/tracefile.test.js checks
// them field by field against protobufjs (which stays a dependency of the tests only: schema()).
//
// Encoding is canonical proto3: fields in number order, zero/empty values left out. Decoding takes
// any valid encoding: fields in any order, unknown fields skipped, the last value of a scalar field
// wins, uint32 fields keep the low 32 bits of a wider varint (as protobufjs and protoc do).
import * as path from 'path';
import type * as protobuf from 'protobufjs';
import { WireReader, WireWriter } from './wire';

export interface Device {
  index: number;
  bdf: string;
  vendorId: number;
  deviceId: number;
  tableEntries: number;
  tableBar: number;
  tableOffset: bigint;
  tableGpa: bigint;
  pbaBar: number;
  pbaOffset: bigint;
  pbaGpa: bigint | null;
  guest: number;
  name: string;
}

export interface Header {
  formatVersion: number;
  toolVersion: string;
  sourceFormat: string;
  sourceFiles: string[];
  captureTimeUnixNs: bigint;
  traceStartUnixNs: bigint;
  devices: Device[];
  notes: string[];
}

export interface Footer {
  events: number;
  batches: number;
  interrupted: boolean;
  sourceLines: number;
  sourceLostEvents: number;
}

export const PROTO_FILE = path.join(__dirname, '..', '..', 'proto', 'msixtrace.proto');

let root: protobuf.Root | null = null;
/** The protobufjs types of proto/msixtrace.proto (tests and tools only: loads protobufjs). */
export function schema(): { Header: protobuf.Type; Footer: protobuf.Type; Packet: protobuf.Type; Trace: protobuf.Type } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  if (!root) root = (require('protobufjs') as typeof protobuf).loadSync(PROTO_FILE);
  return {
    Header: root.lookupType('msixtrace.Header'),
    Footer: root.lookupType('msixtrace.Footer'),
    Packet: root.lookupType('msixtrace.Packet'),
    Trace: root.lookupType('msixtrace.Trace'),
  };
}

export function device(init: Partial<Device> & { index: number; tableGpa: bigint; tableEntries: number }): Device {
  return {
    bdf: '', vendorId: 0, deviceId: 0, tableBar: 0, tableOffset: 0n, pbaBar: 0, pbaOffset: 0n, pbaGpa: null, guest: 0,
    name: '', ...init,
  };
}

// ---- encoding ------------------------------------------------------------------------------------

const LEN = 2;

function putU64(w: WireWriter, field: number, v: bigint): void {
  if (v === 0n) return;
  const u = BigInt.asUintN(64, v);
  w.tag(field, 0);
  w.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
}

function putU32(w: WireWriter, field: number, v: number): void {
  if (v === 0) return;
  w.tag(field, 0);
  w.varint(v >>> 0);
}

function putString(w: WireWriter, field: number, s: string, always = false): void {
  if (s === '' && !always) return;
  const n = Buffer.byteLength(s, 'utf8');
  w.tag(field, LEN);
  w.varint(n);
  w.ensure(n);
  w.pos += w.buf.write(s, w.pos, n, 'utf8');
}

function encodeDevice(w: WireWriter, d: Device): void {
  putU32(w, 1, d.index);
  putString(w, 2, d.bdf);
  putU32(w, 3, d.vendorId);
  putU32(w, 4, d.deviceId);
  putU32(w, 5, d.tableEntries);
  putU32(w, 6, d.tableBar);
  putU64(w, 7, d.tableOffset);
  putU64(w, 8, d.tableGpa);
  putU32(w, 9, d.pbaBar);
  putU64(w, 10, d.pbaOffset);
  putU64(w, 11, d.pbaGpa ?? 0n);
  if (d.pbaGpa !== null) { w.tag(12, 0); w.varint(1); }
  putU64(w, 13, BigInt(d.guest)); // int64: two's complement, 10 bytes when negative
  putString(w, 14, d.name);
}

export function encodeHeader(h: Header): Uint8Array {
  const w = new WireWriter(256 + 128 * h.devices.length);
  putU32(w, 1, h.formatVersion);
  putString(w, 2, h.toolVersion);
  putString(w, 3, h.sourceFormat);
  for (const f of h.sourceFiles) putString(w, 4, f, true);
  putU64(w, 5, h.captureTimeUnixNs);
  const dw = new WireWriter(256);
  for (const d of h.devices) {
    dw.reset();
    encodeDevice(dw, d);
    w.tag(6, LEN);
    w.varint(dw.pos);
    w.bytes(dw.buf, 0, dw.pos);
  }
  putU64(w, 7, h.traceStartUnixNs);
  for (const n of h.notes) putString(w, 8, n, true);
  return w.buf.subarray(0, w.pos);
}

export function encodeFooter(f: Footer): Uint8Array {
  const w = new WireWriter(64);
  putU64(w, 1, BigInt(f.events));
  putU64(w, 2, BigInt(f.batches));
  if (f.interrupted) { w.tag(3, 0); w.varint(1); }
  putU64(w, 4, BigInt(f.sourceLines));
  putU64(w, 5, BigInt(f.sourceLostEvents));
  return w.buf.subarray(0, w.pos);
}

// ---- decoding ------------------------------------------------------------------------------------

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Calls each(field, wire, r) for every field of the message in r; unknown ones it must skip. */
function fields(r: WireReader, each: (field: number, wire: number) => void): void {
  while (r.pos < r.end) {
    const tagAt = r.pos;
    const lo = r.varint64();
    if (r.hi !== 0 || lo > 0x1fffffff * 8 + 7) { r.pos = tagAt; r.fail('field number out of range'); }
    const field = lo >>> 3, wire = lo & 7;
    if (field === 0) { r.pos = tagAt; r.fail('field number 0'); }
    each(field, wire);
  }
}

function want(r: WireReader, wire: number, expect: number, field: number): void {
  if (wire !== expect) r.fail(`field ${field} has wire type ${wire}, expected ${expect}`);
}

function u64(r: WireReader): bigint {
  const lo = r.varint64();
  return (BigInt(r.hi) << 32n) | BigInt(lo);
}

function str(r: WireReader): string {
  const len = r.varint();
  if (r.pos + len > r.end) r.fail('string runs past the end of its message');
  const s = r.buf.toString('utf8', r.pos, r.pos + len);
  r.pos += len;
  return s;
}

function decodeDevice(r: WireReader): Device {
  const d: Device = {
    index: 0, bdf: '', vendorId: 0, deviceId: 0, tableEntries: 0, tableBar: 0, tableOffset: 0n, tableGpa: 0n, pbaBar: 0,
    pbaOffset: 0n, pbaGpa: null, guest: 0, name: '',
  };
  let pbaGpa = 0n;
  let hasPba = false;
  fields(r, (field, wire) => {
    switch (field) {
      case 2: want(r, wire, LEN, field); d.bdf = str(r); return;
      case 14: want(r, wire, LEN, field); d.name = str(r); return;
      case 1: case 3: case 4: case 5: case 6: case 9: {
        want(r, wire, 0, field);
        const v = r.varint64();
        if (field === 1) d.index = v; else if (field === 3) d.vendorId = v; else if (field === 4) d.deviceId = v;
        else if (field === 5) d.tableEntries = v; else if (field === 6) d.tableBar = v; else d.pbaBar = v;
        return;
      }
      case 7: want(r, wire, 0, field); d.tableOffset = u64(r); return;
      case 8: want(r, wire, 0, field); d.tableGpa = u64(r); return;
      case 10: want(r, wire, 0, field); d.pbaOffset = u64(r); return;
      case 11: want(r, wire, 0, field); pbaGpa = u64(r); return;
      case 12: want(r, wire, 0, field); hasPba = u64(r) !== 0n; return;
      case 13: want(r, wire, 0, field); d.guest = Number(BigInt.asIntN(64, u64(r))); return;
      default: r.skip(wire);
    }
  });
  d.pbaGpa = hasPba ? pbaGpa : null;
  return d;
}

export function decodeHeader(bytes: Uint8Array): Header {
  const buf = toBuffer(bytes);
  const r = new WireReader(buf, 0, buf.length);
  const h: Header = {
    formatVersion: 0, toolVersion: '', sourceFormat: '', sourceFiles: [], captureTimeUnixNs: 0n, traceStartUnixNs: 0n,
    devices: [], notes: [],
  };
  fields(r, (field, wire) => {
    switch (field) {
      case 1: want(r, wire, 0, field); h.formatVersion = r.varint64(); return;
      case 2: want(r, wire, LEN, field); h.toolVersion = str(r); return;
      case 3: want(r, wire, LEN, field); h.sourceFormat = str(r); return;
      case 4: want(r, wire, LEN, field); h.sourceFiles.push(str(r)); return;
      case 5: want(r, wire, 0, field); h.captureTimeUnixNs = u64(r); return;
      case 6: {
        want(r, wire, LEN, field);
        const len = r.varint();
        if (r.pos + len > r.end) r.fail('device runs past the end of the header');
        h.devices.push(decodeDevice(new WireReader(buf, r.pos, r.pos + len, r.base)));
        r.pos += len;
        return;
      }
      case 7: want(r, wire, 0, field); h.traceStartUnixNs = u64(r); return;
      case 8: want(r, wire, LEN, field); h.notes.push(str(r)); return;
      default: r.skip(wire);
    }
  });
  return h;
}

export function decodeFooter(bytes: Uint8Array): Footer {
  const buf = toBuffer(bytes);
  const r = new WireReader(buf, 0, buf.length);
  const f: Footer = { events: 0, batches: 0, interrupted: false, sourceLines: 0, sourceLostEvents: 0 };
  fields(r, (field, wire) => {
    if (field < 1 || field > 5) { r.skip(wire); return; }
    want(r, wire, 0, field);
    const v = u64(r);
    switch (field) {
      case 1: f.events = Number(v); return;
      case 2: f.batches = Number(v); return;
      case 3: f.interrupted = v !== 0n; return;
      case 4: f.sourceLines = Number(v); return;
      case 5: f.sourceLostEvents = Number(v); return;
    }
  });
  return f;
}
