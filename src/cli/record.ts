// `msixtrace record`: trace running KVM guests' MSI-X table/PBA accesses straight into a
// .msixtrace file. Ctrl-C, SIGTERM, --duration or the VMs exiting end it with a complete file;
// the tracefs instance it made is removed on every way out.
import type { Argv } from 'yargs';
import { UserError } from '../errors';
import { parseDuration } from '../util/duration';
import { declare, VerbOptions } from './options';

export const command = 'record';
export const describe = 'record running KVM guests\' MSI-X table/PBA accesses (kvm:kvm_mmio) into a .msixtrace file';

export const options: VerbOptions = {
  options: {
    output: { alias: 'o', type: 'string', demandOption: true, describe: 'the .msixtrace file to write (appears only when the recording ends cleanly)' },
    all: { alias: 'a', type: 'boolean', default: false, describe: 'every running KVM guest (QEMU processes holding /dev/kvm), geometry from the QMP socket on each one\'s command line' },
    qmp: { type: 'string', array: true, describe: 'a VM\'s QMP socket (repeat for several VMs): its pid, vCPU threads and MSI-X geometry come from QEMU' },
    pid: { type: 'number', array: true, describe: 'a QEMU process id, paired in order with one --mtree or --lspci file' },
    mtree: { type: 'string', array: true, describe: 'that VM\'s `info mtree -f` output (e.g. virsh qemu-monitor-command --hmp DOM \'info mtree -f\')' },
    lspci: { type: 'string', array: true, describe: 'that VM\'s guest `lspci -vv` output' },
    duration: { type: 'string', describe: 'stop after this long (e.g. 30s, 5m); default: until Ctrl-C, SIGTERM or the VMs exit' },
    live: { type: 'boolean', default: false, describe: 'every second, print absorbed/forwarded accesses per second per VM and model' },
    model: { alias: 'm', type: 'string', array: true, describe: 'models for --live (default: all)' },
    'buffer-kb': { type: 'number', default: 4096, describe: 'kernel ring buffer per CPU, KiB (raise it when events are lost)' },
  },
};

export function builder(y: Argv): Argv {
  return declare(y, options)
    .example('$0 record --qmp /run/vm1.qmp -o vm1.msixtrace', 'one VM, geometry from its QMP socket, until Ctrl-C or VM exit')
    .example('$0 record -a --live -o all.msixtrace', 'every running VM, with a refreshed per-VM view')
    .example('$0 record --qmp a.qmp --qmp b.qmp --duration 30s -o both.msixtrace', 'two VMs, each under its own guest id (its QEMU pid)')
    .example('$0 record --pid 4242 --mtree mtree.txt --live -o t.msixtrace', 'geometry from an info mtree -f dump; live view')
    .epilog('Needs root, /dev/kvm and tracefs. Records into its own tracefs instance (msixtrace-<pid>), filtered in the kernel to '
      + 'the VMs\' threads and MSI-X ranges, and removes it on exit; a run killed with -9 leaves it to the next run to remove. '
      + 'Exit status: 0 written, 2 bad usage or a host that cannot record.');
}

const list = <T>(v: unknown): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as T[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function handler(argv: any): Promise<void> {
  const qmps = list<string>(argv.qmp).map(String);
  const pids = list<number>(argv.pid);
  const mtrees = list<string>(argv.mtree).map(String);
  const lspcis = list<string>(argv.lspci).map(String);
  for (const p of pids) if (!Number.isInteger(p) || p <= 0) throw new UserError(`record: --pid ${p}: expected a process id`);
  if (mtrees.length && lspcis.length) throw new UserError('record: give --mtree or --lspci files, not both');
  const files = mtrees.length ? mtrees : lspcis;
  const all = Boolean(argv.all);
  if (!all && qmps.length === 0 && pids.length === 0 && files.length === 0) {
    throw new UserError('record: name the VMs: -a (every running VM), --qmp SOCKET (repeatable), or --pid PID with --mtree FILE or --lspci FILE');
  }
  if (files.length !== pids.length) {
    throw new UserError(`record: ${pids.length} --pid for ${files.length} --mtree/--lspci files: give one file per --pid, in the same order`);
  }
  const durationNs = argv.duration === undefined ? undefined : parseDuration(String(argv.duration), '--duration');
  const bufferKb = Number(argv['buffer-kb']);
  if (!Number.isInteger(bufferKb) || bufferKb < 4 || bufferKb > 1 << 20) throw new UserError(`record: --buffer-kb ${argv['buffer-kb']}: expected 4..1048576`);

  const { checkHost } = await import('../record/tracefs');
  checkHost();
  const { vmFromFile, vmFromQmp } = await import('../record/vms');
  const vms: import('../record/vms').Vm[] = [];
  for (const q of qmps) vms.push(await vmFromQmp(q));
  pids.forEach((pid, i) => vms.push(vmFromFile(pid, files[i], mtrees.length ? 'mtree' : 'lspci')));
  if (all) {
    const { vmsOfHost } = await import('../record/all');
    vms.push(...await vmsOfHost(vms.map((v) => v.pid), (line) => {
      if (process.stderr.isTTY) process.stderr.write(`msixtrace record: ${line}\n`);
    }));
  }
  const seen = new Set<number>();
  for (const vm of vms) {
    if (seen.has(vm.pid)) throw new UserError(`record: VM ${vm.pid} named twice`);
    seen.add(vm.pid);
  }
  let models: string[] = list<string>(argv.model).flatMap((m) => String(m).split(','));
  if (argv.live && (models.length === 0 || models.includes('all'))) {
    const { modelNames } = await import('../replay/model');
    models = modelNames();
  }

  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: string) => (): void => {
    if (++signals === 1) stop.abort(`stopped by ${sig}`);
    else {
      // A second signal: give up on the file; the 'exit' handler still removes the instance.
      process.stderr.write('msixtrace: aborted: no output written\n');
      process.exit(130);
    }
  };
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM'), SIGHUP: onSignal('SIGHUP') };
  for (const [s, h] of Object.entries(handlers)) process.on(s as NodeJS.Signals, h);
  try {
    const { record } = await import('../record/record');
    const result = await record({
      vms, output: String(argv.output), durationNs, bufferKb, live: Boolean(argv.live), models, signal: stop.signal,
      onStart: () => {
        if (process.stderr.isTTY) process.stderr.write(`msixtrace record: recording ${vms.map((v) => `guest ${v.pid}`).join(', ')} (Ctrl-C to stop)\n`);
      },
    });
    process.stderr.write(result.summary);
  } finally {
    for (const [s, h] of Object.entries(handlers)) process.off(s as NodeJS.Signals, h);
  }
}
