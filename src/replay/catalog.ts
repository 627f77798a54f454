// What each model stands for (docs/models.md, sections 1 and 6.1). The README's model table is
// generated from this through `msixtrace models --format markdown`.

export interface ModelInfo {
  name: string;
  aliases: string[];
  variants: string;
  releases: string;
  commits: string[];
  behaviour: string;
}

export const CATALOG: ModelInfo[] = [
  {
    name: 'forward-all', aliases: ['kvm'], variants: 'A', releases: 'Xen ≤ 3.3; upstream KVM',
    commits: ['85715f4bc7'],
    behaviour: 'every table and PBA access goes to the device model (KVM: every access is a KVM_EXIT_MMIO to QEMU)',
  },
  {
    name: 'xen-3.4', aliases: [], variants: 'B', releases: '3.4, 4.0.x before 4.0.4',
    commits: ['34097f0d30', 'df117d7fe3'],
    behaviour: 'dword vector_ctrl reads absorbed from hardware; vector_ctrl writes absorbed unless the entry\'s address/data changed; all else forwarded',
  },
  {
    name: 'xen-4.1', aliases: [], variants: 'C', releases: '4.1.0–4.1.2',
    commits: ['6044f6fa8d'],
    behaviour: 'adds read emulation: dword addr/data reads of entries 0–2 served from a snoop cache (0 if never written), no alignment checks',
  },
  {
    name: 'xen-4.2', aliases: [], variants: "C'", releases: '4.2, 4.3 (and 4.0.4, 4.1.3)',
    commits: ['74c213c506'],
    behaviour: 'as 4.1 with size/alignment gates; an absorbed vector_ctrl write is discarded (guest cannot change the mask bit)',
  },
  {
    name: 'xen-4.4', aliases: [], variants: 'D1+D2', releases: '4.4, 4.5',
    commits: ['a35137373a', '74fd0036de', 'c5397354b9'],
    behaviour: 'guest may write the mask bit again; a forwarded unmask after an address change is redone by Xen at ioreq completion',
  },
  {
    name: 'xen-4.6', aliases: [], variants: 'D3+D4', releases: '4.6.0–4.6.2',
    commits: ['70a3cbb8c9', 'df9f5676b3', '284ffb4f9b', 'ad28e42bd1', '43147e03e8'],
    behaviour: 'valid bits gate cache reads; only unmasks after an address change are forwarded; qword accesses; accept needs a Xen msi_desc; qword unmask lost',
  },
  {
    name: 'xen-4.7', aliases: [], variants: 'D4+D5+D6', releases: '4.7 (and 4.6.3) through 4.18',
    commits: ['7d8519f63a', '3a6222bd57', '9772c480a7', 'de86277679', 'd5016eaee6', '854c6aab46', '74c6dc2d0a', 'c3a52bc631'],
    behaviour: 'as 4.6 with the qword unmask fixed and the first unmask before registration snooped and completed by Xen',
  },
  {
    name: 'xen-4.19', aliases: [], variants: 'E', releases: '4.19 onward',
    commits: ['64b21662b1', 'b2cd07a044'],
    behaviour: 'every accepted table write is also forwarded (both); Xen saves exits on reads only; adjacent registers on the table pages handled',
  },
  {
    name: 'xen-vpci', aliases: [], variants: 'V', releases: 'PVH hardware domain, 4.11 onward',
    commits: ['d6281be9d0', '677053fac1', 'b4f2116060', 'b177892d2d', '7a502b4fbc'],
    behaviour: 'Xen emulates the whole table and PBA: nothing is forwarded',
  },
];

export function modelInfo(name: string): ModelInfo | undefined {
  return CATALOG.find((m) => m.name === name || m.aliases.includes(name));
}
