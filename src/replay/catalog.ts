// What each model stands for (docs/models.md, sections 1 and 6.1). The README's model table is
// generated from this through `msixtrace models --format markdown`.

/** A Xen release as [major, minor, patch]. */
export type Release = [number, number, number];

export interface ModelInfo {
  name: string;
  aliases: string[];
  variants: string;
  releases: string;
  /** The releases in short, for every output row: "4.7–4.18". */
  range: string;
  /** Xen releases this model answers for when asked by release (-m xen-4.17), inclusive [from, to]. */
  covers: Array<[Release, Release]>;
  commits: string[];
  behaviour: string;
}

/** The newest Xen release the models were checked against; later ones are refused, not guessed. */
export const LATEST: Release = [4, 22, 0];

export const CATALOG: ModelInfo[] = [
  {
    name: 'forward-all', aliases: ['kvm'], variants: 'A', releases: 'Xen ≤ 3.3; upstream KVM',
    range: 'Xen ≤3.3, KVM', covers: [[[3, 0, 0], [3, 3, 99]]],
    commits: ['85715f4bc7'],
    behaviour: 'every table and PBA access goes to the device model (KVM: every access is a KVM_EXIT_MMIO to QEMU)',
  },
  {
    name: 'xen-3.4', aliases: [], variants: 'B', releases: '3.4, 4.0.x before 4.0.4',
    range: '3.4–4.0.3', covers: [[[3, 4, 0], [4, 0, 3]]],
    commits: ['34097f0d30', 'df117d7fe3'],
    behaviour: 'dword vector_ctrl reads absorbed from hardware; vector_ctrl writes absorbed unless the entry\'s address/data changed; all else forwarded',
  },
  {
    name: 'xen-4.1', aliases: [], variants: 'C', releases: '4.1.0–4.1.2',
    range: '4.1.0–4.1.2', covers: [[[4, 1, 0], [4, 1, 2]]],
    commits: ['6044f6fa8d'],
    behaviour: 'adds read emulation: dword addr/data reads of entries 0–2 served from a snoop cache (0 if never written), no alignment checks',
  },
  {
    name: 'xen-4.2', aliases: [], variants: "C'", releases: '4.2, 4.3 (and 4.0.4, 4.1.3)',
    range: '4.2–4.3, 4.0.4+, 4.1.3+', covers: [[[4, 2, 0], [4, 3, 99]], [[4, 0, 4], [4, 0, 99]], [[4, 1, 3], [4, 1, 99]]],
    commits: ['74c213c506'],
    behaviour: 'as 4.1 with size/alignment gates; an absorbed vector_ctrl write is discarded (guest cannot change the mask bit)',
  },
  {
    name: 'xen-4.4', aliases: [], variants: 'D1+D2', releases: '4.4, 4.5',
    range: '4.4–4.5', covers: [[[4, 4, 0], [4, 5, 99]]],
    commits: ['a35137373a', '74fd0036de', 'c5397354b9'],
    behaviour: 'guest may write the mask bit again; a forwarded unmask after an address change is redone by Xen at ioreq completion',
  },
  {
    name: 'xen-4.6', aliases: [], variants: 'D3+D4', releases: '4.6.0–4.6.2',
    range: '4.6.0–4.6.2', covers: [[[4, 6, 0], [4, 6, 2]]],
    commits: ['70a3cbb8c9', 'df9f5676b3', '284ffb4f9b', 'ad28e42bd1', '43147e03e8'],
    behaviour: 'valid bits gate cache reads; only unmasks after an address change are forwarded; qword accesses; accept needs a Xen msi_desc; qword unmask lost',
  },
  {
    name: 'xen-4.7', aliases: [], variants: 'D4+D5+D6', releases: '4.7 (and 4.6.3) through 4.18',
    range: '4.6.3–4.18', covers: [[[4, 6, 3], [4, 18, 99]]],
    commits: ['7d8519f63a', '3a6222bd57', '9772c480a7', 'de86277679', 'd5016eaee6', '854c6aab46', '74c6dc2d0a', 'c3a52bc631'],
    behaviour: 'as 4.6 with the qword unmask fixed and the first unmask before registration snooped and completed by Xen',
  },
  {
    name: 'xen-4.19', aliases: [], variants: 'E', releases: '4.19 onward',
    range: '4.19–4.22', covers: [[[4, 19, 0], [LATEST[0], LATEST[1], 99]]],
    commits: ['64b21662b1', 'b2cd07a044'],
    behaviour: 'every accepted table write is also forwarded (both); Xen saves exits on reads only; adjacent registers on the table pages handled',
  },
  {
    name: 'xen-vpci', aliases: [], variants: 'V', releases: 'PVH hardware domain, 4.11 onward',
    range: '4.11+ PVH dom0', covers: [],
    commits: ['d6281be9d0', '677053fac1', 'b4f2116060', 'b177892d2d', '7a502b4fbc'],
    behaviour: 'Xen emulates the whole table and PBA: nothing is forwarded',
  },
];

export function modelInfo(name: string): ModelInfo | undefined {
  return CATALOG.find((m) => m.name === name || m.aliases.includes(name));
}

const before = (a: Release, b: Release): boolean =>
  a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];

/**
 * The model that answers for a release named as `xen-X.Y` or `xen-X.Y.Z` (a release without a patch
 * level means its .0, so xen-4.0 is 4.0.0): `{ model }`, or `{ why }` when the name is a release the
 * models do not cover, or null when the name is not a release at all (then it is no model either).
 * Model names themselves (xen-4.6) are looked up before this.
 */
export function modelForRelease(name: string): { model: ModelInfo } | { why: string } | null {
  const m = /^xen-?(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?$/i.exec(name.trim());
  if (!m) return null;
  const r: Release = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const found = CATALOG.find((info) => info.covers.some(([from, to]) => !before(r, from) && !before(to, r)));
  if (found) return { model: found };
  const span = `Xen 3.0 to ${LATEST[0]}.${LATEST[1]}`;
  return { why: before(r, [3, 0, 0]) ? `${name} is older than the models cover (${span})` : `${name} is newer than the models know (they cover ${span}; for a later release pick the model of the newest one, xen-4.19)` };
}

/** One model of a -m list: the names the user gave for it and what answers. */
export interface ModelChoice {
  model: string;
  asked: string[];
  range: string;
}

/** "xen-4.17 (model xen-4.7)" when asked by release or alias, else the model's name. */
export function choiceLabel(c: { model: string; asked?: string[] }): string {
  const asked = (c.asked ?? []).filter((a) => a !== c.model);
  return asked.length ? `${asked.join(', ')} (model ${c.model})` : c.model;
}

export function rangeOf(model: string): string {
  return modelInfo(model)?.range ?? '';
}

/**
 * -m values: model names, aliases (kvm), releases (xen-4.17), comma lists and 'all'; order kept,
 * one choice per model (names that select the same model share it). `resolve` maps a model name or
 * alias to its canonical name (the native library's list) and throws for unknown names; `all` lists them.
 */
export function chooseModels(list: string[] | string | undefined, resolve: (name: string) => string | null,
  all: () => string[], unknown: (name: string) => Error): ModelChoice[] {
  const given = Array.isArray(list) ? list : list !== undefined ? [list] : ['all'];
  const raw = given.flatMap((s) => String(s).split(',')).map((s) => s.trim());
  if (raw.length === 0 || raw.every((s) => s === '')) throw unknown('');
  const out: ModelChoice[] = [];
  const add = (model: string, asked: string): void => {
    const c = out.find((o) => o.model === model);
    if (!c) out.push({ model, asked: [asked], range: rangeOf(model) });
    else if (!c.asked.includes(asked)) c.asked.push(asked);
  };
  for (const name of raw.filter(Boolean)) {
    if (name === 'all') {
      for (const m of all()) add(m, m);
      continue;
    }
    const direct = resolve(name);
    if (direct !== null) {
      add(direct, name);
      continue;
    }
    const rel = modelForRelease(name);
    if (rel && 'model' in rel) add(rel.model.name, name);
    else if (rel) throw unknown(rel.why);
    else throw unknown(name);
  }
  return out;
}
