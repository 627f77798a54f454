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
// to yargs. MSIXTRACE_CLI_YARGS=1 always uses yargs.
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../errors';
import { parseDirect, VerbOptions, YARGS_CONFIG } from './options';
import { STDIN_PATH } from '../util/stdin';

// Help order. Each module is ./<verb> and its `command` starts with the verb.
const VERBS = ['capture', 'replay', 'report', 'check', 'dump', 'models', 'synth'] as const;

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
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') process.exit(0);
    if (code && (e as NodeJS.ErrnoException).path) fail(`${(e as NodeJS.ErrnoException).path}: ${code}`);
    throw e;
  }
}

/** viaYargs: read even a plain line through yargs (the tests compare both readings end to end). */
export async function main(argv: string[], { viaYargs = false }: { viaYargs?: boolean } = {}): Promise<void> {
  const args = argv.map((a) => (a === '-' ? STDIN_PATH : a));
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
    .completion('completion', 'print a bash/zsh completion script (msixtrace completion >> ~/.bashrc)')
    .example('$0 capture trace.log --lspci lspci-vv.txt -o t.msixtrace', 'QEMU log + guest lspci -> trace file')
    .example('$0 replay t.msixtrace -m all', 'absorbed vs forwarded per model')
    .example('$0 dump t.msixtrace --format csv', 'events as CSV')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      fail(`${msg} (see msixtrace --help)`);
    })
    .help()
    .alias('h', 'help')
    .version();
  await guarded(() => parser.parseAsync());
}
