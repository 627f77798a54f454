// Where each device's MSI-X table and PBA sit, and the classification of an access address into
// (device, TABLE|PBA, offset). Sources: the guest's `lspci -vv` (every MSI-X device with a known
// table address), `--table GPA:ENTRIES [--pba GPA]` (one device), or, for mmiotrace, the table
// mappings the log itself shows.
import { UserError } from '../errors';
import { REGION_PBA, REGION_TABLE } from '../events';
import { Device, device } from '../tracefile/schema';
import { readLspciFile } from './lspci';

const TABLE_ENTRY_BYTES = 16;
const MAX_ENTRIES = 2048;

export interface Hit {
  device: number;
  region: number;
  offset: number;
}

interface Range {
  start: number;
  end: number; // exclusive
  device: number;
  region: number;
}

const hex = (v: number | bigint): string => '0x' + v.toString(16);

/** PBA size in bytes: one bit per entry, in whole QWORDs. */
export function pbaBytes(entries: number): number {
  return 8 * Math.ceil(entries / 64);
}

export class Geometry {
  readonly devices: Device[] = [];
  /** Why some lspci devices are left out (no table address). */
  readonly notes: string[] = [];
  // Sorted by start and disjoint, so a binary search finds the one candidate range.
  private ranges: Range[] = [];

  get empty(): boolean {
    return this.devices.length === 0;
  }

  add(d: Omit<Device, 'index'>, source: string): number {
    const index = this.devices.length;
    const dev: Device = { ...d, index };
    const added: Range[] = [{ start: Number(dev.tableGpa), end: Number(dev.tableGpa) + TABLE_ENTRY_BYTES * dev.tableEntries, device: index, region: REGION_TABLE }];
    if (dev.pbaGpa !== null) {
      added.push({ start: Number(dev.pbaGpa), end: Number(dev.pbaGpa) + pbaBytes(dev.tableEntries), device: index, region: REGION_PBA });
    }
    const ranges = [...this.ranges, ...added].sort((a, b) => a.start - b.start);
    for (let i = 1; i < ranges.length; i++) {
      const a = ranges[i - 1];
      const b = ranges[i];
      if (b.start < a.end) {
        const what = (r: Range): string => `${r.region === REGION_PBA ? 'PBA' : 'table'} of ${this.label(r.device, dev)} at ${hex(r.start)}-${hex(r.end - 1)}`;
        throw new UserError(`${source}: the MSI-X ${what(a)} overlaps the ${what(b)}; pass geometry for one of them only`);
      }
    }
    this.devices.push(dev);
    this.ranges = ranges;
    return index;
  }

  private label(i: number, pending: Device): string {
    const d = i < this.devices.length ? this.devices[i] : pending;
    return d.bdf ? `device ${d.bdf}` : `device ${i}`;
  }

  /** Finds the table or PBA holding addr; false when it is in none. */
  classify(addr: number, hit: Hit): boolean {
    const r = this.ranges;
    let lo = 0;
    let hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = r[mid];
      if (addr < m.start) hi = mid - 1;
      else if (addr >= m.end) lo = mid + 1;
      else {
        hit.device = m.device;
        hit.region = m.region;
        hit.offset = addr - m.start;
        return true;
      }
    }
    return false;
  }

  /** The ranges as (start, end, device, region) doubles, in classify() order, for the native scanner. */
  rangeTable(): Float64Array {
    const t = new Float64Array(this.ranges.length * 4);
    this.ranges.forEach((r, i) => t.set([r.start, r.end, r.device, r.region], i * 4));
    return t;
  }

  /** The device whose table starts at addr, if any (for maps a log declares more than once). */
  tableAt(addr: number): number {
    const d = this.devices.find((x) => Number(x.tableGpa) === addr);
    return d ? d.index : -1;
  }
}

/** Every MSI-X device of an `lspci -vv` listing whose table address is known. */
export function geometryFromLspci(file: string, guest: number): Geometry {
  const g = new Geometry();
  for (const l of readLspciFile(file)) {
    const who = `${l.bdf} (${l.name})`;
    if (l.tableGpa === null) {
      g.notes.push(`${file}: ${who}: MSI-X table address unknown (BAR unassigned or not shown); its accesses cannot be classified`);
      continue;
    }
    if (l.pbaGpa === null) g.notes.push(`${file}: ${who}: PBA address unknown; PBA accesses of it are not kept`);
    g.add(device({
      index: 0,
      bdf: l.bdf,
      vendorId: l.vendor ?? 0,
      deviceId: l.deviceId ?? 0,
      name: l.name,
      guest,
      tableEntries: l.entries,
      tableBar: l.tableBar ?? 0,
      tableOffset: l.tableOffset ?? 0n,
      tableGpa: l.tableGpa,
      pbaBar: l.pbaBar ?? 0,
      pbaOffset: l.pbaOffset ?? 0n,
      pbaGpa: l.pbaGpa,
    }), `${file}:${l.line}`);
  }
  if (g.empty) throw new UserError(`${file}: no MSI-X device with a known table address (are its BARs assigned? pass --table GPA:ENTRIES instead)`);
  return g;
}

function parseGpa(text: string, what: string): bigint {
  const t = text.trim();
  if (!/^(0x)?[0-9a-f]{1,13}$/i.test(t)) throw new UserError(`${what}: "${text}" is not a hex guest-physical address (e.g. 0xfebc0000)`);
  return BigInt(t.startsWith('0x') || t.startsWith('0X') ? t : '0x' + t);
}

/** One device from `--table GPA:ENTRIES [--pba GPA]`. */
export function geometryFromFlags(table: string, pba: string | undefined, guest: number): Geometry {
  const m = /^([^:]+):(\d+)$/.exec(table.trim());
  if (!m) throw new UserError(`--table: "${table}" is not GPA:ENTRIES (e.g. --table 0xfebc0000:5)`);
  const entries = Number(m[2]);
  if (entries < 1 || entries > MAX_ENTRIES) throw new UserError(`--table: ${entries} entries (MSI-X tables have 1 to ${MAX_ENTRIES})`);
  const g = new Geometry();
  g.add(device({
    index: 0,
    guest,
    tableGpa: parseGpa(m[1], '--table'),
    tableEntries: entries,
    pbaGpa: pba === undefined ? null : parseGpa(pba, '--pba'),
  }), '--table/--pba');
  return g;
}

/**
 * Adds the MSI-X table mappings an mmiotrace log declares (MAP of 16*N bytes at BAR+table offset)
 * that the geometry does not hold yet; a map that overlaps a known range is skipped with a note.
 */
export function addTableMaps(g: Geometry, maps: ReadonlyArray<{ addr: number; len: number }>, from: number, guest: number, source: string): void {
  for (let i = from; i < maps.length; i++) {
    const { addr, len } = maps[i];
    if (g.tableAt(addr) >= 0) continue;
    const entries = Math.floor(len / TABLE_ENTRY_BYTES);
    if (entries < 1 || entries > MAX_ENTRIES) continue;
    try {
      g.add(device({ index: 0, guest, tableGpa: BigInt(addr), tableEntries: entries }), source);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      g.notes.push(`${source}: MAP of ${len} bytes at ${hex(addr)} overlaps a known MSI-X table; ignored`);
    }
  }
}
