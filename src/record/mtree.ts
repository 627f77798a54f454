// QEMU's `info mtree -f` (flat view): the guest-physical ranges of the msix-table and msix-pba
// regions, e.g. "  00000000febc0000-00000000febc004f (prio 0, i/o): msix-table". The same region
// appears once per address space that shows system memory; each range is kept once.
export interface MsixRegion {
  kind: 'table' | 'pba';
  start: bigint;
  /** Inclusive, as mtree prints it. */
  last: bigint;
}

const LINE = /^\s*([0-9a-f]+)-([0-9a-f]+) \([^)]*\): msix-(table|pba)\b/gim;

export function parseMtree(text: string): MsixRegion[] {
  const out: MsixRegion[] = [];
  for (const m of text.matchAll(LINE)) {
    const r: MsixRegion = { kind: m[3].toLowerCase() as 'table' | 'pba', start: BigInt('0x' + m[1]), last: BigInt('0x' + m[2]) };
    if (!out.some((o) => o.kind === r.kind && o.start === r.start)) out.push(r);
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}
