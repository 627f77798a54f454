// Entry point: one yargs command module per verb; every failure a user can cause becomes one line
// on stderr and exit 2 (1 is reserved for `check` finding a regression).
//
// Startup is paid by every run, so only the verb being run is loaded: its module and what it
// imports (ffi for replay/check, the parsers for capture, ...). The other verbs are registered as
// hidden stubs that keep strict mode happy. Without a known verb (top-level --help, a typo,
// `completion`) every verb module is loaded, so help, suggestions and completion list them all.
//
// A plain command line skips yargs altogether (loading and building it costs ~40-80 ms, a quarter
// of a small capture and more than the work of a 10 M-event replay): each verb's option table is
// read by src/cli/options.ts parseDirect(), which hands anything unusual (help, errors, rare forms)
// to yargs (main(argv, { viaYargs: true }) always uses yargs: the tests compare the two).
import type { Argv, CommandModule } from 'yargs';
import { errnoWords, EXIT_IO, UserError } from '../errors';
import { parseDirect, VerbOptions, YARGS_CONFIG } from './options';
import { STDIN_PATH, STDOUT_PATH } from '../util/stdin';

// Options naming an output: a lone "-" after them is stdout, anywhere else stdin.
const OUTPUT_OPTIONS = new Set(['-o', '--output', '--html', '--junit']);

import { VERBS } from './verbs';
import { examplesText } from './examples';

type VerbModule = CommandModule & { options: VerbOptions };

function load(verb: string): VerbModule {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(`./${verb}`) as VerbModule;
}

/** The verb a command line names: its first non-option word, when that is a verb. */
function verbOf(argv: string[]): string | null {
  const first = argv.find((a) => !a.startsWith('-'));
  return first !== undefined && (VERBS as readonly string[]).includes(first) ? first : null;
}

function stub(verb: string): CommandModule {
  return { command: verb, describe: false, handler: () => undefined };
}

function fail(msg: string, code = 2): never {
  // yargs validation messages span lines; a diagnostic is one line.
  process.stderr.write(`msixtrace: ${msg.replace(/:\s*\n\s*/g, ': ').replace(/\s*\n\s*/g, '; ')}\n`);
  process.exit(code);
}

async function guarded(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (e instanceof UserError) fail(e.message, e.exitCode);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EPIPE') process.exit(0);
    // A system call no verb turned into its own message: still the path and the cause in words,
    // never a raw errno.
    if (err.code && err.path) {
      const action = err.syscall === 'open' || err.syscall === 'read' || err.syscall === 'write' ? err.syscall : 'use';
      fail(`cannot ${action} ${err.path}: ${errnoWords(err)}`, /^E(NOSPC|DQUOT|FBIG|IO|ROFS)$/.test(err.code) ? EXIT_IO : 2);
    }
    if (err.code && err.syscall) fail(`${err.syscall} failed: ${errnoWords(err)}`, EXIT_IO);
    throw e;
  }
}

/** viaYargs: read even a plain line through yargs (the tests compare both readings end to end). */
export async function main(argv: string[], { viaYargs = false }: { viaYargs?: boolean } = {}): Promise<void> {
  // Under `ulimit -f` a write past the limit raises SIGXFSZ, whose default action kills the process
  // with no word; handled, the write fails with EFBIG and the verb says so.
  process.on('SIGXFSZ', () => undefined);
  // Shell completion asks here for candidates (src/cli/completion.ts); never through yargs.
  if (argv[0] === '__complete') return guarded(async () => (require('./completion') as typeof import('./completion')).complete(argv.slice(1)));
  const args = argv.map((a, i) => (a === '-' ? (OUTPUT_OPTIONS.has(argv[i - 1]) ? STDOUT_PATH : STDIN_PATH) : a));
  const verb = args[0];
  if ((VERBS as readonly string[]).includes(verb) && !viaYargs) {
    const mod = load(verb);
    const direct = parseDirect(args, verb, mod.options);
    if (direct) return guarded(async () => mod.handler(direct as never));
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const yargs = require('yargs') as (args: string[]) => Argv;
  const chosen = verbOf(argv);
  let parser = yargs(args)
    .scriptName('msixtrace')
    .parserConfiguration(YARGS_CONFIG)
    .usage('$0 <verb> [options]\n\nWhat would this hypervisor do with this guest\'s MSI-X table traffic?');
  for (const verb of VERBS) parser = parser.command(chosen === null || chosen === verb ? load(verb) : stub(verb));
  parser = parser
    .demandCommand(1, 'name a verb (see --help)')
    .strict()
    .recommendCommands()
    .epilog(examplesText([
      ['msixtrace capture trace-msix.log --lspci lspci-vv.txt -o t.msixtrace', 'a QEMU log and the guest\'s lspci -vv: a trace file'],
      ['msixtrace replay t.msixtrace --compare xen-4.1,xen-4.19', 'what moving from Xen 4.1 to 4.19 costs this workload'],
      ['msixtrace dump t.msixtrace --format csv | head -3', 'the events as CSV'],
    ]))
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      // yargs' own validation errors (e.g. requiresArg: "Not enough arguments following: m") are the
      // user's input, not a crash.
      if (err && err.name !== 'YError') throw err;
      fail(`${msg ?? err?.message} (see msixtrace --help)`);
    })
    .help()
    .alias('h', 'help')
    .version();
  await guarded(() => parser.parseAsync());
}
