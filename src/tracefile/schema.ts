// Header, Device and Footer: the non-columnar messages of proto/msixtrace.proto, coded by the
// protobufjs static code that scripts/build-proto.js generates from the .proto at build time
// (generated/msixtrace.js, which needs only protobufjs' small runtime: no .proto is parsed at run
// time). The EventBatch columns are the hot path and stay native (native/tracefile).
//
// Encoding is canonical proto3: the static encoder writes fields in number order, and zero/empty
// values are left out here before it sees them. Decoding takes any valid encoding (fields in any
// order, unknown fields skipped, the last value of a scalar wins, uint32 fields keep the low 32 bits).
// protobufjs does not check wire types, so checkWire() walks the message first: a wrong wire type or
// a cut message is an error naming what is wrong, never a silent default.
import * as path from 'path';
import type * as protobuf from 'protobufjs';
import type Long = require('long');
import { msixtrace as pb } from '../../generated/msixtrace';
import { WireReader } from './wire';

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

/** A 64-bit protobuf value for protobufjs' writer (it takes {low, high}); undefined for 0 (left out). */
function u64(v: bigint): Long | undefined {
  if (v === 0n) return undefined;
  const u = BigInt.asUintN(64, v);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: true } as Long;
}

/** Drops the fields that are absent (proto3 leaves zero values out of the encoding). */
function present<T extends object>(m: T): T {
  for (const k of Object.keys(m) as Array<keyof T>) {
    const v = m[k];
    if (v === undefined || v === 0 || v === '' || v === false || (Array.isArray(v) && v.length === 0)) delete m[k];
  }
  return m;
}

function deviceMessage(d: Device): pb.IDevice {
  return present<pb.IDevice>({
    index: d.index, bdf: d.bdf, vendorId: d.vendorId, deviceId: d.deviceId, tableEntries: d.tableEntries,
    tableBar: d.tableBar, tableOffset: u64(d.tableOffset), tableGpa: u64(d.tableGpa), pbaBar: d.pbaBar,
    pbaOffset: u64(d.pbaOffset), pbaGpa: u64(d.pbaGpa ?? 0n), hasPba: d.pbaGpa !== null,
    guest: u64(BigInt(d.guest)), // int64: two's complement, 10 bytes when negative
    name: d.name,
  });
}

export function encodeHeader(h: Header): Uint8Array {
  return pb.Header.encode(present<pb.IHeader>({
    formatVersion: h.formatVersion, toolVersion: h.toolVersion, sourceFormat: h.sourceFormat, sourceFiles: h.sourceFiles,
    captureTimeUnixNs: u64(h.captureTimeUnixNs), devices: h.devices.map(deviceMessage),
    traceStartUnixNs: u64(h.traceStartUnixNs), notes: h.notes,
  })).finish();
}

export function encodeFooter(f: Footer): Uint8Array {
  return pb.Footer.encode(present<pb.IFooter>({
    events: u64(BigInt(f.events)), batches: u64(BigInt(f.batches)), interrupted: f.interrupted,
    sourceLines: u64(BigInt(f.sourceLines)), sourceLostEvents: u64(BigInt(f.sourceLostEvents)),
  })).finish();
}

// ---- decoding ------------------------------------------------------------------------------------

const VARINT = 0;
const LEN = 2;
/** Wire type of every known field; a nested message is its own table. */
type Shape = { [field: number]: number | Shape };
const DEVICE: Shape = { 1: VARINT, 2: LEN, 3: VARINT, 4: VARINT, 5: VARINT, 6: VARINT, 7: VARINT, 8: VARINT, 9: VARINT, 10: VARINT, 11: VARINT, 12: VARINT, 13: VARINT, 14: LEN };
const HEADER: Shape = { 1: VARINT, 2: LEN, 3: LEN, 4: LEN, 5: VARINT, 6: DEVICE, 7: VARINT, 8: LEN };
const FOOTER: Shape = { 1: VARINT, 2: VARINT, 3: VARINT, 4: VARINT, 5: VARINT };

/** Walks a message: known fields must have their wire type, and nothing may run past its end. */
function checkWire(r: WireReader, shape: Shape, what: string): void {
  while (r.pos < r.end) {
    const tagAt = r.pos;
    const lo = r.varint64();
    if (r.hi !== 0 || lo > 0x1fffffff * 8 + 7) { r.pos = tagAt; r.fail('field number out of range'); }
    const field = lo >>> 3, wire = lo & 7;
    if (field === 0) { r.pos = tagAt; r.fail('field number 0'); }
    const want = shape[field];
    if (want === undefined) { r.skip(wire); continue; }
    const expect = typeof want === 'number' ? want : LEN;
    if (wire !== expect) r.fail(`field ${field} has wire type ${wire}, expected ${expect}`);
    if (wire === VARINT) { r.varint64(); continue; }
    const len = r.varint();
    if (r.pos + len > r.end) r.fail(typeof want === 'number' ? 'string runs past the end of its message' : `device runs past the end of the ${what}`);
    if (typeof want !== 'number') checkWire(new WireReader(r.buf, r.pos, r.pos + len, r.base), want, 'device');
    r.pos += len;
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function big(v: Long | number): bigint {
  return typeof v === 'number' ? BigInt(v) : (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

function deviceOf(m: pb.IDevice): Device {
  return {
    index: m.index ?? 0, bdf: m.bdf ?? '', vendorId: m.vendorId ?? 0, deviceId: m.deviceId ?? 0,
    tableEntries: m.tableEntries ?? 0, tableBar: m.tableBar ?? 0, tableOffset: big(m.tableOffset ?? 0),
    tableGpa: big(m.tableGpa ?? 0), pbaBar: m.pbaBar ?? 0, pbaOffset: big(m.pbaOffset ?? 0),
    pbaGpa: m.hasPba ? big(m.pbaGpa ?? 0) : null, guest: Number(BigInt.asIntN(64, big(m.guest ?? 0))), name: m.name ?? '',
  };
}

export function decodeHeader(bytes: Uint8Array): Header {
  const buf = toBuffer(bytes);
  checkWire(new WireReader(buf, 0, buf.length), HEADER, 'header');
  const m = pb.Header.decode(buf);
  return {
    formatVersion: m.formatVersion, toolVersion: m.toolVersion, sourceFormat: m.sourceFormat, sourceFiles: [...m.sourceFiles],
    captureTimeUnixNs: big(m.captureTimeUnixNs), traceStartUnixNs: big(m.traceStartUnixNs), devices: m.devices.map(deviceOf),
    notes: [...m.notes],
  };
}

export function decodeFooter(bytes: Uint8Array): Footer {
  const buf = toBuffer(bytes);
  checkWire(new WireReader(buf, 0, buf.length), FOOTER, 'footer');
  const m = pb.Footer.decode(buf);
  return {
    events: Number(big(m.events)), batches: Number(big(m.batches)), interrupted: m.interrupted,
    sourceLines: Number(big(m.sourceLines)), sourceLostEvents: Number(big(m.sourceLostEvents)),
  };
}
