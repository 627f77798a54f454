// `msixtrace record` against real guests under KVM: the bare-metal MSI-X guest of
// scripts/guest-msix runs in QEMU with -enable-kvm; record takes each VM's geometry over QMP and
// reads kvm:kvm_mmio from its own tracefs instance. What it writes must equal QEMU's own
// memory_region_ops log of the same run access for access, each VM under its own guest id (its
// QEMU pid), and no tracefs instance of its own may outlive it (normal end, SIGTERM; after kill -9
// the next run removes it).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const GUEST = path.join(ROOT, 'scripts', 'guest-msix');
const QMP = path.join(GUEST, 'qmp.js');
const INSTANCES = '/sys/kernel/tracing/instances';

function why() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
  if (!fs.existsSync('/dev/kvm')) return 'no /dev/kvm';
  if (!fs.existsSync(INSTANCES)) return 'tracefs not mounted at /sys/kernel/tracing';
  if (spawnSync('qemu-system-x86_64', ['--version']).status !== 0) return 'qemu-system-x86_64 not installed';
  if (spawnSync('make', ['-s', '-C', GUEST, 'guest.elf']).status !== 0) return 'cannot build scripts/guest-msix (gcc, make)';
  return null;
}
const skip = why();
if (skip) {
  test(`record under KVM (skipped: ${skip})`, { skip }, () => {});
  return;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-record-'));
const qemus = [];
process.on('exit', () => {
  for (const q of qemus) try { q.kill('SIGKILL'); } catch { /* gone */ }
  fs.rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, cond, ms = 120000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Boots one VM (e1000e + virtio-net + nvme) running the guest, halted until an NMI. Its QMP socket
 * is given with -qmp (qmp 'qmp'), as a socket chardev with a control monitor ('mon', libvirt's
 * form), or not at all ('none').
 */
function boot(name, rounds, qmp = 'qmp') {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'nvme.img'), Buffer.alloc(1 << 20));
  const args = ['-name', `${name},debug-threads=on`, '-enable-kvm', '-nodefaults', '-display', 'none', '-m', '64',
    '-kernel', path.join(GUEST, 'guest.elf'), '-append', `rounds=${rounds} vectors=3`,
    ...{
      qmp: ['-qmp', `unix:${dir}/qmp.sock,server=on,wait=off`],
      mon: ['-chardev', `socket,id=qmon,path=${dir}/qmp.sock,server=on,wait=off`, '-mon', 'chardev=qmon,mode=control'],
      none: [],
    }[qmp],
    '-chardev', `file,id=dbg,path=${dir}/debugcon.log`, '-device', 'isa-debugcon,iobase=0xe9,chardev=dbg',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-netdev', 'user,id=n0,restrict=on', '-device', 'e1000e,netdev=n0,addr=02.0',
    '-netdev', 'user,id=n1,restrict=on', '-device', 'virtio-net-pci,netdev=n1,addr=03.0',
    '-drive', `file=${dir}/nvme.img,if=none,format=raw,id=d0`, '-device', 'nvme,drive=d0,serial=rec,addr=04.0',
    '-trace', 'memory_region_ops_*', '-D', `${dir}/qemu.log`];
  const proc = spawn('qemu-system-x86_64', args, { stdio: 'ignore' });
  qemus.push(proc);
  const vm = { name, dir, proc, sock: `${dir}/qmp.sock`, exited: null };
  vm.done = new Promise((r) => proc.on('exit', (code) => { vm.exited = code; r(code); }));
  vm.ready = until(`${name} ready`, () => {
    if (vm.exited !== null) throw new Error(`${name}: QEMU exited with ${vm.exited}`);
    return fs.existsSync(`${dir}/debugcon.log`) && fs.readFileSync(`${dir}/debugcon.log`, 'utf8').includes('ready');
  });
  return vm;
}

/** Starts `record`; resolves once its instance is recording. */
async function startRecord(args) {
  const out = path.join(tmp, `rec-${Math.random().toString(36).slice(2)}.msixtrace`);
  const proc = spawn(process.execPath, [...NODE_FLAGS, BIN, 'record', '-o', out, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = { proc, out, stderr: '', stdout: '', instance: path.join(INSTANCES, `msixtrace-${proc.pid}`) };
  proc.stderr.on('data', (d) => { r.stderr += d; });
  proc.stdout.on('data', (d) => { r.stdout += d; });
  r.done = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig })));
  let exited = false;
  r.done.then(() => { exited = true; });
  await until('record to start', () => {
    if (exited) throw new Error(`record ended early: ${r.stderr}`);
    try {
      return fs.readFileSync(path.join(r.instance, 'events/kvm/kvm_mmio/enable'), 'utf8').trim() === '1';
    } catch { return false; }
  }, 30000);
  return r;
}

function nmi(...vms) {
  const r = spawnSync(process.execPath, [QMP, '--nmi', ...vms.map((v) => v.sock)], { encoding: 'utf8' });
  assert.equal(r.status, 0, `inject-nmi: ${r.stderr}`);
}

/** QEMU's own log of the MSI-X regions as "dir addr value" 4-byte accesses. */
function qemuAccesses(vm) {
  const out = [];
  for (const m of fs.readFileSync(`${vm.dir}/qemu.log`, 'utf8').matchAll(/memory_region_ops_(read|write) cpu \d+ mr \S+ addr 0x([0-9a-f]+) value 0x([0-9a-f]+) size 4 name 'msix-(?:table|pba)'/g)) {
    out.push(`${m[1]} ${m[2]} ${m[3]}`);
  }
  return out;
}

/** The recorded accesses of one guest, 8-byte ones split the way QEMU serves them (low dword first). */
function recorded(file) {
  const { TraceReader } = require(path.join(ROOT, 'dist', 'tracefile', 'reader.js'));
  const r = new TraceReader(file);
  const byGuest = new Map();
  const devs = r.header.devices;
  for (const b of r.batches()) {
    for (let i = 0; i < b.n; i++) {
      const d = devs[b.device[i]];
      const base = b.region[i] === 1 ? d.pbaGpa : d.tableGpa;
      const addr = base + BigInt(b.offset[i]);
      const dir = b.dir[i] === 1 ? 'write' : 'read';
      const list = byGuest.get(b.guest[i]) ?? [];
      byGuest.set(b.guest[i], list);
      const halves = b.size[i] === 8 ? [b.valueLo[i], b.valueHi[i]] : [b.valueLo[i]];
      halves.forEach((v, k) => list.push(`${dir} ${(addr + BigInt(4 * k)).toString(16)} ${v.toString(16)}`));
      assert.equal(d.guest, b.guest[i], 'each event belongs to a device of its own guest');
    }
  }
  const footer = r.footer;
  r.close();
  return { byGuest, footer, header: r.header };
}

const leftovers = () => fs.readdirSync(INSTANCES).filter((n) => n.startsWith('msixtrace-'));

test('record under KVM: one VM, two VMs at once, and no tracefs instance left behind', { timeout: 300000 }, async (t) => {
  const solo = boot('solo', 6);
  const pair = [boot('pairA', 20), boot('pairB', 20)];
  // Enough rounds to run through the --live check (the test ends it); halted, it costs nothing.
  const long = boot('long', 1000000);
  // For -a, which runs last: two VMs with the two ways of giving QMP, one with none.
  const found = [boot('allA', 6, 'qmp'), boot('allB', 6, 'mon')];
  const blind = boot('allC', 1, 'none');
  await Promise.all([solo.ready, long.ready, ...pair.map((v) => v.ready), ...found.map((v) => v.ready), blind.ready]);

  await t.test('kill -9 leaves the instance; the next run removes it; SIGTERM ends with a complete file', async () => {
    const killed = await startRecord(['--qmp', solo.sock]);
    killed.proc.kill('SIGKILL');
    await killed.done;
    assert.ok(fs.existsSync(killed.instance), 'a killed run cannot clean up');
    const next = await startRecord(['--qmp', solo.sock]);
    assert.ok(!fs.existsSync(killed.instance), 'the next run removed the stale instance');
    next.proc.kill('SIGTERM');
    const end = await next.done;
    assert.equal(end.code, 0, next.stderr);
    assert.match(next.stderr, /stopped by SIGTERM: 0 accesses written/);
    assert.ok(!fs.existsSync(next.instance));
    const { footer } = recorded(next.out);
    assert.equal(footer.events, 0);
  });

  await t.test('one VM: the recording equals QEMU\'s own log access for access', async () => {
    const rec = await startRecord(['--qmp', solo.sock]);
    nmi(solo);
    assert.equal(await solo.done, 33, 'the guest ran to its end (isa-debug-exit 0x10)');
    const end = await rec.done;
    assert.equal(end.code, 0, rec.stderr);
    assert.match(rec.stderr, /the VM exited/);
    assert.ok(!fs.existsSync(rec.instance));
    const { byGuest, footer, header } = recorded(rec.out);
    assert.deepEqual([...byGuest.keys()], [solo.proc.pid], rec.stderr);
    assert.deepEqual(header.devices.map((d) => d.name), ['e1000e', 'nvme', 'virtio-net'], 'in table address order');
    assert.deepEqual(header.devices.map((d) => d.tableEntries), [5, 65, 4]);
    const want = qemuAccesses(solo);
    assert.ok(want.length > 500, `QEMU logged ${want.length} MSI-X accesses`);
    assert.deepEqual(byGuest.get(solo.proc.pid), want);
    assert.equal(footer.sourceLostEvents, 0);
  });

  await t.test('two VMs at once: each VM\'s accesses under its own guest id', async () => {
    const rec = await startRecord(['--qmp', pair[0].sock, '--qmp', pair[1].sock]);
    nmi(...pair);
    await Promise.all(pair.map((v) => v.done));
    const end = await rec.done;
    assert.equal(end.code, 0, rec.stderr);
    assert.match(rec.stderr, /all VMs exited/);
    const { byGuest, header } = recorded(rec.out);
    assert.equal(header.devices.length, 6, 'three devices per VM');
    for (const vm of pair) {
      const want = qemuAccesses(vm);
      assert.ok(want.length > 1000);
      assert.deepEqual(byGuest.get(vm.proc.pid), want, `guest ${vm.proc.pid}`);
    }
    assert.deepEqual(leftovers().filter((n) => n === path.basename(rec.instance)), []);
  });

  await t.test('--live on a terminal: the view is redrawn in place every second, rates per model', async (tt) => {
    if (spawnSync('tmux', ['-V']).status !== 0) {
      tt.skip('tmux not installed');
      long.proc.kill('SIGKILL');
      return;
    }
    const sock = `msx-live-${process.pid}`;
    const tmux = (...a) => spawnSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
    const out = path.join(tmp, 'live.msixtrace');
    const q = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cmd = [process.execPath, BIN, 'record', '--qmp', long.sock, '--live', '-m', 'kvm', '-m', 'xen-4.19', '-o', out].map(q).join(' ');
    assert.equal(tmux('new-session', '-d', '-x', '100', '-y', '20', `${cmd}; echo EXIT=$?; sleep 60`).status, 0);
    try {
      const screen = () => tmux('capture-pane', '-p', '-S', '-', '-t', '0').stdout;
      await until('record --live to start', () => /recording guest/.test(screen()), 30000);
      nmi(long);
      // Three ticks after the traffic started: a frame whose rows all show traffic.
      const frame = /--live\s+(\d+)s[^\n]*\n\s+guest\s+model\s+accesses\/s\s+absorbed\/s\s+forwarded\/s\n((?:\s+\d+\s+\S+\s+\d+\s+\d+\s+\d+\n){2})/;
      let m;
      await until('a live frame with traffic', () => {
        m = frame.exec(screen());
        return m && Number(m[1]) >= 4 && !/\s0\s+0\s+0\n/.test(m[2]);
      }, 30000);
      const text = screen();
      assert.equal(text.match(/msixtrace record --live/g).length, 1, `one view, redrawn in place:\n${text}`);
      const rows = m[2].trim().split('\n').map((l) => l.trim().split(/\s+/));
      assert.deepEqual(rows.map((r) => [Number(r[0]), r[1]]), [[long.proc.pid, 'forward-all'], [long.proc.pid, 'xen-4.19']]);
      for (const [, , acc, abs, fwd] of rows.map((r) => r.map(Number))) {
        assert.ok(acc > 1000, `accesses/s ${acc}`);
        assert.equal(abs + fwd, acc, 'each access is absorbed or forwarded');
      }
      assert.equal(Number(rows[0][3]), 0, 'KVM forwards every MSI-X access');
      assert.ok(Number(rows[1][3]) > 0 && Number(rows[1][4]) > 0, 'Xen 4.19 absorbs some and forwards some');
      tmux('send-keys', '-t', '0', 'C-c');
      await until('record to end', () => /EXIT=\d+/.test(screen()), 30000);
      assert.match(screen(), /stopped by SIGINT: \d+ accesses written[\s\S]*EXIT=0/);
      assert.ok(recorded(out).footer.events > 0);
    } finally {
      tmux('kill-server');
      long.proc.kill('SIGKILL');
    }
  });

  await t.test('-a: every running VM, its QMP socket found on its command line', async () => {
    // A VM without a QMP socket: one line naming it and how to record it instead.
    const bad = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'record', '-a', '-o', path.join(tmp, 'bad.msixtrace')], { encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
    assert.equal(bad.stderr, `msixtrace: record: -a: qemu-system-x86_64 ${blind.proc.pid} has no QMP socket on its command line: `
      + `record it with --pid ${blind.proc.pid} --mtree FILE (its 'info mtree -f' output) next to -a\n`);
    blind.proc.kill('SIGKILL');
    await blind.done;
    // A QMP socket another client holds (as libvirt holds its VMs'): QEMU does not answer a second one.
    const holder = require('net').createConnection(found[0].sock);
    await new Promise((res) => holder.once('data', res));
    const busy = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'record', '-a', '-o', path.join(tmp, 'busy.msixtrace')], { encoding: 'utf8' });
    holder.destroy();
    assert.equal(busy.status, 2, busy.stderr);
    assert.equal(busy.stderr, `msixtrace: record: -a: qemu-system-x86_64 ${found[0].proc.pid}: its QMP socket ${found[0].sock} is held by another client (libvirt?): `
      + `record it with --pid ${found[0].proc.pid} --mtree FILE (e.g. virsh qemu-monitor-command --hmp DOM 'info mtree -f') next to -a\n`);

    // --live with stdout not a terminal: plain lines, each VM's own.
    const rec = await startRecord(['-a', '--live', '-m', 'kvm']);
    nmi(...found);
    await Promise.all(found.map((v) => v.done));
    const end = await rec.done;
    assert.equal(end.code, 0, rec.stderr);
    const lines = rec.stdout.trim().split('\n');
    for (const line of lines) assert.match(line, /^t=\d+s guest=\d+ model=forward-all accesses\/s=(\d+) absorbed\/s=0 forwarded\/s=\1$/);
    for (const vm of found) assert.ok(lines.some((l) => l.includes(` guest=${vm.proc.pid} `) && !l.includes('accesses/s=0 ')), `guest ${vm.proc.pid} has traffic:\n${rec.stdout}`);
    for (const vm of found) assert.match(rec.stderr, new RegExp(`guest ${vm.proc.pid} \\(--qmp ${vm.sock}\\)`));
    const { byGuest } = recorded(rec.out);
    for (const vm of found) {
      const want = qemuAccesses(vm);
      assert.ok(want.length > 300, `QEMU logged ${want.length} MSI-X accesses`);
      assert.deepEqual(byGuest.get(vm.proc.pid), want, `guest ${vm.proc.pid}`);
    }
    assert.ok(!fs.existsSync(rec.instance));
  });
});
