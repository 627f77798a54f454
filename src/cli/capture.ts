// `msixtrace capture`: trace logs (+ device geometry) -> one .msixtrace file, with a summary on
// stderr. Ctrl-C behaves like `perf record`: the first stops reading and still writes a complete
// trace (footer interrupted=true, exit 0); a second one aborts and writes nothing. SIGTERM and
// SIGHUP are a first Ctrl-C too (src/util/signals.ts).
import type { Argv } from 'yargs';
import { FORMAT_CHOICES, FormatChoice } from '../capture/format';
import { guestFileArg } from '../capture/guest-file-arg';
import { UserError } from '../errors';
import { refuseInputAsOutput } from '../util/atomic';
import { onStopSignal } from '../util/signals';
import { examplesText } from './examples';
import { declare, VerbOptions } from './options';

export const command = 'capture <log...>';
export const describe = 'read trace logs (QEMU log/simpletrace, KVM ftrace, trace-cmd report or trace.dat, perf script or perf.data, mmiotrace, xenalyze) into a .msixtrace file';

export const options: VerbOptions = {
  positional: { name: 'log', array: true, describe: 'trace logs (.gz read transparently; - for stdin)' },
  options: {
    format: { alias: 'f', choices: FORMAT_CHOICES, default: 'auto' as FormatChoice, describe: 'log format (auto: from the first lines, or the simpletrace magic)' },
    lspci: { type: 'string', array: true, describe: 'guest `lspci -vv` output: geometry of every MSI-X device; GUEST=FILE for one VM of a host trace (repeatable)' },
    mtree: { type: 'string', array: true, describe: 'QEMU monitor `info mtree -f` output (no guest shell needed); GUEST=FILE for one VM (repeatable)' },
    table: { type: 'string', describe: 'one device\'s MSI-X table as GPA:ENTRIES (hex address), instead of --lspci' },
    pba: { type: 'string', describe: 'that device\'s PBA address (hex), with --table' },
    guest: { type: 'number', describe: 'a host trace with process ids (tgid, pid, domain): keep only this VM; a log of one VM: label it with this id (default: the ids the log gives, else 0)' },
    output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .msixtrace file to write (replaced only when capture succeeds; - for stdout)' },
    strict: { type: 'boolean', default: false, describe: 'fail (exit 2) at the first malformed line or MSI-X access outside the geometry' },
  },
};

export function builder(y: Argv): Argv {
  return declare(y, options)
    .epilog(examplesText([
      ['msixtrace capture trace-msix.log --lspci lspci-vv.txt -o t.msixtrace', 'a QEMU -trace log and the guest\'s lspci -vv'],
      ['msixtrace capture trace-full.log.gz --lspci lspci-vv.txt -o t.msixtrace', 'a full unfiltered log, gzipped'],
      ['cat trace-msix.log | msixtrace capture - --lspci lspci-vv.txt -o p.msixtrace',
        'from a pipe (live: trace_pipe, -f kvm-ftrace; Ctrl-C ends the file)'],
    ]))
    .epilog('Exit status: 0 written (also after one Ctrl-C, SIGTERM or SIGHUP: the footer then says interrupted), 2 bad input or usage, '
      + '3 the system failed to write (disk full, file size limit, I/O error), 130 aborted by a second Ctrl-C (the previous output stays). '
      + '-o - writes the trace to stdout. '
      + 'The summary on stderr lists lines read, accesses kept per device and region, lines skipped and why, '
      + 'malformed lines with their first line numbers, and events the tracer reported lost. '
      + 'The accepted log grammars, format by format: docs/log-formats.md in the msixtrace package.');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function handler(argv: any): Promise<void> {
  if (argv.guest !== undefined && !Number.isInteger(argv.guest)) throw new UserError(`--guest ${argv.guest}: expected an integer VM id`);
  // The output must not be one of the inputs; checked before anything is read.
  // Geometry files count as inputs (read as capture reads them: FILE or GUEST=FILE).
  const geometry = (flag: string, v: unknown): string[] => [v].flat().filter((a) => a !== undefined).map((a) => guestFileArg(String(a), flag).file);
  refuseInputAsOutput(String(argv.output), [...(argv.log as string[]).map(String), ...geometry('--lspci', argv.lspci),
    ...geometry('--mtree', argv.mtree)]);
  const stop = new AbortController();
  let stoppedBy = '';
  const removeHandlers = onStopSignal((sig) => {
    stoppedBy = sig === 'SIGINT' ? 'Ctrl-C' : sig;
    process.stderr.write(`\nmsixtrace: interrupted (${sig}): writing the accesses read so far (Ctrl-C again to abort)\n`);
    stop.abort();
  });
  try {
    // Loaded here so that the other verbs do not pay for the parsers at startup.
    const { capture } = await import('../capture/capture');
    const result = await capture({
      inputs: (argv.log as string[]).map(String),
      format: argv.format,
      lspci: argv.lspci,
      mtree: argv.mtree,
      table: argv.table,
      pba: argv.pba,
      guest: argv.guest,
      output: argv.output,
      strict: argv.strict,
      signal: stop.signal,
    });
    process.stderr.write(result.summary);
    if (result.footer.interrupted) {
      process.stderr.write(`msixtrace: interrupted: ${argv.output} holds the ${result.footer.events} accesses read before ${stoppedBy || 'Ctrl-C'} (footer interrupted=true)\n`);
    }
  } finally {
    removeHandlers();
  }
}
