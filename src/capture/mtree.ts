// Device geometry from QEMU's monitor: `info mtree -f` (or plain `info mtree`), taken on the host
// with no shell in the guest. Each MSI-X function shows as two regions,
//   00000000febc0000-00000000febc004f (prio 0, i/o): msix-table
//   00000000febc0800-00000000febc0807 (prio 0, i/o): msix-pba
// at guest-physical addresses once the firmware or the guest has assigned the BAR. QEMU sizes the
// table region at 16 bytes per entry and the PBA at one bit per entry in whole QWORDs, so the entry
// count follows from the table's size. The tree view nests both under a `<device>-msix` container;
// the flat view (-f) lists them without it, and lists the system memory once per address space
// that shows it, so one range can appear several times.
import * as fs from 'fs';
import { UserError } from '../errors';
import { pbaBytes } from './geometry';

export interface MtreeDevice {
  /** The `<name>-msix` container in the tree view ('' in the flat view). */
  name: string;
  tableGpa: bigint;
  entries: number;
  pbaGpa: bigint | null;
  /** Line of the msix-table region (1-based). */
  line: number;
}

// "<indent><start>-<end> (prio N, kind): <name>[ @offset][ KVM][ owner:{...}]"
const REGION = /^(\s*)([0-9a-f]{1,16})-([0-9a-f]{1,16}) \(prio -?\d+, [a-z/ ]+\): (\S+)/i;
const MAX_ENTRIES = 2048;

interface Span { start: bigint; end: bigint; line: number; container: string }

export function parseMtree(text: string, source: string): MtreeDevice[] {
  const tables: Span[] = [];
  const pbas: Span[] = [];
  // Open containers by indent, for the tree view's `<device>-msix` parent.
  const parents: Array<{ indent: number; name: string }> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = REGION.exec(lines[i]);
    if (!m) {
      if (lines[i].trim() !== '' && !/^\s/.test(lines[i])) parents.length = 0; // a new view or address space
      continue;
    }
    const indent = m[1].length;
    while (parents.length && parents[parents.length - 1].indent >= indent) parents.pop();
    const name = m[4];
    const start = BigInt('0x' + m[2]);
    const end = BigInt('0x' + m[3]) + 1n;
    if (end <= start) throw new UserError(`${source}:${i + 1}: region ${name} ends before it starts`);
    const container = parents.length ? parents[parents.length - 1].name : '';
    if (name === 'msix-table') tables.push({ start, end, line: i + 1, container });
    else if (name === 'msix-pba') pbas.push({ start, end, line: i + 1, container });
    parents.push({ indent, name });
  }
  const uniq = (spans: Span[]): Span[] => {
    const seen = new Map<string, Span>();
    for (const s of spans) {
      const key = `${s.start}-${s.end}`;
      const had = seen.get(key);
      if (!had) seen.set(key, s);
      else if (!had.container && s.container) had.container = s.container;
    }
    return [...seen.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  };
  const ts = uniq(tables);
  const ps = uniq(pbas);
  const out: MtreeDevice[] = [];
  for (const t of ts) {
    const bytes = t.end - t.start;
    // A region the flat view shows cut short by an overlapping one does not give the table size.
    if (bytes % 16n !== 0n || bytes / 16n < 1n || bytes / 16n > BigInt(MAX_ENTRIES)) {
      throw new UserError(`${source}:${t.line}: msix-table of ${bytes} bytes is not a whole table of 1 to ${MAX_ENTRIES} 16-byte entries (is the region partly hidden by another one?)`);
    }
    out.push({ name: t.container.endsWith('-msix') ? t.container : '', tableGpa: t.start, entries: Number(bytes / 16n), pbaGpa: null, line: t.line });
  }
  // A PBA belongs to a table whose entry count gives the PBA's size: the one in its own container
  // (tree view: the BAR or `<device>-msix` region holding both) if there is one, else the nearest,
  // when exactly one is nearest.
  for (const p of ps) {
    const fits = out.filter((d) => BigInt(pbaBytes(d.entries)) === p.end - p.start && d.pbaGpa === null);
    const sameBar = fits.filter((d) => p.container !== '' && ts[out.indexOf(d)].container === p.container);
    let best: MtreeDevice | null = null;
    let bestDist = -1n;
    let tie = false;
    for (const d of sameBar.length ? sameBar : fits) {
      const dist = p.start > d.tableGpa ? p.start - d.tableGpa : d.tableGpa - p.start;
      if (best === null || dist < bestDist) { best = d; bestDist = dist; tie = false; }
      else if (dist === bestDist) tie = true;
    }
    if (best && !tie) {
      best.pbaGpa = p.start;
    }
  }
  return out;
}

export function readMtreeFile(file: string): { devices: MtreeDevice[]; notes: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read: ${(e as Error).message}`);
  }
  const devices = parseMtree(text, file);
  if (devices.length === 0) {
    throw new UserError(`${file}: no msix-table region (pass the output of the QEMU monitor's \`info mtree -f\`, taken after the firmware assigned the BARs)`);
  }
  const notes = devices.filter((d) => d.pbaGpa === null)
    .map((d) => `${file}:${d.line}: no msix-pba region pairs with the msix-table at 0x${d.tableGpa.toString(16)}; PBA accesses of it are not kept`);
  return { devices, notes };
}
