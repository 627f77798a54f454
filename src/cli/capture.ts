// `msixtrace capture`: trace logs (+ device geometry) -> one .msixtrace file, with a summary on
// stderr. Ctrl-C behaves like `perf record`: the first stops reading and still writes a complete
// trace (footer interrupted=true, exit 0); a second one aborts and writes nothing.
import type { Argv } from 'yargs';
import { FORMAT_CHOICES, FormatChoice } from '../capture/format';
import { UserError } from '../errors';

export const command = 'capture <log...>';
export const describe = 'read trace logs (QEMU log/simpletrace, KVM ftrace, trace-cmd, perf script, mmiotrace, xenalyze) into a .msixtrace file';

export function builder(y: Argv): Argv {
  return y
    .positional('log', { type: 'string', array: true, describe: 'trace logs (.gz read transparently; - for stdin)' })
    .option('format', { alias: 'f', choices: FORMAT_CHOICES, default: 'auto' as FormatChoice, describe: 'log format (auto: from the first lines, or the simpletrace magic)' })
    .option('lspci', { type: 'string', describe: 'guest `lspci -vv` output: geometry of every MSI-X device' })
    .option('table', { type: 'string', describe: 'one device\'s MSI-X table as GPA:ENTRIES (hex address), instead of --lspci' })
    .option('pba', { type: 'string', describe: 'that device\'s PBA address (hex), with --table' })
    .option('guest', { type: 'number', describe: 'VM id to record (default: the pid the log gives, else 0)' })
    .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the .msixtrace file to write (replaced only when capture succeeds)' })
    .option('strict', { type: 'boolean', default: false, describe: 'fail (exit 2) at the first malformed line or MSI-X access outside the geometry' })
    .example('$0 capture trace.log --lspci lspci-vv.txt -o t.msixtrace', 'QEMU -trace log + the guest\'s lspci -vv')
    .example('$0 capture trace-full.log.gz --lspci lspci-vv.txt -o t.msixtrace', 'a full unfiltered log, gzipped')
    .example('$0 capture trace-12345 -f qemu-simpletrace --table 0xfebc0000:5 --pba 0xfebc2000 -o t.msixtrace', 'QEMU simple backend, geometry by hand')
    .example('cat /sys/kernel/tracing/trace_pipe | $0 capture -f kvm-ftrace --lspci L -o t.msixtrace -', 'live: batches are written as they fill; Ctrl-C finishes the file')
    .epilog('Exit status: 0 written (also after one Ctrl-C: the footer then says interrupted), 2 bad input or usage. '
      + 'The summary on stderr lists lines read, accesses kept per device and region, lines skipped and why, '
      + 'malformed lines with their first line numbers, and events the tracer reported lost.');
}

// The options of builder() as fastArgs() knows them (keep both in step).
const FAST_OPTIONS: Record<string, { key: string; kind: 'string' | 'number' | 'boolean' | 'format' }> = {
  '--format': { key: 'format', kind: 'format' }, '-f': { key: 'format', kind: 'format' },
  '--lspci': { key: 'lspci', kind: 'string' }, '--table': { key: 'table', kind: 'string' }, '--pba': { key: 'pba', kind: 'string' },
  '--guest': { key: 'guest', kind: 'number' }, '--output': { key: 'output', kind: 'string' }, '-o': { key: 'output', kind: 'string' },
  '--strict': { key: 'strict', kind: 'boolean' },
};

/**
 * The handler's arguments for a plain `capture` command line (argv[0] is 'capture', '-' already
 * mapped to the stdin path) without building the yargs parser, which costs ~80 ms of start-up
 * (src/cli/main.ts). Only unambiguous lines are taken: known options given once as `--opt value`,
 * `--opt=value` or `-o value`, a known format, an integer --guest, --output and at least one log.
 * Anything else (help, unknown or repeated options, --no-*, `--`, missing arguments, bad values)
 * returns null and goes through yargs, which gives the same result or the usual error.
 */
export function fastArgs(argv: string[]): Record<string, unknown> | null {
  if (argv[0] !== 'capture') return null;
  const out: Record<string, unknown> = { log: [] as string[] };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) {
      (out.log as string[]).push(a);
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const opt = FAST_OPTIONS[name];
    if (!opt || out[opt.key] !== undefined) return null;
    if (opt.kind === 'boolean') {
      if (eq > 0) return null;
      out[opt.key] = true;
      continue;
    }
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined || v === '' || v.startsWith('-')) return null;
    if (opt.kind === 'format' && !(FORMAT_CHOICES as readonly string[]).includes(v)) return null;
    if (opt.kind === 'number') {
      if (!/^[0-9]{1,9}$/.test(v)) return null;
      out[opt.key] = Number(v);
    } else {
      out[opt.key] = v;
    }
  }
  if ((out.log as string[]).length === 0 || out.output === undefined) return null;
  out.format ??= 'auto';
  out.strict ??= false;
  return out;
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
