// Devices per guest. A host trace (kvm_mmio from ftrace, trace-cmd or perf; xenalyze) holds every
// running VM at once, and identical VMs have their MSI-X tables at the same guest-physical
// addresses. Each header device therefore belongs to exactly one guest: a geometry (from lspci,
// mtree or --table) is a template, and every guest that touches it gets its own copy of its
// devices, so the replay models keep one state per (guest, device), as each VM has.
//
// Geometry per guest: `--lspci GUEST=FILE` / `--mtree GUEST=FILE` for a guest of its own, plain
// `--lspci FILE` / `--mtree FILE` / `--table` for every guest that has none of its own.
import * as fs from 'fs';
import { UserError } from '../errors';
import { Device, device } from '../tracefile/schema';
import { Geometry, geometryFromFlags, geometryFromLspci, Hit, MAX_DEVICES, RANGE_FIELDS } from './geometry';
import { guestFileArg } from './guest-file-arg';
import { readMtreeFile } from './mtree';

export interface GeometryOptions {
  /** `FILE` or `GUEST=FILE`, repeatable. */
  lspci?: string[];
  mtree?: string[];
  table?: string;
  pba?: string;
}

/** Every MSI-X function of an `info mtree` dump, as a geometry. */
export function geometryFromMtree(file: string, guest: number): Geometry {
  const { devices, notes } = readMtreeFile(file);
  const g = new Geometry();
  g.notes.push(...notes);
  for (const d of devices) {
    g.add(device({ index: 0, name: d.name.replace(/-msix$/, ''), guest, tableGpa: d.tableGpa, tableEntries: d.entries, pbaGpa: d.pbaGpa }), `${file}:${d.line}`);
  }
  return g;
}

export class GuestDevices {
  /** The header's devices: each with its guest. */
  readonly devices: Device[] = [];
  readonly notes: string[] = [];
  /** Geometry for guests without one of their own (null: none given). */
  template: Geometry | null;
  private readonly own = new Map<number, Geometry>();
  /** guest -> its geometry's device index -> header device index. */
  private readonly slots = new Map<number, number[]>();
  /** Set once the header is written: no device may be added after it. */
  private frozen = false;
  /** Accesses of guests without a geometry, by guest. */
  readonly noGeometry = new Map<number, number>();
  /** Guests with a geometry that an access has named (the native scan's range table holds them). */
  private readonly named = new Set<number>();

  constructor(opts: GeometryOptions) {
    let template: Geometry | null = null;
    const setTemplate = (g: Geometry, what: string): void => {
      if (template) throw new UserError(`${what}: a geometry for every guest was already given: pass one, not both (GUEST=FILE gives one VM its own)`);
      template = g;
    };
    const ownGeometry = (guest: number, g: Geometry, what: string): void => {
      if (this.own.has(guest)) throw new UserError(`${what}: guest ${guest} already has a geometry`);
      this.own.set(guest, g);
    };
    if (opts.table && ((opts.lspci?.length ?? 0) > 0 || (opts.mtree?.length ?? 0) > 0)) {
      if ([...(opts.lspci ?? []), ...(opts.mtree ?? [])].some((a) => guestFileArg(a, '').guest === null)) {
        throw new UserError('--table and --lspci/--mtree FILE each give the geometry of every guest: pass one, not both');
      }
    }
    for (const arg of opts.lspci ?? []) {
      const { guest, file } = guestFileArg(arg, '--lspci');
      if (guest === null) setTemplate(geometryFromLspci(file, 0), `--lspci ${arg}`);
      else ownGeometry(guest, geometryFromLspci(file, guest), `--lspci ${arg}`);
    }
    for (const arg of opts.mtree ?? []) {
      const { guest, file } = guestFileArg(arg, '--mtree');
      if (guest === null) setTemplate(geometryFromMtree(file, 0), `--mtree ${arg}`);
      else ownGeometry(guest, geometryFromMtree(file, guest), `--mtree ${arg}`);
    }
    if (opts.table) setTemplate(geometryFromFlags(opts.table, opts.pba, 0), '--table');
    this.template = template;
    for (const g of [template, ...this.own.values()] as Array<Geometry | null>) if (g) this.notes.push(...g.notes);
  }

  /** No geometry at all (only mmiotrace, whose log declares its tables, can do without). */
  get empty(): boolean {
    return this.own.size === 0 && (this.template === null || this.template.empty);
  }

  /** The geometry for every guest, made empty when none was given (mmiotrace's maps fill it). */
  ensureTemplate(): Geometry {
    return (this.template ??= new Geometry());
  }

  /** Guests with a geometry of their own, in the order given. */
  get ownGuests(): number[] {
    return [...this.own.keys()];
  }

  geometryFor(guest: number): Geometry | null {
    return this.own.get(guest) ?? this.template;
  }

  /** The header device of (guest, its geometry's device), added on first use while that is allowed. */
  private slot(guest: number, local: number, g: Geometry): number {
    let s = this.slots.get(guest);
    if (!s) this.slots.set(guest, (s = []));
    const have = s[local];
    if (have !== undefined) return have;
    if (this.frozen) return -1;
    const index = this.devices.length;
    // Device indices are 16 bits in an event batch: past that, refuse rather than wrap.
    if (index >= MAX_DEVICES) {
      throw new UserError(`guest ${guest}: more than 65,536 MSI-X devices over all guests; a trace holds at most 65,536 (pass --guest ID to keep one VM, or capture the guests separately)`);
    }
    this.devices.push({ ...g.devices[local], index, guest });
    s[local] = index;
    return index;
  }

  /** Adds every device of the guest's geometry now (in its order), so the header can be written first. */
  addGuest(guest: number): void {
    const g = this.geometryFor(guest);
    if (!g) throw new UserError(`no MSI-X geometry for guest ${guest}: pass --lspci ${guest}=FILE or --mtree ${guest}=FILE (or one geometry for every guest)`);
    for (let i = 0; i < g.devices.length; i++) this.slot(guest, i, g);
  }

  /** After this, accesses of a (guest, device) not added yet are reported as outside the geometry. */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Places an access of `guest` at addr: 1 with hit.device the header device, 0 when it is outside
   * the guest's geometry, -1 when the guest has no geometry (counted in noGeometry).
   */
  classify(guest: number, addr: number, hit: Hit): number {
    const g = this.own.get(guest) ?? this.template;
    if (!g) {
      this.noGeometry.set(guest, (this.noGeometry.get(guest) ?? 0) + 1);
      return -1;
    }
    this.named.add(guest);
    if (!g.classify(addr, hit)) return 0;
    const d = this.slot(guest, hit.device, g);
    if (d < 0) return 0;
    hit.device = d;
    return 1;
  }

  /** Changes whenever guestRangeTable() would give another table (devices and guests only grow). */
  get tableVersion(): string {
    return `${this.devices.length}/${this.named.size}`;
  }

  /**
   * The ranges of every guest accesses have named, for msx_scan_kvm (native/capture/scan_kvm.h):
   * records of (guest, start, end, header device or -1 while the guest has not used it, region,
   * base), by guest, then address. A guest not in it is the JavaScript path's to place.
   */
  guestRangeTable(): Float64Array {
    const guests = [...this.named].sort((a, b) => a - b);
    const parts: number[] = [];
    for (const guest of guests) {
      const g = this.geometryFor(guest)!;
      const s = this.slots.get(guest) ?? [];
      const t = g.rangeTable();
      for (let i = 0; i < t.length; i += RANGE_FIELDS) {
        const local = t[i + 2];
        parts.push(guest, t[i], t[i + 1], s[local] ?? -1, t[i + 3], t[i + 4]);
      }
    }
    return Float64Array.from(parts);
  }

  /**
   * The geometry of a guest whose header devices are exactly its geometry's devices in the same
   * order (so a scanner classifying by that geometry gives header indexes), else null.
   */
  identityFor(guest: number): Geometry | null {
    const g = this.geometryFor(guest);
    const s = this.slots.get(guest);
    if (!g || !s || s.length !== g.devices.length || this.devices.length !== g.devices.length) return null;
    return s.every((d, i) => d === i) ? g : null;
  }
}
