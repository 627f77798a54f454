// Counter vectors from the native side turned into the report shapes of DESIGN.md.
import { FIELD_NAMES } from '../events';
import { C_DEFERRED_UNMASKS, C_EVENTS, C_GUEST_CRASH } from '../native/binding';

export interface ReadCounts { absorbed: number; forwarded: number }
export interface WriteCounts { absorbed: number; forwarded: number; both: number }
export interface DirCounts { read: ReadCounts; write: WriteCounts }

export const counterIndex = (field: number, dir: number, outcome: number): number => (field * 2 + dir) * 3 + outcome;

export function emptyDir(): DirCounts {
  return { read: { absorbed: 0, forwarded: 0 }, write: { absorbed: 0, forwarded: 0, both: 0 } };
}

export function fieldsFrom(c: BigUint64Array): Record<string, DirCounts> {
  const fields: Record<string, DirCounts> = {};
  FIELD_NAMES.forEach((name, f) => {
    fields[name] = {
      read: { absorbed: Number(c[counterIndex(f, 0, 0)]), forwarded: Number(c[counterIndex(f, 0, 1)]) },
      write: {
        absorbed: Number(c[counterIndex(f, 1, 0)]), forwarded: Number(c[counterIndex(f, 1, 1)]),
        both: Number(c[counterIndex(f, 1, 2)]),
      },
    };
  });
  return fields;
}

export function totalsFrom(fields: Record<string, DirCounts>): DirCounts {
  const t = emptyDir();
  for (const f of Object.values(fields)) addInto(t, f);
  return t;
}

export function addInto(t: DirCounts, f: DirCounts): void {
  t.read.absorbed += f.read.absorbed;
  t.read.forwarded += f.read.forwarded;
  t.write.absorbed += f.write.absorbed;
  t.write.forwarded += f.write.forwarded;
  t.write.both += f.write.both;
}

export function xenSideFrom(c: BigUint64Array): { deferred_unmasks: number; guest_crash: number } {
  return { deferred_unmasks: Number(c[C_DEFERRED_UNMASKS]), guest_crash: Number(c[C_GUEST_CRASH]) };
}

export function eventsFrom(c: BigUint64Array): number {
  return Number(c[C_EVENTS]);
}
