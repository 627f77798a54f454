// Where each device's MSI-X table and PBA sit, and the classification of an access address into
// (device, TABLE|PBA, offset). Sources: the guest's `lspci -vv` (every MSI-X device with a known
// table address), `--table GPA:ENTRIES [--pba GPA]` (one device), or, for mmiotrace, the table
// mappings the log itself shows.
import { UserError } from '../errors';
import { REGION_PBA, REGION_TABLE } from '../events';
import { Device, device } from '../tracefile/schema';
import { IntervalIndex } from './intervals';
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
  /** Address of offset 0 of the region (a PBA cut by its own table starts past it). */
  base: number;
}

/** Doubles per range in Geometry.rangeTable(): start, end, device, region, base. */
export const RANGE_FIELDS = 5;

// Device indices are 16 bits in an event batch (native/common/msixtrace.h).
export const MAX_DEVICES = 65536;
// Notes about ignored table maps kept one by one; past this, one running count.
const MAX_MAP_NOTES = 5;

const hex = (v: number | bigint): string => '0x' + v.toString(16);

/** PBA size in bytes: one bit per entry, in whole QWORDs. */
export function pbaBytes(entries: number): number {
  return 8 * Math.ceil(entries / 64);
}

export class Geometry {
  readonly devices: Device[] = [];
  /** Why some lspci devices are left out (no table address), and other warnings. */
  readonly notes: string[] = [];
  // Disjoint tables and PBAs, sorted: lookup and overlap checks in O(log n).
  private readonly ranges = new IntervalIndex<Range>();
  private readonly tableStarts = new Map<number, number>();
  private ignoredMaps = 0;
  private ignoredMapsNote = -1;

  get empty(): boolean {
    return this.devices.length === 0;
  }

  add(d: Omit<Device, 'index'>, source: string): number {
    const index = this.devices.length;
    if (index >= MAX_DEVICES) {
      throw new UserError(`${source}: more than 65,536 MSI-X devices; a trace holds at most 65,536 (pass the geometry of the devices you trace only)`);
    }
    const dev: Device = { ...d, index };
    const tStart = Number(dev.tableGpa);
    const table: Range = { start: tStart, end: tStart + TABLE_ENTRY_BYTES * dev.tableEntries, device: index, region: REGION_TABLE, base: tStart };
    const added: Range[] = [table];
    let warning: string | null = null;
    if (dev.pbaGpa !== null) {
      const pStart = Number(dev.pbaGpa);
      const pEnd = pStart + pbaBytes(dev.tableEntries);
      if (pStart < table.end && table.start < pEnd) {
        // Real devices do this (a PBA at the table's own offset): the table's bytes stay table
        // accesses, the PBA keeps whatever lies outside the table.
        const who = dev.bdf ? `device ${dev.bdf}` : `device ${index}`;
        warning = `${source}: ${who}: its MSI-X PBA at ${hex(pStart)}-${hex(pEnd - 1)} overlaps its own table at ${hex(table.start)}-${hex(table.end - 1)}; accesses to the shared bytes count as table accesses`;
        if (pStart < table.start) added.push({ start: pStart, end: table.start, device: index, region: REGION_PBA, base: pStart });
        if (pEnd > table.end) added.push({ start: table.end, end: pEnd, device: index, region: REGION_PBA, base: pStart });
      } else {
        added.push({ start: pStart, end: pEnd, device: index, region: REGION_PBA, base: pStart });
      }
    }
    for (const r of added) {
      const other = this.ranges.overlapping(r.start, r.end);
      if (other) {
        const what = (x: Range): string => `${x.region === REGION_PBA ? 'PBA' : 'table'} of ${this.label(x.device, dev)} at ${hex(x.start)}-${hex(x.end - 1)}`;
        const [a, b] = other.start <= r.start ? [other, r] : [r, other];
        throw new UserError(`${source}: the MSI-X ${what(a)} overlaps the ${what(b)}; pass geometry for one of them only`);
      }
    }
    for (const r of added) this.ranges.insert(r);
    this.devices.push(dev);
    if (!this.tableStarts.has(tStart)) this.tableStarts.set(tStart, index);
    if (warning) this.notes.push(warning);
    return index;
  }

  private label(i: number, pending: Device): string {
    const d = i < this.devices.length ? this.devices[i] : pending;
    return d.bdf ? `device ${d.bdf}` : `device ${i}`;
  }

  /** Finds the table or PBA holding addr; false when it is in none. */
  classify(addr: number, hit: Hit): boolean {
    const m = this.ranges.find(addr);
    if (!m) return false;
    hit.device = m.device;
    hit.region = m.region;
    hit.offset = addr - m.base;
    return true;
  }

  /** The ranges as RANGE_FIELDS doubles each, in address order, for the native scanner. */
  rangeTable(): Float64Array {
    const t = new Float64Array(this.ranges.size * RANGE_FIELDS);
    let i = 0;
    for (const r of this.ranges) {
      t.set([r.start, r.end, r.device, r.region, r.base], i);
      i += RANGE_FIELDS;
    }
    return t;
  }

  /** The device whose table starts at addr, if any (for maps a log declares more than once). */
  tableAt(addr: number): number {
    return this.tableStarts.get(addr) ?? -1;
  }

  /** Notes a table map left out, one by one at first, then as a running count. */
  noteIgnoredMap(text: string): void {
    if (++this.ignoredMaps <= MAX_MAP_NOTES) {
      this.notes.push(text);
      return;
    }
    const more = `${this.ignoredMaps - MAX_MAP_NOTES} more table maps ignored (overlapping a known table, or past the device limit)`;
    if (this.ignoredMapsNote < 0) this.ignoredMapsNote = this.notes.push(more) - 1;
    else this.notes[this.ignoredMapsNote] = more;
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
      const why = g.devices.length >= MAX_DEVICES ? 'past the limit of 65,536 devices' : 'overlaps a known MSI-X table';
      g.noteIgnoredMap(`${source}: MAP of ${len} bytes at ${hex(addr)} ${why}; ignored`);
    }
  }
}
