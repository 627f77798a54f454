// Whether a trace begins in the middle of a device's life. A device comes out of reset with every
// entry masked and its address and data zero, and a driver writes an entry's address and data before
// it unmasks it. So an entry that, before any address/data write to it, is unmasked (a vector_ctrl
// write with the mask bit clear), read back unmasked (a flush-read after an unmask), or read back
// holding an address or data (a read-modify-write of a programmed entry) was set up before the
// trace began: the device was past its enable sequence, Xen had it registered and bound. That is
// the warm start; with no such entry the trace shows the setup, and cold fits.
// `--start auto` takes that verdict per header device, and header devices are per guest.
import { DIR_WRITE, REGION_TABLE } from '../events';
import { TraceReader } from '../tracefile/reader';
import { Device } from '../tracefile/schema';
import { StartState } from './model';

export interface MidRun {
  device: number;
  guest: number;
  entry: number;
  /** Index of the event (from 0) that shows it. */
  event: number;
  why: 'unmask' | 'unmasked read' | 'programmed read';
}

export interface StartScan {
  /** One per device that starts mid-run: its first evidence. */
  midRun: MidRun[];
  /** The start each header device gets under --start auto. */
  starts: StartState[];
}

/** Scans a trace's events for devices that start mid-run. */
export function scanStart(file: string, salvage = false): StartScan {
  const reader = new TraceReader(file, { salvage });
  try {
    return scanReader(reader, reader.header.devices);
  } finally {
    reader.close();
  }
}

function scanReader(reader: TraceReader, devices: Device[]): StartScan {
  const programmed = devices.map((d) => new Uint8Array(d.tableEntries));
  const found: Array<MidRun | null> = devices.map(() => null);
  // Entries set up in the trace, per device: once all are, the device has its verdict (cold).
  const setUp = devices.map(() => 0);
  let open = devices.length; // devices without a verdict yet
  let base = 0;
  for (const b of reader.batches()) {
    // Every device decided: the rest of the trace cannot change a verdict.
    if (open === 0) break;
    {
      for (let i = 0; i < b.n; i++) {
        if (b.region[i] !== REGION_TABLE) continue;
        const d = b.device[i];
        if (d >= devices.length || found[d] !== null) continue;
        const off = b.offset[i];
        const n = off >>> 4;
        const prog = programmed[d];
        if (n >= prog.length || prog[n]) continue;
        const o = off & 15;
        const size = b.size[i];
        let ctrl: number;
        if (o === 12) ctrl = b.valueLo[i];
        else if (o === 8 && size === 8) ctrl = b.valueHi[i];
        else ctrl = -1;
        if (b.dir[i] === DIR_WRITE) {
          // Address or data written (a qword at 8 writes data before vector_ctrl): set up here.
          if (o < 12) {
            prog[n] = 1;
            if (++setUp[d] === prog.length) open--;
            continue;
          }
          if (ctrl >= 0 && (ctrl & 1) === 0) {
            found[d] = { device: d, guest: devices[d].guest, entry: n, event: base + i, why: 'unmask' };
            open--;
          }
        } else if (ctrl >= 0 && (ctrl & 1) === 0) {
          found[d] = { device: d, guest: devices[d].guest, entry: n, event: base + i, why: 'unmasked read' };
          open--;
        } else if (o < 12 && (b.valueLo[i] !== 0 || (o < 8 && size === 8 && b.valueHi[i] !== 0))) {
          found[d] = { device: d, guest: devices[d].guest, entry: n, event: base + i, why: 'programmed read' };
          open--;
        }
      }
    }
    base += b.n;
  }
  return {
    midRun: found.filter((f): f is MidRun => f !== null),
    starts: found.map((f) => (f ? 'warm' : 'cold')),
  };
}

/** The replay note for devices that start mid-run, or null when none does. */
export function midRunNote(trace: string, scan: StartScan, devices: Device[], start: StartState | 'auto'): string | null {
  if (scan.midRun.length === 0) return null;
  const manyGuests = new Set(devices.map((d) => d.guest)).size > 1;
  const which = scan.midRun.slice(0, 4).map((m) => {
    const d = devices[m.device];
    const what = m.why === 'unmask' ? 'unmasked' : m.why === 'unmasked read' ? 'read unmasked' : 'read holding an address/data';
    return `device ${m.device}${d?.bdf ? ` ${d.bdf}` : ''}${manyGuests ? ` of guest ${m.guest}` : ''} (entry ${m.entry} ${what} at event ${m.event} before any address/data write)`;
  }).join(', ') + (scan.midRun.length > 4 ? `, and ${scan.midRun.length - 4} more` : '');
  const all = scan.midRun.length === devices.length;
  if (start === 'auto') return `${trace}: starts mid-run for ${which}: replayed warm${all ? '' : ', the other devices cold'} (--start auto)`;
  return `${trace}: starts mid-run for ${which}; replayed ${start}: --start warm (or --start auto, per device) fits such a trace`;
}
