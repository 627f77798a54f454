// The VMs a recording follows: each QEMU process (guest id = its pid), its vCPU threads, and where
// its MSI-X tables and PBAs sit. The geometry comes from QEMU itself over QMP (`info mtree -f` for
// the ranges, query-pci for which device and BAR each belongs to, query-cpus-fast for the vCPU
// threads), or from an mtree dump or the guest's lspci -vv given with the VM's pid.
import * as fs from 'fs';
import { UserError } from '../errors';
import { Geometry, geometryFromLspci } from '../capture/geometry';
import { device } from '../tracefile/schema';
import { MsixRegion, parseMtree } from './mtree';
import { Qmp } from './qmp';

export interface Vm {
  pid: number;
  /** Where its geometry came from (for messages and the trace header). */
  source: string;
  geometry: Geometry;
  /** vCPU thread id -> vCPU index, where known. */
  vcpus: Map<number, number>;
}

/** The QEMU devices whose MSI-X tables this tool knows by PCI id. */
const NAMES: Record<string, string> = {
  '8086:10d3': 'e1000e', '8086:10c9': 'igb', '1af4:1000': 'virtio-net', '1af4:1041': 'virtio-net',
  '1af4:1001': 'virtio-blk', '1af4:1042': 'virtio-blk', '1b36:0010': 'nvme', '1af4:1004': 'virtio-scsi',
};

interface PciRegion { bar: number; type: string; address: number; size: number }
interface PciDevice {
  bus: number; slot: number; function: number;
  id: { vendor: number; device: number };
  class_info?: { desc?: string };
  regions: PciRegion[];
  pci_bridge?: { devices?: PciDevice[] };
}

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');

function pciDevices(buses: Array<{ bus: number; devices: PciDevice[] }>): PciDevice[] {
  const out: PciDevice[] = [];
  const walk = (list: PciDevice[]): void => {
    for (const d of list) {
      out.push(d);
      if (d.pci_bridge?.devices) walk(d.pci_bridge.devices);
    }
  };
  for (const b of buses) walk(b.devices);
  return out;
}

export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process a thread belongs to (Tgid), or -1 when the thread is gone. */
export function tgidOf(tid: number): number {
  try {
    const m = /^Tgid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${tid}/status`, 'utf8'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** Every thread of a process now. */
export function threadsOf(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).map(Number).filter((t) => Number.isInteger(t));
  } catch {
    return [];
  }
}

/** vCPU index from a QEMU vCPU thread's name ("CPU 3/KVM"), -1 when it is not one. */
export function vcpuOfThread(pid: number, tid: number): number {
  try {
    const m = /^CPU (\d+)\/KVM/.exec(fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/**
 * Devices from the mtree's MSI-X regions. With query-pci each table is matched to the device and BAR
 * holding it (and the PBA to the same device); without it, a table is paired with the next PBA
 * before the following table, and devices have no PCI address.
 */
export function geometryFromRegions(regions: MsixRegion[], pci: PciDevice[] | null, pid: number, source: string): Geometry {
  const g = new Geometry();
  const tables = regions.filter((r) => r.kind === 'table');
  const pbas = regions.filter((r) => r.kind === 'pba');
  tables.forEach((t, k) => {
    const entries = Number((t.last - t.start + 1n) / 16n);
    const within = (r: PciRegion, a: bigint): boolean => r.type === 'memory' && a >= BigInt(r.address) && a < BigInt(r.address) + BigInt(r.size);
    const owner = pci?.find((d) => d.regions.some((r) => within(r, t.start)));
    let pba: MsixRegion | undefined;
    let tableBar = 0;
    let pbaBar = 0;
    if (owner) {
      tableBar = owner.regions.find((r) => within(r, t.start))!.bar;
      pba = pbas.find((p) => owner.regions.some((r) => within(r, p.start)));
      if (pba) pbaBar = owner.regions.find((r) => within(r, pba!.start))!.bar;
    } else {
      const next = tables[k + 1]?.start ?? BigInt(Number.MAX_SAFE_INTEGER);
      pba = pbas.find((p) => p.start > t.last && p.start < next);
    }
    const barBase = (bar: number): bigint => BigInt(owner?.regions.find((r) => r.bar === bar)?.address ?? 0);
    const ids = owner ? `${hex4(owner.id.vendor)}:${hex4(owner.id.device)}` : '';
    g.add(device({
      index: 0,
      guest: pid,
      bdf: owner ? `0000:${owner.bus.toString(16).padStart(2, '0')}:${owner.slot.toString(16).padStart(2, '0')}.${owner.function}` : '',
      vendorId: owner?.id.vendor ?? 0,
      deviceId: owner?.id.device ?? 0,
      name: owner ? NAMES[ids] ?? owner.class_info?.desc ?? ids : `msix-table@0x${t.start.toString(16)}`,
      tableEntries: entries,
      tableBar,
      tableOffset: owner ? t.start - barBase(tableBar) : 0n,
      tableGpa: t.start,
      pbaBar,
      pbaOffset: owner && pba ? pba.start - barBase(pbaBar) : 0n,
      pbaGpa: pba ? pba.start : null,
    }), source);
  });
  return g;
}

function noMsix(pid: number, source: string): UserError {
  return new UserError(`record: VM ${pid} (${source}): no MSI-X table in its memory map (no MSI-X devices, or the firmware has not assigned their BARs yet)`);
}

/** A VM from its QMP socket. */
export async function vmFromQmp(socket: string): Promise<Vm> {
  if (!fs.existsSync(socket)) throw new UserError(`record: --qmp ${socket}: no such socket`);
  const q = await Qmp.connect(socket);
  try {
    const mtree = await q.hmp('info mtree -f');
    const pci = pciDevices((await q.execute('query-pci')) as Array<{ bus: number; devices: PciDevice[] }>);
    const cpus = (await q.execute('query-cpus-fast')) as Array<{ 'thread-id': number; 'cpu-index': number }>;
    if (cpus.length === 0) throw new UserError(`record: --qmp ${socket}: QEMU reports no vCPU threads`);
    const pid = tgidOf(cpus[0]['thread-id']);
    if (pid < 0) throw new UserError(`record: --qmp ${socket}: its vCPU thread ${cpus[0]['thread-id']} is not visible here (another PID namespace?)`);
    const regions = parseMtree(mtree);
    if (!regions.some((r) => r.kind === 'table')) throw noMsix(pid, `--qmp ${socket}`);
    return {
      pid,
      source: `--qmp ${socket}`,
      geometry: geometryFromRegions(regions, pci, pid, `--qmp ${socket}`),
      vcpus: new Map(cpus.map((c) => [c['thread-id'], c['cpu-index']])),
    };
  } finally {
    q.close();
  }
}

/** A VM from its pid and an `info mtree -f` dump or the guest's lspci -vv. */
export function vmFromFile(pid: number, file: string, kind: 'mtree' | 'lspci'): Vm {
  if (!pidExists(pid)) throw new UserError(`record: --pid ${pid}: no such process`);
  if (!fs.existsSync(file)) throw new UserError(`record: --${kind} ${file}: no such file`);
  let geometry: Geometry;
  if (kind === 'lspci') {
    geometry = geometryFromLspci(file, pid);
  } else {
    const regions = parseMtree(fs.readFileSync(file, 'utf8'));
    if (!regions.some((r) => r.kind === 'table')) throw noMsix(pid, file);
    geometry = geometryFromRegions(regions, null, pid, file);
  }
  return { pid, source: `--${kind} ${file}`, geometry, vcpus: new Map() };
}
