// Entry point: one yargs command module per verb; every failure a user can cause becomes one line
// on stderr and exit 2 (1 is reserved for `check` finding a regression).
import yargs from 'yargs';
import { UserError } from '../errors';
import { STDIN_PATH } from '../util/stdin';
import * as capture from './capture';
import * as check from './check';
import * as dump from './dump';
import * as models from './models';
import * as replay from './replay';
import * as report from './report';
import * as synth from './synth';

function fail(msg: string, code = 2): never {
  // yargs validation messages span lines; a diagnostic is one line.
  process.stderr.write(`msixtrace: ${msg.replace(/:\s*\n\s*/g, ': ').replace(/\s*\n\s*/g, '; ')}\n`);
  process.exit(code);
}

export async function main(argv: string[]): Promise<void> {
  const parser = yargs(argv.map((a) => (a === '-' ? STDIN_PATH : a)))
    .scriptName('msixtrace')
    .usage('$0 <verb> [options]\n\nWhat would this hypervisor do with this guest\'s MSI-X table traffic?')
    .command(capture)
    .command(replay)
    .command(report)
    .command(check)
    .command(dump)
    .command(models)
    .command(synth)
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
  try {
    await parser.parseAsync();
  } catch (e) {
    if (e instanceof UserError) fail(e.message, e.exitCode);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') process.exit(0);
    if (code && (e as NodeJS.ErrnoException).path) fail(`${(e as NodeJS.ErrnoException).path}: ${code}`);
    throw e;
  }
}
