// Device geometry from `lspci -vv` text: where each device's MSI-X table and PBA sit in the address
// space of the OS that ran lspci (GPA inside a guest, HPA on a host). Grammar: docs/log-formats.md 6.1/6.2.

import * as fs from 'fs';
import { UserError, at } from '../errors';

export interface LspciDevice {
  bdf: string;
  vendor: number | null;
  deviceId: number | null;
  name: string;
  msixEnabled: boolean;
  entries: number;
  tableBar: number | null; tableOffset: bigint | null;
  pbaBar: number | null; pbaOffset: bigint | null;
  tableGpa: bigint | null;
  pbaGpa: bigint | null;
  barDisabled: boolean;
  line: number;
}

interface Region { base: bigint | null; memory: boolean; disabled: boolean }
interface BirOffset { bar: number; offset: bigint }
interface MsixCap { line: number; enabled: boolean; entries: number; table?: BirOffset; pba?: BirOffset }

interface Device {
  bdf: string; name: string; vendor: number | null; deviceId: number | null;
  headerIndent: number; top?: number;
  regions: Map<number, Region>;
  unlabeled: Region[];
  caps: MsixCap[];
  config: (number | undefined)[];
}

// Optional -P/-PP bridge path, optional domain (lspci -D, or always when a domain is non-zero).
const HEADER = /^(?:[0-9a-f:.]+\/)*(?:([0-9a-f]{4,8}):)?([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s+(.*)$/i;
const HEX = /^([0-9a-f]{2,3}):((?: [0-9a-f]{2}){1,16})\s*$/i;
// `[virtual]`/`[enhanced]` precede "Memory at" in older pciutils and follow the flags in newer ones.
const REGION = /^(?:Region (\d+): )?(?:\[(?:virtual|enhanced)\] )*(Memory|I\/O ports) at (\S+)(.*)$/;
const MSIX_CAP = /^Capabilities: \[[0-9a-f]+\] MSI-X\b/i;
// Modern wording, and the one before pciutils 3.1.3 (TabSize is also N, not N-1).
const MSIX = /^Capabilities: \[[0-9a-f]+\] MSI-X: Enable([+-]) (?:Count=(\d+) Masked[+-]|Mask[+-] TabSize=(\d+))\s*$/i;
const BIR_LINE = /^(Vector table|PBA): BAR=(\d+) offset=([0-9a-f]{1,8})\s*$/i;

const indentOf = (s: string): number => {
  let n = 0;
  for (const c of s) {
    if (c === '\t') n += 8 - (n % 8);
    else if (c === ' ') n++;
    else break;
  }
  return n;
};

export function parseLspci(text: string): LspciDevice[] {
  return parse(text, 'lspci');
}

// `lspci -vv` of a machine with tens of thousands of functions is a few tens of MB; more than
// this is not lspci output (e.g. /dev/zero, a disk image), and is refused before it is held.
export const MAX_LSPCI_BYTES = 64 << 20;

/** The text of an lspci file, read in chunks up to MAX_LSPCI_BYTES; refuses binary data. */
function readBounded(file: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read: ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UserError(`${file}: cannot read: ${code === 'EISDIR' ? 'is a directory' : code ?? (e as Error).message}`);
      }
      if (n === 0) break;
      const nul = buf.subarray(0, n).indexOf(0);
      if (nul >= 0) throw new UserError(`${at(file, { byte: total + nul })}: NUL byte: binary data, not \`lspci -vv\` text`);
      total += n;
      if (total > MAX_LSPCI_BYTES) throw new UserError(`${file}: more than ${MAX_LSPCI_BYTES >> 20} MiB, not \`lspci -vv\` output (refused before reading it all)`);
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
  } finally {
    fs.closeSync(fd);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function readLspciFile(file: string): LspciDevice[] {
  const text = readBounded(file);
  const devices = parse(text, file);
  if (devices.length === 0) {
    throw new UserError(`${file}: no MSI-X capability found (pass the output of \`lspci -vv\`, run as root so capabilities are shown)`);
  }
  return devices;
}

function parse(text: string, source: string): LspciDevice[] {
  const out: LspciDevice[] = [];
  let dev: Device | null = null;
  let cap: MsixCap | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const lineNo = i + 1;
    const body = raw.trim();
    if (body === '') continue;
    const indent = indentOf(raw);

    const header = HEADER.exec(body);
    if (header && (!dev || indent <= dev.headerIndent)) {
      if (dev) out.push(...finish(dev));
      dev = newDevice(header, indent);
      cap = null;
      continue;
    }
    if (!dev) continue;

    // Hex dump lines (-x/-xxx/-xxxx) sit at the header's indentation, after the verbose text.
    const hex = indent <= dev.headerIndent ? HEX.exec(body) : null;
    if (hex) {
      const base = parseInt(hex[1], 16);
      hex[2].trim().split(' ').forEach((b, k) => { dev!.config[base + k] = parseInt(b, 16); });
      cap = null;
      continue;
    }
    if (indent <= dev.headerIndent) continue;

    dev.top ??= indent;
    if (indent <= dev.top) {
      cap = null;
      if (MSIX_CAP.test(body)) cap = msixCap(body, lineNo, source, dev);
      else region(body, dev);
    } else if (cap && /^(Vector table|PBA)\b/i.test(body)) {
      const m = BIR_LINE.exec(body);
      if (!m) throw new UserError(`${at(source, { line: lineNo })}: malformed MSI-X ${body.split(':')[0]} line: ${body}`);
      const loc = { bar: Number(m[2]), offset: BigInt('0x' + m[3]) };
      if (/^PBA/i.test(m[1])) cap.pba = loc;
      else cap.table = loc;
    }
  }
  if (dev) out.push(...finish(dev));
  return out;
}

function newDevice(m: RegExpExecArray, indent: number): Device {
  const name = m[3].trim();
  // -nn prints [vvvv:dddd]; without names (-n, or ids missing from pci.ids) it is "Device vvvv:dddd".
  const ids = /\[([0-9a-f]{4}):([0-9a-f]{4})\]/i.exec(name) ?? /(?:^[0-9a-f]{4}: |\bDevice )([0-9a-f]{4}):([0-9a-f]{4})\b/i.exec(name);
  return {
    bdf: `${(m[1] ?? '0000').toLowerCase()}:${m[2].toLowerCase()}`,
    name,
    vendor: ids ? parseInt(ids[1], 16) : null,
    deviceId: ids ? parseInt(ids[2], 16) : null,
    headerIndent: indent,
    regions: new Map(), unlabeled: [],
    caps: [], config: [],
  };
}

function msixCap(body: string, line: number, source: string, dev: Device): MsixCap {
  const m = MSIX.exec(body);
  const entries = m ? Number(m[2] ?? m[3]) : 0;
  if (!m || entries < 1 || entries > 2048) {
    throw new UserError(`${at(source, { line })}: malformed MSI-X capability line (expected "MSI-X: Enable+/- Count=N Masked+/-" or "MSI-X: Enable+/- Mask+/- TabSize=N"): ${body}`);
  }
  const cap: MsixCap = { line, enabled: m[1] === '+', entries };
  dev.caps.push(cap);
  return cap;
}

function region(body: string, dev: Device): void {
  const m = REGION.exec(body);
  if (!m) return;
  const addr = m[3];
  const r: Region = {
    base: /^[0-9a-f]+$/i.test(addr) ? BigInt('0x' + addr) : null, // <unassigned>, <ignored>, <broken-64-bit-slot>
    memory: m[2] === 'Memory',
    disabled: /\[disabled\]/.test(m[4]),
  };
  if (m[1] !== undefined) dev.regions.set(Number(m[1]), r);
  else dev.unlabeled.push(r);
}

function finish(dev: Device): LspciDevice[] {
  if (dev.caps.length === 0) return [];
  // Plain -v prints no "Region N:" labels and skips unimplemented BARs, so counting lines would
  // misnumber them; only the dumped config-space BARs say which slot holds which address. A region
  // that matches none ([virtual], Enhanced Allocation) stays unplaced rather than guessed.
  const configBars = [...barsFromConfig(dev.config)];
  for (const r of dev.unlabeled) {
    const slot = configBars.find(([, base]) => base === r.base)?.[0];
    if (slot !== undefined && !dev.regions.has(slot)) dev.regions.set(slot, r);
  }
  const fromConfig = msixFromConfig(dev.config);
  return dev.caps.map((cap) => {
    const table = cap.table ?? fromConfig?.table;
    const pba = cap.pba ?? fromConfig?.pba;
    const t = locate(dev.regions, table);
    const p = locate(dev.regions, pba);
    return {
      bdf: dev.bdf, vendor: dev.vendor, deviceId: dev.deviceId, name: dev.name,
      msixEnabled: cap.enabled, entries: cap.entries,
      tableBar: table?.bar ?? null, tableOffset: table?.offset ?? null,
      pbaBar: pba?.bar ?? null, pbaOffset: pba?.offset ?? null,
      tableGpa: t.gpa, pbaGpa: p.gpa,
      barDisabled: t.disabled,
      line: cap.line,
    };
  });
}

function locate(regions: Map<number, Region>, loc: BirOffset | undefined): { gpa: bigint | null; disabled: boolean } {
  const r = loc && regions.get(loc.bar);
  if (!loc || !r || !r.memory) return { gpa: null, disabled: false };
  if (r.base === null) return { gpa: null, disabled: true };
  return { gpa: r.base + loc.offset, disabled: r.disabled };
}

function dword(cfg: (number | undefined)[], off: number): number | undefined {
  let v = 0;
  for (let k = 3; k >= 0; k--) {
    const b = cfg[off + k];
    if (b === undefined) return undefined;
    v = v * 256 + b;
  }
  return v;
}

function barsFromConfig(cfg: (number | undefined)[]): Map<number, bigint> {
  const bars = new Map<number, bigint>();
  const htype = cfg[0x0e];
  if (htype === undefined) return bars;
  const count = [6, 2, 1][htype & 0x7f] ?? 0;
  for (let i = 0; i < count; i++) {
    const lo = dword(cfg, 0x10 + 4 * i);
    if (lo === undefined) break;
    if (lo & 1) { bars.set(i, BigInt((lo & ~3) >>> 0)); continue; }
    let base = BigInt(lo) & ~0xfn;
    if (((lo >> 1) & 3) === 2) {
      base |= BigInt(dword(cfg, 0x14 + 4 * i) ?? 0) << 32n;
      bars.set(i, base);
      i++;
    } else bars.set(i, base);
  }
  return bars;
}

// +4 Table Offset/BIR and +8 PBA Offset/BIR (docs/log-formats.md 0); the +2 Message Control fields
// (count, enable) are already on the capability line, which -v prints too.
function msixFromConfig(cfg: (number | undefined)[]): { table: BirOffset; pba: BirOffset } | null {
  if (((cfg[0x06] ?? 0) & 0x10) === 0) return null; // Status: no capability list
  const seen = new Set<number>();
  let pos = (cfg[0x34] ?? 0) & ~3;
  while (pos >= 0x40 && !seen.has(pos)) {
    seen.add(pos);
    const id = cfg[pos];
    if (id === undefined) return null; // the dump stops before the list does (-x shows 64 bytes)
    if (id === 0x11) {
      const table = dword(cfg, pos + 4);
      const pba = dword(cfg, pos + 8);
      if (table === undefined || pba === undefined) return null;
      const split = (v: number): BirOffset => ({ bar: v & 7, offset: BigInt(v - (v & 7)) });
      return { table: split(table), pba: split(pba) };
    }
    pos = (cfg[pos + 1] ?? 0) & ~3;
  }
  return null;
}
