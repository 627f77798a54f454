// Header and Footer go through protobufjs (they are rare); the proto file is the one users decode with.
import * as path from 'path';
import * as protobuf from 'protobufjs';

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
export function schema(): { Header: protobuf.Type; Footer: protobuf.Type; Packet: protobuf.Type; Trace: protobuf.Type } {
  if (!root) root = protobuf.loadSync(PROTO_FILE);
  return {
    Header: root.lookupType('msixtrace.Header'),
    Footer: root.lookupType('msixtrace.Footer'),
    Packet: root.lookupType('msixtrace.Packet'),
    Trace: root.lookupType('msixtrace.Trace'),
  };
}

const big = (v: unknown): bigint => (v === undefined || v === null ? 0n : BigInt(String(v)));
const num = (v: unknown): number => (v === undefined || v === null ? 0 : Number(String(v)));

export function device(init: Partial<Device> & { index: number; tableGpa: bigint; tableEntries: number }): Device {
  return {
    bdf: '', vendorId: 0, deviceId: 0, tableBar: 0, tableOffset: 0n, pbaBar: 0, pbaOffset: 0n, pbaGpa: null, guest: 0,
    name: '', ...init,
  };
}

export function encodeHeader(h: Header): Uint8Array {
  const { Header: T } = schema();
  return T.encode(T.fromObject({
    formatVersion: h.formatVersion,
    toolVersion: h.toolVersion,
    sourceFormat: h.sourceFormat,
    sourceFiles: h.sourceFiles,
    captureTimeUnixNs: h.captureTimeUnixNs.toString(),
    traceStartUnixNs: h.traceStartUnixNs.toString(),
    notes: h.notes,
    devices: h.devices.map((d) => ({
      index: d.index, bdf: d.bdf, vendorId: d.vendorId, deviceId: d.deviceId, tableEntries: d.tableEntries,
      tableBar: d.tableBar, tableOffset: d.tableOffset.toString(), tableGpa: d.tableGpa.toString(), pbaBar: d.pbaBar,
      pbaOffset: d.pbaOffset.toString(), pbaGpa: (d.pbaGpa ?? 0n).toString(), hasPba: d.pbaGpa !== null,
      guest: d.guest, name: d.name,
    })),
  })).finish();
}

export function decodeHeader(bytes: Uint8Array): Header {
  const { Header: T } = schema();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const m = T.decode(bytes) as any;
  return {
    formatVersion: m.formatVersion ?? 0,
    toolVersion: m.toolVersion ?? '',
    sourceFormat: m.sourceFormat ?? '',
    sourceFiles: m.sourceFiles ?? [],
    captureTimeUnixNs: big(m.captureTimeUnixNs),
    traceStartUnixNs: big(m.traceStartUnixNs),
    notes: m.notes ?? [],
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    devices: (m.devices ?? []).map((d: any) => ({
      index: d.index ?? 0, bdf: d.bdf ?? '', vendorId: d.vendorId ?? 0, deviceId: d.deviceId ?? 0,
      tableEntries: d.tableEntries ?? 0, tableBar: d.tableBar ?? 0, tableOffset: big(d.tableOffset),
      tableGpa: big(d.tableGpa), pbaBar: d.pbaBar ?? 0, pbaOffset: big(d.pbaOffset),
      pbaGpa: d.hasPba ? big(d.pbaGpa) : null, guest: num(d.guest), name: d.name ?? '',
    })),
  };
}

export function encodeFooter(f: Footer): Uint8Array {
  const { Footer: T } = schema();
  return T.encode(T.fromObject(f)).finish();
}

export function decodeFooter(bytes: Uint8Array): Footer {
  const { Footer: T } = schema();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const m = T.decode(bytes) as any;
  return {
    events: num(m.events), batches: num(m.batches), interrupted: !!m.interrupted, sourceLines: num(m.sourceLines),
    sourceLostEvents: num(m.sourceLostEvents),
  };
}
