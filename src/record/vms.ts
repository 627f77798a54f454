// The VMs a recording follows: each QEMU process (guest id = its pid), its vCPU threads, and where
// its MSI-X tables and PBAs sit. The geometry comes from QEMU itself over QMP (`info mtree -f` for
// the ranges, query-pci for which device and BAR each belongs to, query-cpus-fast for the vCPU
// threads), or from an mtree dump or the guest's lspci -vv given with the VM's pid.
import * as fs from 'fs';
import { UserError } from '../errors';
import { Geometry, geometryFromLspci } from '../capture/geometry';
import { device } from '../tracefile/schema';
import { MtreeDevice, parseMtree } from '../capture/mtree';
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
 * Devices from the mtree's MSI-X functions (table and PBA paired by the mtree reader). With
 * query-pci each is matched to the PCI function and BAR holding its table; without it, devices have
 * no PCI address.
 */
export function geometryFromMtree(found: MtreeDevice[], pci: PciDevice[] | null, pid: number, source: string): Geometry {
  const g = new Geometry();
  for (const t of found) {
    const within = (r: PciRegion, a: bigint): boolean => r.type === 'memory' && a >= BigInt(r.address) && a < BigInt(r.address) + BigInt(r.size);
    const owner = pci?.find((d) => d.regions.some((r) => within(r, t.tableGpa)));
    const barOf = (a: bigint | null): PciRegion | undefined => (a === null ? undefined : owner?.regions.find((r) => within(r, a)));
    const tableBar = barOf(t.tableGpa);
    const pbaBar = barOf(t.pbaGpa);
    const ids = owner ? `${hex4(owner.id.vendor)}:${hex4(owner.id.device)}` : '';
    g.add(device({
      index: 0,
      guest: pid,
      bdf: owner ? `0000:${owner.bus.toString(16).padStart(2, '0')}:${owner.slot.toString(16).padStart(2, '0')}.${owner.function}` : '',
      vendorId: owner?.id.vendor ?? 0,
      deviceId: owner?.id.device ?? 0,
      name: owner ? NAMES[ids] ?? owner.class_info?.desc ?? ids : t.name || `msix-table@0x${t.tableGpa.toString(16)}`,
      tableEntries: t.entries,
      tableBar: tableBar?.bar ?? 0,
      tableOffset: tableBar ? t.tableGpa - BigInt(tableBar.address) : 0n,
      tableGpa: t.tableGpa,
      pbaBar: pbaBar?.bar ?? 0,
      pbaOffset: pbaBar && t.pbaGpa !== null ? t.pbaGpa - BigInt(pbaBar.address) : 0n,
      pbaGpa: t.pbaGpa,
    }), source);
  }
  return g;
}

function noMsix(pid: number, source: string): UserError {
  return new UserError(`record: VM ${pid} (${source}): no MSI-X table in its memory map (no MSI-X devices, or the firmware has not assigned their BARs yet)`);
}

/** A VM from its QMP socket. */
export async function vmFromQmp(socket: string, timeoutMs?: number): Promise<Vm> {
  if (!fs.existsSync(socket)) throw new UserError(`record: --qmp ${socket}: no such socket`);
  const q = await Qmp.connect(socket, timeoutMs);
  try {
    const mtree = await q.hmp('info mtree -f');
    const pci = pciDevices((await q.execute('query-pci')) as Array<{ bus: number; devices: PciDevice[] }>);
    const cpus = (await q.execute('query-cpus-fast')) as Array<{ 'thread-id': number; 'cpu-index': number }>;
    if (cpus.length === 0) throw new UserError(`record: --qmp ${socket}: QEMU reports no vCPU threads`);
    const pid = tgidOf(cpus[0]['thread-id']);
    if (pid < 0) throw new UserError(`record: --qmp ${socket}: its vCPU thread ${cpus[0]['thread-id']} is not visible here (another PID namespace?)`);
    const found = parseMtree(mtree, `--qmp ${socket}: info mtree -f`);
    if (found.length === 0) throw noMsix(pid, `--qmp ${socket}`);
    return {
      pid,
      source: `--qmp ${socket}`,
      geometry: geometryFromMtree(found, pci, pid, `--qmp ${socket}`),
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
    const found = parseMtree(fs.readFileSync(file, 'utf8'), file);
    if (found.length === 0) throw noMsix(pid, file);
    geometry = geometryFromMtree(found, null, pid, file);
  }
  return { pid, source: `--${kind} ${file}`, geometry, vcpus: new Map() };
}
