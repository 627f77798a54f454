// `msixtrace record` on a host that cannot record: each condition is produced for real (an
// unprivileged user; a private mount namespace with tracefs unmounted, /dev hidden, or the kvm
// events directory covered) and must end with exit 2 and one line on stderr saying what to do.
// No VM is needed: the host is checked before any VM is looked at.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { BIN, NODE_FLAGS } = require('./helpers/cli');

const TRACEFS = '/sys/kernel/tracing';
const has = (cmd) => spawnSync(cmd, ['--version']).status === 0;

function why() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (needs unshare -m and setpriv)';
  if (!has('unshare') || !has('setpriv')) return 'unshare or setpriv (util-linux) not installed';
  // A private mount namespace needs CAP_SYS_ADMIN, which some containers lack even for root.
  if (spawnSync('unshare', ['-m', 'true']).status !== 0) return 'cannot make a mount namespace (unshare -m)';
  if (!fs.existsSync('/dev/kvm')) return 'no /dev/kvm';
  if (!fs.existsSync(path.join(TRACEFS, 'events', 'kvm', 'kvm_mmio'))) return `no kvm:kvm_mmio under ${TRACEFS}`;
  return null;
}
const skip = why();
if (skip) {
  test(`record host checks (skipped: ${skip})`, { skip }, () => {});
  return;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-rec-host-'));
// Readable and writable by the unprivileged user too, so only the privilege check can stop it.
fs.chmodSync(tmp, 0o777);
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const out = path.join(tmp, 'out.msixtrace');
const node = [process.execPath, ...NODE_FLAGS, BIN, 'record', '-o', out, '--qmp', path.join(tmp, 'no-such.qmp')];
const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs record inside a private mount namespace after the given shell setup. */
function inNamespace(setup) {
  return spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${setup} && exec ${node.map(q).join(' ')}`], { encoding: 'utf8' });
}

function assertOneLine(r, pattern) {
  assert.equal(r.status, 2, `exit 2; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/i);
  assert.ok(!fs.existsSync(out), 'no output file');
}

test('not root: says to run it as root', () => {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...node], { encoding: 'utf8', cwd: tmp });
  assertOneLine(r, /^msixtrace: record: must run as root .*: run it with sudo$/);
});

test('no /dev/kvm: says which module to load', () => {
  const r = inNamespace('mount -t tmpfs -o size=64k msx-nodev /dev');
  assertOneLine(r, /^msixtrace: record: no \/dev\/kvm: .*load kvm_intel or kvm_amd/);
});

test('tracefs not mounted: prints the mount command', () => {
  // Where debugfs shows tracefs too (debug/tracing), that mount goes first: it sits under the other.
  // debugfs mounts tracefs again on the first look inside debug/tracing (record looks there too), so
  // an empty tmpfs hides debugfs as well.
  const r = inNamespace(`{ umount /sys/kernel/debug/tracing 2>/dev/null; true; } && umount ${TRACEFS} && mount -t tmpfs -o size=64k msx-nodebug /sys/kernel/debug`);
  assertOneLine(r, new RegExp(`^msixtrace: record: tracefs is not mounted at ${TRACEFS}: mount -t tracefs nodev ${TRACEFS}$`));
});

test('tracefs only inside debugfs (older hosts): record finds it there and goes on to the VM', () => {
  // With /sys/kernel/tracing gone, debugfs's tracing folder still holds tracefs: the host checks pass
  // and the run stops only at the VM (the socket that does not exist).
  const r = inNamespace(`{ umount /sys/kernel/debug/tracing 2>/dev/null; true; } && umount ${TRACEFS} && ls /sys/kernel/debug/tracing/instances >/dev/null`);
  assertOneLine(r, /^msixtrace: record: --qmp .*no-such\.qmp: no such socket$/);
});

test('kvm_mmio not available: says to load KVM and where to look', () => {
  const r = inNamespace(`mount -t tmpfs -o size=64k msx-nokvm ${TRACEFS}/events/kvm`);
  assertOneLine(r, /^msixtrace: record: the kvm:kvm_mmio tracepoint is not available in \/sys\/kernel\/tracing: load KVM \(modprobe kvm_intel or kvm_amd\) and check that .*available_events lists kvm:kvm_mmio$/);
});

test('the host is fine, the VM is not: no such QMP socket, no such pid, a VM without MSI-X', () => {
  let r = spawnSync(node[0], node.slice(1), { encoding: 'utf8' });
  assertOneLine(r, /^msixtrace: record: --qmp .*no-such\.qmp: no such socket$/);
  // A pid that cannot exist (above pid_max).
  const mtree = path.join(tmp, 'mtree.txt');
  fs.writeFileSync(mtree, 'FlatView #0\n AS "memory", root: system\n Root memory region: system\n  0000000000000000-0000000003ffffff (prio 0, ram): pc.ram\n');
  r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'record', '-o', out, '--pid', '99999999', '--mtree', mtree], { encoding: 'utf8' });
  assertOneLine(r, /^msixtrace: record: --pid 99999999: no such process$/);
  // A live process whose memory map has no MSI-X table.
  r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'record', '-o', out, '--pid', String(process.pid), '--mtree', mtree], { encoding: 'utf8' });
  assertOneLine(r, /^msixtrace: record: VM \d+ \(.*mtree\.txt\): no MSI-X table in its memory map/);
});
