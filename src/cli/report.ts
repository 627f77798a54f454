// `msixtrace report`: one self-contained HTML page per run (one section per trace): the header,
// absorbed/forwarded per model, a forwarded-per-interval timeline, per-field bars, an entry × field
// heat map and the device-model CPU estimate.
import * as fs from 'fs';
import * as path from 'path';
import type { Argv } from 'yargs';
import { ioError, UserError } from '../errors';
import { DEFAULT_ABSORB_US, DEFAULT_FORWARD_US, parseCost } from '../replay/cost';
import { StartState } from '../replay/model';
import { collectSection, renderHtml, Section } from '../report/html';
import { isStdout, refuseInputAsOutput, resolveOutput, writeFileAtomic } from '../util/atomic';
import { parseDuration } from '../util/duration';
import { Progress } from '../util/out';
import { isStdin } from '../util/stdin';
import { chooseFrom } from '../replay/model';
import { examples } from './examples';
import { declare, VerbOptions } from './options';

export const command = 'report <trace...>';
export const describe = 'write a self-contained HTML report: per-model table, timeline, per-field bars, entry heat map, cost';
export const options: VerbOptions = {
  positional: { name: 'trace', array: true, describe: '.msixtrace files (- for stdin)' },
  options: {
    html: { type: 'string', demandOption: true, requiresArg: true, describe: 'output HTML file (written whole or not at all; - for stdout)' },
    model: { alias: 'm', type: 'string', array: true, default: ['all'], describe: 'models (msixtrace models), Xen releases (xen-4.17), policy:FILE, comma lists, or all' },
    start: { type: 'string', default: 'cold', requiresArg: true, describe: 'cold|warm. cold: trace starts before the driver set the device up; warm: mid-run (registered, every entry bound)' },
    interval: { type: 'string', default: '1s', describe: 'timeline bucket, e.g. 100ms, 1s' },
    cost: { type: 'string', describe: `device-model CPU assumptions: forward=US,absorb=US (default forward=${DEFAULT_FORWARD_US},absorb=${DEFAULT_ABSORB_US})` },
  },
};

export function builder(y: Argv): Argv {
  return examples(declare(y, options), [
    ['msixtrace report trace.msixtrace --html report.html', 'every model, one page'],
    ['msixtrace report trace.msixtrace -m kvm,xen-4.7 --interval 1s --html r.html', 'two models, counts over time'],
  ]);
}

/** Fails before any work when the output cannot be written where asked, or is one of the traces. */
function checkTarget(target: string, traces: string[]): void {
  if (!target || target.trim() === '') throw new UserError('--html needs a file name');
  if (isStdin(target)) throw new UserError('--html needs a file name, not stdin');
  if (isStdout(target)) return;
  const out = resolveOutput(target);
  if (out.stat?.isDirectory()) throw new UserError(`cannot write ${target}: is a directory; give --html a file name`);
  refuseInputAsOutput(target, traces);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  const target = String(argv.html ?? '');
  checkTarget(target, (argv.trace as string[]).map(String));
  // Checked here rather than with yargs choices, whose message spans several lines.
  if (argv.start !== 'cold' && argv.start !== 'warm') throw new UserError(`bad --start '${argv.start}' (use cold or warm)`);
  const choices = chooseFrom(argv.model);
  const models = choices.map((c) => c.model);
  // The page names what was asked too (xen-4.17 answered by model xen-4.7), as replay's table does.
  const asked = Object.fromEntries(choices.map((c) => [c.model, c.asked]));
  const intervalNs = parseDuration(argv.interval, '--interval');
  const cost = parseCost(argv.cost);
  const traces = argv.trace as string[];
  if (traces.filter(isStdin).length > 1) throw new UserError('stdin (-) can be given only once');
  const sections: Section[] = [];
  for (const trace of traces) {
    const progress = new Progress(`report ${trace}`);
    try {
      // One pass, stdin included: the heat map is counted with the replay.
      sections.push(collectSection(trace, isStdin(trace) ? 'stdin' : trace, {
        models, start: argv.start as StartState, intervalNs, cost,
      }));
    } finally {
      progress.done();
    }
  }
  const html = renderHtml(sections, { models, asked, start: argv.start, intervalNs, cost, costGiven: argv.cost !== undefined });
  writeFileAtomic(target, html);
  const events = sections.reduce((a, s) => a + s.events, 0);
  process.stderr.write(`report: ${traces.length} trace(s), ${models.length} model(s), ${events} accesses -> ${target} (${Math.ceil(Buffer.byteLength(html) / 1024)} KiB)\n`);
}
