// What a capture saw, for the report on stderr at its end: lines read, accesses kept per device and
// region, what was skipped and why (with the first few places), and what the tracer lost.
import { DIR_WRITE, REGION_PBA } from '../events';
import { Device } from '../tracefile/schema';

const FIRST_PLACES = 5;

export class Tally {
  count = 0;
  readonly first: string[] = [];

  /** Whether further places would only be counted. */
  get full(): boolean {
    return this.first.length >= FIRST_PLACES;
  }

  add(place: string): void {
    this.count++;
    if (this.first.length < FIRST_PLACES) this.first.push(place);
  }
}

export class CaptureStats {
  /** Lines (text logs) or records (simpletrace) read, over all inputs. */
  lines = 0;
  records = 0;
  kept = 0;
  /** Parsed accesses that are not to an MSI-X table or PBA (other regions, other addresses). */
  notMsix = 0;
  /** Named MSI-X accesses that fall outside every known table/PBA. */
  readonly outside = new Tally();
  readonly malformed = new Tally();
  lost = 0;
  interrupted = false;
  readonly notes: string[] = [];
  readonly formats = new Set<string>();
  // [device][region][dir]
  private readonly perDevice: number[][][] = [];

  keep(device: number, region: number, dir: number): void {
    this.kept++;
    const d = (this.perDevice[device] ??= [[0, 0], [0, 0]]);
    d[region][dir]++;
  }

  /** count times keep(device, region, dir). */
  keepMany(device: number, region: number, dir: number, count: number): void {
    this.kept += count;
    const d = (this.perDevice[device] ??= [[0, 0], [0, 0]]);
    d[region][dir] += count;
  }

  count(device: number, region: number, dir: number): number {
    return this.perDevice[device]?.[region]?.[dir] ?? 0;
  }

  /** Lines/records that were neither accesses nor malformed: other events, headers, blank lines. */
  otherLines(parsedAccesses: number): number {
    return Math.max(0, this.lines + this.records - parsedAccesses - this.malformed.count);
  }
}

// Thousands separators by hand: toLocaleString loads ICU data, which costs more than a whole small capture.
const n = (v: number): string => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function deviceLabel(d: Device, withGuest: boolean): string {
  const ids = d.vendorId || d.deviceId ? ` [${d.vendorId.toString(16).padStart(4, '0')}:${d.deviceId.toString(16).padStart(4, '0')}]` : '';
  const where = `table 0x${d.tableGpa.toString(16)}`;
  return `${withGuest ? `guest ${d.guest} ` : ''}device ${d.index}${d.bdf ? ' ' + d.bdf : ''}${ids} (${where})`;
}

export function renderSummary(s: CaptureStats, parsedAccesses: number, inputs: string[], devices: Device[], output: string | null): string {
  const out: string[] = [];
  const read = s.records ? `${n(s.lines)} lines, ${n(s.records)} records` : `${n(s.lines)} lines`;
  out.push(`capture: read ${read} from ${inputs.join(', ')} (${[...s.formats].join(', ')})${s.interrupted ? ' - interrupted' : ''}`);
  out.push(`  kept     ${n(s.kept)} MSI-X accesses${output ? ' -> ' + output : ''}`);
  const idle: number[] = [];
  const manyGuests = new Set(devices.map((d) => d.guest)).size > 1;
  for (const d of devices) {
    const c = (region: number, dir: number): string => n(s.count(d.index, region, dir));
    const total = [0, 1].reduce((a, r) => a + s.count(d.index, r, 0) + s.count(d.index, r, 1), 0);
    if (total === 0) {
      idle.push(d.index);
      continue;
    }
    out.push(`           ${deviceLabel(d, manyGuests)}: table ${c(0, 0)} reads ${c(0, DIR_WRITE)} writes, PBA ${c(REGION_PBA, 0)} reads ${c(REGION_PBA, DIR_WRITE)} writes`);
  }
  if (idle.length) out.push(`           no accesses: device${idle.length > 1 ? 's' : ''} ${idle.join(', ')}`);
  out.push(`  skipped  ${n(s.otherLines(parsedAccesses) + s.notMsix)} lines that are no MSI-X table/PBA access (other events, regions, addresses)`);
  out.push(`           ${n(s.outside.count)} MSI-X accesses outside the known tables/PBAs${places(s.outside)}`);
  out.push(`           ${n(s.malformed.count)} malformed${places(s.malformed)}`);
  out.push(`  lost     ${n(s.lost)} events reported lost by the tracer`);
  for (const note of s.notes) out.push(`  note     ${note}`);
  return out.join('\n') + '\n';
}

function places(t: Tally): string {
  if (t.count === 0) return '';
  const more = t.count > t.first.length ? `; ${n(t.count - t.first.length)} more` : '';
  return `: ${t.first.join('; ')}${more}`;
}
