// Linux kernel versions and era names -> the guest behaviour era of docs/guest-patterns.md
// (A.0-A.7), plus the few within-era variants the spec's tables distinguish.
import { UserError } from '../errors';

export type EraId = '<=2.6.29' | '2.6.30-5.13' | '5.14' | '5.15-6.16' | '6.17+';
export const ERA_IDS: EraId[] = ['<=2.6.29', '2.6.30-5.13', '5.14', '5.15-6.16', '6.17+'];

export interface KernelSpec {
  /** What the user asked for, e.g. "2.6.32". */
  asked: string;
  /** The version the variants are derived from ("2.6.32", "4.19.205"). */
  version: string;
  era: EraId;
  /** 2.6.30 exactly: enable = Wc x nvec, Wm x nvec, Rc x nvec (A.1 2.6.30 row). */
  enable2630: boolean;
  /** 2.6.30 and early 2.6.3x: Rm(n) before the message rewrite at request_irq and affinity moves (A.2, A.4 `[Rm]`). */
  readBack: boolean;
  /** x86 reservation mode (4.15+): enable writes a reserved vector, request_irq activates the real one (A.1, A.2). */
  reservation: boolean;
  /** free_irq deactivates: all-zero message after the mask (A.5 "+zero Wm on domain kernels"). */
  zeroOnFree: boolean;
  /** x86 MSI message flavour: lowest-priority logical (< 4.15) or fixed delivery (4.15+). */
  lowestPriority: boolean;
  /** MSI_DATA_LEVEL_ASSERT (0x4000) in the data word (< 5.10). */
  levelAssert: boolean;
}

/** Representative versions for era names (so `--kernel 5.15-6.16` means a 6.1 guest). */
const ERA_ALIASES: Record<string, string> = {
  '<=2.6.29': '2.6.29', '≤2.6.29': '2.6.29', '2.6.2x': '2.6.29',
  '2.6.30-5.13': '2.6.32', '2.6.3x': '2.6.32',
  '5.14': '5.14',
  '5.15-6.16': '6.1', '5.15-6.x': '6.1', '5.15+': '6.1',
  '6.17+': '6.17', '6.17-': '6.17', latest: '6.17',
};

interface Parsed { base: number[]; sub: number | null }

function parse(text: string): Parsed | null {
  const m = /^(?:linux-?|v)?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+~].*)?$/i.exec(text.trim());
  if (!m) return null;
  const n = m.slice(1).map((s) => (s === undefined ? null : Number(s)));
  if (n[0] === 2) {
    if (n[1] !== 6 || n[2] === null) return null;
    return { base: [2, 6, n[2] as number], sub: n[3] };
  }
  if (n[3] !== null) return null;
  return { base: [n[0] as number, n[1] as number, 0], sub: n[2] };
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
const ge = (a: number[], ...b: number[]): boolean => cmp(a, [b[0], b[1], b[2] ?? 0]) >= 0;
const lt = (a: number[], ...b: number[]): boolean => !ge(a, ...b);

/** Maps a version or an era name to its era and variants; UserError on anything else. */
export function resolveKernel(text: string): KernelSpec {
  const asked = String(text).trim();
  const version = ERA_ALIASES[asked.toLowerCase()] ?? asked;
  const p = parse(version);
  if (!p) {
    throw new UserError(`unknown kernel '${asked}' (give a version like 2.6.29, 2.6.32, 4.19, 5.14, 6.1, 6.17, or an era: ${ERA_IDS.join(', ')})`);
  }
  const v = p.base;
  // 5.14's enable/teardown rework went to stable in Aug 2021 (spec A.1: e.g. 4.14.245, 4.19.205).
  const backport514 = (cmp(v, [4, 14, 0]) === 0 && (p.sub ?? 0) >= 245) || (cmp(v, [4, 19, 0]) === 0 && (p.sub ?? 0) >= 205);
  let era: EraId;
  if (lt(v, 2, 6, 30)) era = '<=2.6.29';
  else if (backport514) era = '5.14';
  else if (lt(v, 5, 14)) era = '2.6.30-5.13';
  else if (lt(v, 5, 15)) era = '5.14';
  else if (lt(v, 6, 17)) era = '5.15-6.16';
  else era = '6.17+';
  return {
    asked,
    version,
    era,
    enable2630: cmp(v, [2, 6, 30]) === 0,
    // Early 2.6.3x re-read the message (Rm) before rewriting it; the cached-message change reached
    // 2.6.32.y stable (2.6.32.69 has it) and 3.x. A 2.6.32.y with an explicit sublevel counts as late.
    readBack: ge(v, 2, 6, 30) && lt(v, 3, 0) && !(cmp(v, [2, 6, 32]) === 0 && p.sub !== null),
    reservation: ge(v, 4, 15),
    zeroOnFree: ge(v, 4, 15),
    lowestPriority: lt(v, 4, 15),
    levelAssert: lt(v, 5, 10),
  };
}
