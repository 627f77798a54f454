// `msixtrace capture`: trace logs (+ device geometry) -> one .msixtrace file, with a summary on
// stderr. Ctrl-C behaves like `perf record`: the first stops reading and still writes a complete
// trace (footer interrupted=true, exit 0); a second one aborts and writes nothing.
import type { Argv } from 'yargs';
import { FORMAT_CHOICES, FormatChoice } from '../capture/format';
import { UserError } from '../errors';
import { declare, VerbOptions } from './options';

export const command = 'capture <log...>';
export const describe = 'read trace logs (QEMU log/simpletrace, KVM ftrace, trace-cmd, perf script, mmiotrace, xenalyze) into a .msixtrace file';

export const options: VerbOptions = {
  positional: { name: 'log', array: true, describe: 'trace logs (.gz read transparently; - for stdin)' },
  options: {
    format: { alias: 'f', choices: FORMAT_CHOICES, default: 'auto' as FormatChoice, describe: 'log format (auto: from the first lines, or the simpletrace magic)' },
    lspci: { type: 'string', array: true, describe: 'guest `lspci -vv` output: geometry of every MSI-X device; GUEST=FILE for one VM of a host trace (repeatable)' },
    mtree: { type: 'string', array: true, describe: 'QEMU monitor `info mtree -f` output (no guest shell needed); GUEST=FILE for one VM (repeatable)' },
    table: { type: 'string', describe: 'one device\'s MSI-X table as GPA:ENTRIES (hex address), instead of --lspci' },
    pba: { type: 'string', describe: 'that device\'s PBA address (hex), with --table' },
    guest: { type: 'number', describe: 'a host trace with process ids (tgid, pid, domain): keep only this VM; a log of one VM: label it with this id (default: the ids the log gives, else 0)' },
    output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .msixtrace file to write (replaced only when capture succeeds)' },
    strict: { type: 'boolean', default: false, describe: 'fail (exit 2) at the first malformed line or MSI-X access outside the geometry' },
  },
};

export function builder(y: Argv): Argv {
  return declare(y, options)
    .example('$0 capture trace.log --lspci lspci-vv.txt -o t.msixtrace', 'QEMU -trace log + the guest\'s lspci -vv')
    .example('$0 capture trace-full.log.gz --lspci lspci-vv.txt -o t.msixtrace', 'a full unfiltered log, gzipped')
    .example('$0 capture kvm-mmio.txt --mtree mtree.txt -o t.msixtrace', 'host ftrace with record-tgid: one device set per VM, geometry from `info mtree -f`')
    .example('$0 capture kvm-mmio.txt --mtree 20165=vm1.mtree --mtree 20301=vm2.mtree --guest 20301 -o vm2.msixtrace', 'per-VM geometry; keep one VM')
    .example('$0 capture trace-12345 -f qemu-simpletrace --table 0xfebc0000:5 --pba 0xfebc2000 -o t.msixtrace', 'QEMU simple backend, geometry by hand')
    .example('cat /sys/kernel/tracing/trace_pipe | $0 capture -f kvm-ftrace --lspci L -o t.msixtrace -', 'live: batches are written as they fill; Ctrl-C finishes the file')
    .epilog('Exit status: 0 written (also after one Ctrl-C: the footer then says interrupted), 2 bad input or usage. '
      + 'The summary on stderr lists lines read, accesses kept per device and region, lines skipped and why, '
      + 'malformed lines with their first line numbers, and events the tracer reported lost.');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function handler(argv: any): Promise<void> {
  if (argv.guest !== undefined && !Number.isInteger(argv.guest)) throw new UserError(`--guest ${argv.guest}: expected an integer VM id`);
  const stop = new AbortController();
  let signals = 0;
  const onSigint = (): void => {
    if (++signals === 1) {
      process.stderr.write('\nmsixtrace: interrupted: writing the accesses read so far (Ctrl-C again to abort)\n');
      stop.abort();
    } else {
      process.stderr.write('msixtrace: aborted: no output written\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
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
      process.stderr.write(`msixtrace: interrupted: ${argv.output} holds the ${result.footer.events} accesses read before Ctrl-C (footer interrupted=true)\n`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
