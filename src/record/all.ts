// `record -a`: turns the running KVM guests into VMs to record, each through the QMP socket on its
// command line. Guests already named with --pid/--qmp are left to those options; a guest with no
// QMP socket stops the run with the --pid/--mtree line that records it.
import { UserError } from '../errors';
import { runningVms } from './discover';
import { Vm, vmFromQmp } from './vms';

/** A QEMU greets a new QMP client at once; silence means another client holds the socket. */
const GREETING_MS = 3000;

export async function vmsOfHost(named: number[], note: (line: string) => void): Promise<Vm[]> {
  const found = runningVms();
  if (found.length === 0) throw new UserError('record: -a: no KVM guest is running (no QEMU process holds /dev/kvm)');
  const rest = found.filter((f) => !named.includes(f.pid));
  const blind = rest.find((f) => f.qmp === null);
  if (blind) {
    throw new UserError(`record: -a: ${blind.name} ${blind.pid} has no QMP socket on its command line: `
      + `record it with --pid ${blind.pid} --mtree FILE (its 'info mtree -f' output) next to -a`);
  }
  const vms: Vm[] = [];
  for (const f of rest) {
    let vm: Vm;
    try {
      vm = await vmFromQmp(f.qmp!, GREETING_MS);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      // QEMU serves one QMP client at a time; libvirt, for one, stays connected to its VMs' monitors.
      if (/: greeting: no answer$/.test(e.message)) {
        throw new UserError(`record: -a: ${f.name} ${f.pid}: its QMP socket ${f.qmp} is held by another client (libvirt?): `
          + `record it with --pid ${f.pid} --mtree FILE (e.g. virsh qemu-monitor-command --hmp DOM 'info mtree -f') next to -a`);
      }
      throw new UserError(`record: -a: ${f.name} ${f.pid}: ${e.message.replace(/^record: /, '')}`);
    }
    // Named with --qmp as well: recorded once.
    if (named.includes(vm.pid) || vms.some((v) => v.pid === vm.pid)) continue;
    vms.push(vm);
  }
  note(`-a: ${vms.length} VM${vms.length === 1 ? '' : 's'}: ${vms.map((v) => `guest ${v.pid} (${v.source})`).join(', ')}`);
  return vms;
}
