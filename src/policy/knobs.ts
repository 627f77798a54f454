// The knobs of an interception policy: where each sits in a policy file (a dotted path), the values
// it takes and its slot in the knob array the native engine compiles (native/replay/policy.h,
// enum msx_knob: same order). docs/policies.md explains them; docs/policy.schema.json is generated
// from this table (schemaJson in ./schema).

export type KnobType = 'enum' | 'sizes' | 'bool' | 'entries';
export type KnobValue = string | boolean | number | number[];

export interface KnobDef {
  path: string;
  /** Slots in the native knob array (reads.addr_data fills three); -1: the cache map after them. */
  slots: number[];
  type: KnobType;
  /** enum: the accepted strings, in the order of the native enum. */
  values?: string[];
  describe: string;
}

export const KNOB_COUNT = 25; // PK_COUNT
export const MAX_ENTRIES = 2048;

export const KNOBS: KnobDef[] = [
  { path: 'accept', slots: [0], type: 'enum', values: ['none', 'page', 'entry', 'table'],
    describe: 'which table accesses the hypervisor claims: none (every access goes to the device model), page (an entry on the same 4 KiB page is bound), entry (the entry itself is bound), table (any entry of a registered table)' },
  { path: 'register', slots: [1], type: 'enum', values: ['first-bind', 'enable', 'always'],
    describe: 'when the table becomes known to the hypervisor: at the first interrupt bind, at MSI-X enable (the first table access of the trace), or from the start' },
  { path: 'last_byte', slots: [2], type: 'enum', values: ['ignore', 'crash'],
    describe: 'an access whose first byte is claimed but whose last byte is not: ignored, or the guest is crashed' },
  { path: 'first_unmask', slots: [3], type: 'enum', values: ['forward', 'snoop'],
    describe: 'an unmask the hypervisor does not claim: forwarded, or also remembered and redone by the hypervisor when the device model binds the entry' },
  { path: 'pba.own_page', slots: [4], type: 'enum', values: ['direct-mapped', 'read-only', 'forward', 'emulate'],
    describe: 'a PBA on a page of its own: mapped into the guest (never exits), mapped read-only (writes crash the guest), trapped and forwarded, or emulated (absorbed)' },
  { path: 'pba.table_page', slots: [5], type: 'enum', values: ['forward', 'adjacent', 'emulate'],
    describe: 'a PBA sharing a page with the table: forwarded, handled like any adjacent register (see adjacent), or emulated (absorbed)' },
  { path: 'adjacent', slots: [6], type: 'enum', values: ['forward', 'table-pages', 'emulate'],
    describe: 'accesses in the trapped region past the last entry: forwarded, handled on the table\'s own pages (reads served, writes written to the device and forwarded), or emulated (absorbed)' },
  { path: 'gates.read_sizes', slots: [7], type: 'sizes', describe: 'access sizes (bytes) the hypervisor handles for reads; others fail the gate' },
  { path: 'gates.write_sizes', slots: [8], type: 'sizes', describe: 'access sizes (bytes) the hypervisor handles for writes; others fail the gate' },
  { path: 'gates.aligned', slots: [9], type: 'bool', describe: 'true: an access not aligned to its size fails the gate' },
  { path: 'gates.fail', slots: [10], type: 'enum', values: ['forward', 'absorb'],
    describe: 'what happens to an access that fails a gate: forwarded, or absorbed as a no-op' },
  { path: 'gates.unaligned_writes', slots: [11], type: 'enum', values: ['gate', 'drop'],
    describe: 'misaligned writes: as gates.aligned and gates.fail say, or dropped (absorbed) whatever the gates' },
  { path: 'reads.addr_data', slots: [12, 13, 14], type: 'enum', values: ['never', 'cache', 'device'],
    describe: 'addr_lo, addr_hi and data reads at once: never served by the hypervisor (forwarded), served from its snoop cache, or read from the device' },
  { path: 'reads.addr_lo', slots: [12], type: 'enum', values: ['never', 'cache', 'device'], describe: 'addr_lo reads (overrides reads.addr_data)' },
  { path: 'reads.addr_hi', slots: [13], type: 'enum', values: ['never', 'cache', 'device'], describe: 'addr_hi reads (overrides reads.addr_data)' },
  { path: 'reads.data', slots: [14], type: 'enum', values: ['never', 'cache', 'device'], describe: 'data reads (overrides reads.addr_data)' },
  { path: 'reads.vector_ctrl', slots: [15], type: 'enum', values: ['never', 'cache', 'device', 'guest-mask'],
    describe: 'vector_ctrl reads: never served (forwarded), from the snoop cache, from the device, or from the hypervisor\'s guest mask bit' },
  { path: 'cache.entries', slots: [-1], type: 'entries',
    describe: 'entries whose fields the snoop cache holds: a number N (entries 0..N-1), "all", or a list of entry numbers' },
  { path: 'cache.valid', slots: [16], type: 'enum', values: ['always', 'after-write', 'per-field'],
    describe: 'when a cached field may be served: always (never-written fields read as 0), once the entry was written through the hypervisor, or per field (valid bits)' },
  { path: 'writes.addr_data', slots: [17], type: 'enum', values: ['absorb', 'forward', 'both'],
    describe: 'addr_lo/addr_hi/data writes (always noted in the cache and the address-change flag): absorbed, forwarded, or both' },
  { path: 'writes.vector_ctrl', slots: [18], type: 'enum', values: ['absorb', 'forward', 'both', 'absorb-unless-address-changed'],
    describe: 'vector_ctrl writes: absorbed, forwarded, handled and forwarded (both), or absorbed unless the entry\'s address/data changed since the last forwarded one' },
  { path: 'writes.after_address_change.mask', slots: [19], type: 'enum', values: ['forward', 'handle'],
    describe: 'a masking vector_ctrl write after an address change: forwarded (flag cleared), or handled like any masking write (flag kept)' },
  { path: 'writes.after_address_change.unmask', slots: [20], type: 'enum', values: ['forward', 'forward-then-unmask'],
    describe: 'an unmasking vector_ctrl write after an address change: forwarded, or forwarded and unmasked again by the hypervisor when the device model completes it' },
  { path: 'writes.unbound_entry', slots: [21], type: 'enum', values: ['absorb', 'forward'],
    describe: 'a vector_ctrl write the hypervisor would absorb, for an entry with no interrupt bound: absorbed anyway, or forwarded' },
  { path: 'writes.mask_bit', slots: [22], type: 'enum', values: ['hardware', 'discard', 'guest-mask'],
    describe: 'an absorbed vector_ctrl write: written to the device, discarded, or kept as the guest mask bit' },
  { path: 'writes.qword_unmask_at', slots: [23], type: 'enum', values: ['vector_ctrl', 'data'],
    describe: 'the address a qword unmask (data + vector_ctrl) is redone at: the vector_ctrl word, or the data word (an old bug: the unmask is lost)' },
  { path: 'writes.address_flag', slots: [24], type: 'enum', values: ['entry', 'offset'],
    describe: 'the address-change flag is kept per entry, or per in-entry offset (an old bug: vector_ctrl writes never see it set)' },
];

/** Object keys that group knobs in a policy file. */
export const GROUPS = ['pba', 'gates', 'reads', 'cache', 'writes', 'writes.after_address_change'];
/** Top-level keys that are not knobs. */
export const META = ['$schema', 'name', 'description', 'base'];

/** The knobs a complete policy must give (reads.addr_data stands in for its three fields). */
export const REQUIRED = KNOBS.filter((k) => !['reads.addr_lo', 'reads.addr_hi', 'reads.data'].includes(k.path)).map((k) => k.path);

export function knob(path: string): KnobDef | undefined {
  return KNOBS.find((k) => k.path === path);
}

/** Checks a value for knob k; returns it in canonical form or a message saying what is wrong. */
export function checkValue(k: KnobDef, v: unknown): { value: KnobValue } | { error: string } {
  switch (k.type) {
    case 'enum':
      if (typeof v === 'string' && k.values!.includes(v)) return { value: v };
      return { error: `${k.path} must be one of ${k.values!.map((x) => `"${x}"`).join(', ')}` };
    case 'bool':
      if (typeof v === 'boolean') return { value: v };
      return { error: `${k.path} must be true or false` };
    case 'sizes': {
      if (Array.isArray(v) && v.every((x) => x === 1 || x === 2 || x === 4 || x === 8) && new Set(v).size === v.length) {
        return { value: [...(v as number[])].sort((a, b) => a - b) };
      }
      return { error: `${k.path} must be a list of distinct sizes among 1, 2, 4, 8` };
    }
    case 'entries': {
      if (v === 'all') return { value: 'all' };
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_ENTRIES) return { value: v };
      if (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x < MAX_ENTRIES) && new Set(v).size === v.length) {
        return { value: [...(v as number[])].sort((a, b) => a - b) };
      }
      return { error: `${k.path} must be a number 0..${MAX_ENTRIES}, "all", or a list of distinct entry numbers 0..${MAX_ENTRIES - 1}` };
    }
  }
}

/** A --vary value as written on the command line: lists use '+' (4+8, 0+1+5). */
export function valueFromText(k: KnobDef, text: string): unknown {
  const t = text.trim();
  switch (k.type) {
    case 'bool': return t === 'true' ? true : t === 'false' ? false : t;
    case 'sizes': return t.split('+').map((x) => (/^[0-9]+$/.test(x) ? Number(x) : x));
    case 'entries':
      if (t === 'all') return 'all';
      if (t.includes('+') || t.startsWith('[')) return t.replace(/^\[|\]$/g, '').split('+').map((x) => (/^[0-9]+$/.test(x) ? Number(x) : x));
      return /^[0-9]+$/.test(t) ? Number(t) : t;
    default: return t;
  }
}

export function valueText(v: KnobValue): string {
  return Array.isArray(v) ? v.join('+') : String(v);
}

/** The native knob array: KNOB_COUNT values, then the cache map (1 = entry cached). */
export function knobArray(values: Map<string, KnobValue>): Int32Array {
  const out = new Int32Array(KNOB_COUNT + MAX_ENTRIES);
  for (const k of KNOBS) {
    if (k.path === 'reads.addr_data') continue; // expanded into its fields when loaded
    const v = values.get(k.path);
    if (v === undefined) throw new Error(`internal: knob ${k.path} unset`);
    if (k.type === 'entries') {
      for (let n = 0; n < MAX_ENTRIES; n++) {
        out[KNOB_COUNT + n] = v === 'all' ? 1 : Array.isArray(v) ? (v.includes(n) ? 1 : 0) : n < (v as number) ? 1 : 0;
      }
      continue;
    }
    const slot = k.slots[0];
    if (k.type === 'enum') out[slot] = k.values!.indexOf(v as string);
    else if (k.type === 'bool') out[slot] = v ? 1 : 0;
    else out[slot] = (v as number[]).reduce((m, s) => m | s, 0);
  }
  return out;
}
