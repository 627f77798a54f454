// A trace header as the JSON object `dump --header` prints and the HTML report embeds: one renderer
// shared by the verb and the report, so neither imports the other.
import { Header } from '../tracefile/schema';

const hex = (v: bigint): string => '0x' + v.toString(16);

export function headerJson(h: Header): object {
  return {
    format_version: h.formatVersion,
    tool_version: h.toolVersion,
    source: h.sourceFormat,
    source_files: h.sourceFiles,
    capture_time_unix_ns: h.captureTimeUnixNs.toString(),
    trace_start_unix_ns: h.traceStartUnixNs === 0n ? null : h.traceStartUnixNs.toString(),
    notes: h.notes,
    devices: h.devices.map((d) => ({
      index: d.index,
      bdf: d.bdf || null,
      vendor: d.vendorId ? hex(BigInt(d.vendorId)) : null,
      device: d.deviceId ? hex(BigInt(d.deviceId)) : null,
      name: d.name || null,
      guest: d.guest,
      table_gpa: hex(d.tableGpa),
      table_entries: d.tableEntries,
      table_bar: d.tableBar,
      table_offset: hex(d.tableOffset),
      pba_gpa: d.pbaGpa === null ? null : hex(d.pbaGpa),
      pba_bar: d.pbaGpa === null ? null : d.pbaBar,
      pba_offset: d.pbaGpa === null ? null : hex(d.pbaOffset),
    })),
  };
}
