// `msixtrace synth`: generated guest workloads per Linux kernel era, streamed to a .msixtrace file.
import type { Argv } from 'yargs';
import { UserError } from '../errors';
import { synthesize } from '../synth';
import { ERA_IDS, resolveKernel } from '../synth/kernel';
import { DEVICES, SynthParams } from '../synth/params';
import { DEFAULTS, scenario, scenarioMarkdown, SCENARIOS, scenarioText } from '../synth/scenarios';
import { parseDuration } from '../util/duration';
import { Out, Progress } from '../util/out';
import { examplesText } from './examples';
import { declare, VerbOptions } from './options';

function int(name: string, v: unknown, lo: number, hi: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UserError(`--${name} must be an integer in ${lo}..${hi}, got '${v}'`);
  return n;
}

function num(name: string, v: unknown, lo: number, hi = Infinity): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi) throw new UserError(`--${name} must be a number in ${lo}..${hi === Infinity ? 'inf' : hi}, got '${v}'`);
  return n;
}

/** Preset (or defaults) with every explicitly given flag applied on top. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function paramsFromArgs(argv: any): { params: SynthParams; scenarioName: string | null } {
  let base = DEFAULTS;
  let scenarioName: string | null = null;
  if (argv.scenario !== undefined) {
    const s = scenario(String(argv.scenario));
    if (!s) throw new UserError(`unknown scenario '${argv.scenario}' (known: ${SCENARIOS.map((x) => x.name).join(', ')}; see --list-scenarios)`);
    base = s.params;
    scenarioName = s.name;
  }
  const p: SynthParams = { ...base, device: { ...base.device }, rates: [...base.rates] };
  if (argv.device !== undefined) p.device = { ...DEVICES[argv.device] };
  if (argv.kernel !== undefined) p.kernel = String(argv.kernel);
  resolveKernel(p.kernel);
  if (argv.guests !== undefined) p.guests = int('guests', argv.guests, 1, 65535);
  if (argv.vcpus !== undefined) p.vcpus = int('vcpus', argv.vcpus, 1, 255);
  if (argv.duration !== undefined) p.durationNs = parseDuration(String(argv.duration), '--duration');
  if (argv.seed !== undefined) p.seed = int('seed', argv.seed, 0, Number.MAX_SAFE_INTEGER);
  if (argv.entries !== undefined) p.device.entries = int('entries', argv.entries, 1, 2048);
  if (argv.vectors !== undefined) p.device.vectors = int('vectors', argv.vectors, 1, 2048);
  if (p.device.vectors > p.device.entries) {
    if (argv.vectors !== undefined) throw new UserError(`--vectors ${p.device.vectors} exceeds the table size ${p.device.entries}`);
    p.device.vectors = p.device.entries;
  }
  while (p.device.vectorNames.length < p.device.vectors) p.device.vectorNames = [...p.device.vectorNames, `vec${p.device.vectorNames.length}`];
  if (argv.rate !== undefined) {
    p.rates = String(argv.rate).split(',').map((s) => num('rate', s.trim(), 0, 1e8));
    if (p.rates.length === 0) throw new UserError('--rate needs at least one value');
  }
  if (argv.service !== undefined) p.serviceNs = parseDuration(String(argv.service), '--service');
  if (argv.desched !== undefined) p.deschedProb = num('desched', argv.desched, 0, 1);
  if (argv['desched-time'] !== undefined) p.deschedNs = parseDuration(String(argv['desched-time']), '--desched-time');
  if (argv['affinity-rate'] !== undefined) p.affinityRate = num('affinity-rate', argv['affinity-rate'], 0, 1e7);
  if (argv['relink-rate'] !== undefined) p.relinkRate = num('relink-rate', argv['relink-rate'], 0, 1e6);
  if (argv.setup !== undefined) p.setup = !!argv.setup;
  if (argv.teardown !== undefined) p.teardown = !!argv.teardown;
  if (argv['start-spread'] !== undefined) p.startSpreadNs = argv['start-spread'] === '0' ? 0 : parseDuration(String(argv['start-spread']), '--start-spread');
  if (argv.gap !== undefined) p.gapNs = parseDuration(String(argv.gap), '--gap');
  if (argv['max-events'] !== undefined) p.maxEvents = int('max-events', argv['max-events'], 0, Number.MAX_SAFE_INTEGER);
  if (p.durationNs > 1e6 * 1e9) throw new UserError('--duration too long (max 1e6 s)');
  return { params: p, scenarioName };
}

export const command = 'synth';
export const describe = 'generate a guest workload per Linux kernel era (or a named scenario) as a .msixtrace file';
export const options: VerbOptions = {
  options: {
    output: { alias: 'o', type: 'string', describe: 'output .msixtrace file (required)' },
    scenario: { type: 'string', describe: `preset: ${SCENARIOS.map((s) => s.name).join(', ')} (flags below override it)` },
    'list-scenarios': { type: 'boolean', describe: 'print the presets and their parameters, then exit' },
    format: { choices: ['text', 'markdown'] as const, default: 'text', describe: 'with --list-scenarios: text or a markdown table' },
    kernel: { type: 'string', describe: `guest kernel version or era (${ERA_IDS.join(', ')}); e.g. 2.6.29, 2.6.32, 4.19, 5.14, 6.1, 6.17` },
    guests: { type: 'number', describe: 'number of guests (one device each)' },
    vcpus: { type: 'number', describe: 'vCPUs per guest' },
    duration: { type: 'string', describe: 'simulated time, e.g. 10s, 500ms' },
    seed: { type: 'number', describe: 'PRNG seed: the same seed gives the same events' },
    device: { choices: Object.keys(DEVICES), describe: 'device geometry and vector names' },
    entries: { type: 'number', describe: 'MSI-X table size T' },
    vectors: { type: 'number', describe: 'vectors the driver enables (nvec)' },
    rate: { type: 'string', describe: 'interrupts/s per vector, comma list in entry order (last value repeats)' },
    service: { type: 'string', describe: 'hard-IRQ handler time, e.g. 5us' },
    desched: { type: 'number', describe: 'probability that the vCPU is descheduled inside the handler (causes PENDING rounds)' },
    'desched-time': { type: 'string', describe: 'mean time a descheduled vCPU waits, e.g. 1ms' },
    'affinity-rate': { type: 'number', describe: 'affinity changes per second per guest' },
    'relink-rate': { type: 'number', describe: 'ifdown/ifup cycles per second per guest (free_irq, disable, enable, request_irq)' },
    setup: { type: 'boolean', describe: 'emit MSI-X enable + request_irq at guest start (--no-setup: the trace starts mid-run)' },
    teardown: { type: 'boolean', describe: 'emit free_irq + disable at the end' },
    'start-spread': { type: 'string', describe: 'guests start at random times within this window' },
    gap: { type: 'string', describe: 'time between the accesses of one sequence (one trapped MMIO), e.g. 2us' },
    'max-events': { type: 'number', describe: 'stop after this many events' },
  },
};

export function builder(y: Argv): Argv {
  return declare(y, options)
    .epilog(examplesText([
      ['msixtrace synth --scenario xen-2010 -o xen2010.msixtrace', 'the 2010 case: 24 guests, 2.6.32, 82599 VFs, 10 s'],
      ['msixtrace synth --scenario xen-2010 --duration 2s --seed 7 -o s2.msixtrace', 'a preset with overrides'],
      ['msixtrace synth --kernel 2.6.29 --guests 4 --duration 1s -o old.msixtrace', 'pre-2.6.30 guests: flush reads of their own Vector Control'],
      ['msixtrace synth --kernel 5.14 --device nvme -o nvme.msixtrace', 'mask-all of all 65 entries at enable'],
      ['msixtrace synth --list-scenarios --format markdown', 'the presets as a README table'],
      ['msixtrace synth --scenario storm-6.1 -o s.msixtrace', 'generate a workload, then replay it'],
      ['msixtrace replay s.msixtrace --compare xen-4.7,xen-4.19', 'the step to Xen 4.19 for it'],
    ]))
    .epilog('The table accesses each kernel era makes, event by event: docs/guest-patterns.md in the msixtrace package.');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  if (!argv['list-scenarios'] && !argv.output) throw new UserError('synth needs -o OUT.msixtrace (or --list-scenarios)');
  if (argv['list-scenarios']) {
    const out = new Out();
    out.write(argv.format === 'markdown' ? scenarioMarkdown() : scenarioText());
    out.flush();
    return;
  }
  const { params, scenarioName } = paramsFromArgs(argv);
  const progress = new Progress(`synth ${argv.output}`);
  const notes = [
    `synth scenario ${scenarioName ?? '(none)'}`,
    'synthetic workload: access sequences from docs/guest-patterns.md A.1-A.7; rates, handler and descheduling times are modelling assumptions',
  ];
  const r = synthesize(params, String(argv.output), notes, (ts) => progress.update(ts, params.durationNs));
  progress.done();
  const s = r.stats;
  process.stderr.write(`msixtrace: synth: ${r.events} events from ${params.guests} guest(s), kernel ${r.kernel.asked} (era ${r.kernel.era}), `
    + `${s.interrupts} interrupts, ${s.pendingRounds} PENDING rounds, ${s.busyWaits} busy-waits, ${s.affinityMoves} affinity moves, `
    + `${s.relinks} relinks${r.truncated ? ` (stopped at --max-events ${params.maxEvents})` : ''} -> ${argv.output}\n`);
}
