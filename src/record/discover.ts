// `record -a`: the KVM guests running on this host. A guest is a QEMU process holding /dev/kvm
// open (a QEMU without it runs in TCG and never exits to KVM). Its QMP socket, where it has one,
// comes from its own command line: `-qmp unix:PATH,...`, or `-chardev socket,id=X,path=PATH` (or
// `fd=N`, as libvirt passes it) named by `-mon chardev=X,mode=control`.
import * as fs from 'fs';
import * as path from 'path';

export interface RunningVm {
  pid: number;
  /** argv[0]'s base name, for messages. */
  name: string;
  /** The QMP socket's path, or null when its command line names none this tool can reach. */
  qmp: string | null;
}

/** QEMU's option syntax: comma-separated, ",," is a literal comma. */
function splitOpts(s: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== ',') cur += s[i];
    else if (s[i + 1] === ',') {
      cur += ',';
      i++;
    } else {
      parts.push(cur);
      cur = '';
    }
  }
  parts.push(cur);
  return parts;
}

function keyed(parts: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq > 0) m.set(p.slice(0, eq), p.slice(eq + 1));
  }
  return m;
}

/** The path of a listening unix socket a process holds as fd N (libvirt passes the monitor so). */
function socketPathOfFd(pid: number, fd: string): string | null {
  try {
    const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
    if (!inode) return null;
    // Num RefCount Protocol Flags Type St Inode Path
    for (const line of fs.readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[6] === inode && f[7] && !f[7].startsWith('@')) return f[7];
    }
  } catch {
    // Gone, or not ours to read.
  }
  return null;
}

/** The QMP socket a QEMU command line names, or null. */
export function qmpFromCmdline(args: string[], pid = 0): string | null {
  const opt = (i: number): string => args[i].replace(/^--/, '-');
  const chardevs = new Map<string, Map<string, string>>();
  const monitors: string[] = [];
  for (let i = 0; i < args.length - 1; i++) {
    const o = opt(i);
    const v = args[i + 1];
    if (o === '-qmp' || o === '-qmp-pretty') {
      const [where] = splitOpts(v);
      if (where.startsWith('unix:')) return where.slice(5);
    } else if (o === '-chardev') {
      const parts = splitOpts(v);
      if (parts[0] !== 'socket') continue;
      const k = keyed(parts.slice(1));
      const id = k.get('id');
      if (id) chardevs.set(id, k);
    } else if (o === '-mon') {
      const k = keyed(splitOpts(v));
      if (k.get('mode') === 'control' && k.get('chardev')) monitors.push(k.get('chardev')!);
    }
  }
  for (const id of monitors) {
    const k = chardevs.get(id);
    if (!k) continue;
    if (k.get('path')) return k.get('path')!;
    if (k.get('fd') && pid) {
      const p = socketPathOfFd(pid, k.get('fd')!);
      if (p) return p;
    }
  }
  return null;
}

function holdsKvm(pid: number): boolean {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === '/dev/kvm') return true;
    } catch {
      // Closed while we looked.
    }
  }
  return false;
}

/** Every QEMU process on this host that holds /dev/kvm, by pid. */
export function runningVms(): RunningVm[] {
  const found: RunningVm[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args[args.length - 1] === '') args.pop();
    const name = path.basename(args[0] ?? '');
    if (!/^qemu-(system-|kvm)/.test(name)) continue;
    if (!holdsKvm(pid)) continue;
    found.push({ pid, name, qmp: qmpFromCmdline(args, pid) });
  }
  return found.sort((a, b) => a.pid - b.pid);
}
