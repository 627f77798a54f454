// `msixtrace dump`: the events of a trace as NDJSON or CSV, or its header as JSON.
import type { Argv } from 'yargs';
import { FORMAT_CSV, FORMAT_NDJSON, NativeFormatter } from '../native/format';
import { TraceReader } from '../tracefile/reader';
import { headerJson } from '../report/header';
import { UserError } from '../errors';
import { jsonVisible } from '../util/escape';
import { Out } from '../util/out';
import { isStdin, renameSpool, spoolStdin } from '../util/stdin';
import { examplesText } from './examples';
import { declare, VerbOptions } from './options';

/**
 * Reads the whole trace once without printing (every batch and the footer checked), so that a damaged
 * file gives exit 2 with nothing on stdout rather than an arbitrary prefix of its events; --salvage is
 * the way to get the complete batches of a damaged file.
 */
function validate(file: string): void {
  const reader = new TraceReader(file);
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for (const _ of reader.batches());
}

export const CSV_COLUMNS = 'ts_ns,guest,vcpu,device,region,offset,size,dir,value';

export function dump(file: string, format: 'ndjson' | 'csv', header: boolean, salvage: boolean): void {
  if (salvage) {
    print(file, format, header, true);
    return;
  }
  const spool = isStdin(file) ? spoolStdin() : null;
  try {
    validate(spool ? spool.file : file);
    print(spool ? spool.file : file, format, header, false);
  } catch (e) {
    if (spool && e instanceof UserError) throw new UserError(renameSpool(e.message, spool.file), e.exitCode);
    throw e;
  } finally {
    spool?.cleanup();
  }
}

function print(file: string, format: 'ndjson' | 'csv', header: boolean, salvage: boolean): void {
  const reader = new TraceReader(file, { salvage });
  const out = new Out();
  if (header) {
    // Without --salvage the file was checked whole before; with it, the header of a damaged file is
    // still printed and the damage noted on stderr.
    if (salvage) for (const _ of reader.batches()); // eslint-disable-line @typescript-eslint/no-unused-vars
    out.line(jsonVisible(JSON.stringify(headerJson(reader.header))));
    out.flush();
    reader.close();
    if (reader.damage) process.stderr.write(`msixtrace: --salvage: ${reader.damage}\n`);
    return;
  }
  if (format === 'csv') out.line(CSV_COLUMNS);
  const formatter = NativeFormatter.create(format === 'csv' ? FORMAT_CSV : FORMAT_NDJSON);
  for (const b of reader.batches()) {
    const lines = formatter.lines(b);
    // A decoded batch always has integral timestamps, the one thing the formatter refuses.
    if (!lines) throw new Error('internal: the native formatter refused a decoded batch');
    out.bytes(lines);
  }
  out.flush();
  if (reader.damage) process.stderr.write(`msixtrace: --salvage: kept the complete batches; ${reader.damage}\n`);
}

export const command = 'dump <trace>';
export const describe = 'print the events of a .msixtrace file (NDJSON or CSV) or its header (JSON)';
export const options: VerbOptions = {
  positional: { name: 'trace', describe: '.msixtrace file (- for stdin)' },
  options: {
    format: { choices: ['ndjson', 'csv'] as const, default: 'ndjson', describe: 'event output format' },
    header: { type: 'boolean', default: false, describe: 'print the header (devices, geometry, source) as one JSON object' },
    salvage: { type: 'boolean', default: false, describe: 'on a damaged file, print the complete batches before the damage' },
  },
};

export function builder(y: Argv): Argv {
  return declare(y, options)
    .epilog(examplesText([
      ['msixtrace dump trace.msixtrace | head -3', 'the first events as NDJSON'],
      ['msixtrace dump trace.msixtrace --format csv > events.csv', 'CSV for pandas or DuckDB'],
      ['msixtrace dump trace.msixtrace --header | jq .devices', 'the device geometry'],
    ]));
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  dump(argv.trace, argv.format, argv.header, argv.salvage);
}
