// Host traces in capture: each VM its own devices and model state, --guest selecting one VM, geometry
// per guest and from QEMU's `info mtree`, and the notes when a log gives thread ids only.
//
// The two-VM logs here are made from the real QEMU 7.2 recordings in traces/: each access of the
// QEMU log becomes the kvm_mmio lines a host tracer prints for it (an unsatisfied-read then a read
// for a read QEMU serves, one write line for a write), for two VMs with the same geometry whose
// accesses interleave. The real two-VM KVM recording is checked in capture-kvm-recordings.test.js.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');
const { hostLog } = require('./helpers/host-log');

const ROOT = path.resolve(__dirname, '..');
const TRACES = path.join(ROOT, 'traces');
const CORPUS = fs.readdirSync(TRACES).filter((d) => d.startsWith('qemu-')).map((d) => path.join(TRACES, d));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-host-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const { parseMtree } = require(path.join(ROOT, 'dist', 'capture', 'mtree.js'));
const { replayTrace } = require(path.join(ROOT, 'dist', 'replay', 'engine.js'));
const { modelNames } = require(path.join(ROOT, 'dist', 'replay', 'model.js'));

function ok(args) {
  const r = runCliSync(args);
  assert.equal(r.code, 0, r.err);
  return r;
}

/** Per model: the counters of the replay, as comparable JSON. */
function counts(file, start) {
  const r = replayTrace(file, { models: modelNames(), start });
  return Object.fromEntries(r.results.map((m) => [m.model, JSON.stringify({ events: m.events, fields: m.fields, xen: m.xen_side })]));
}

/** Per guest, per model: the replay counters of one guest's events, from a --guest capture. */
function perGuest(log, geometry, guest, start) {
  const out = path.join(tmp, `g-${guest}-${path.basename(log)}.msixtrace`);
  ok(['capture', log, ...geometry, '--guest', String(guest), '-o', out]);
  return counts(out, start);
}

const AFFINITY = path.join(TRACES, 'qemu-7.2-linux-6.1-virtio-net-affinity');

test('two identical VMs in one ftrace log with record-tgid: one device set each, and each VM replays as its own log', () => {
  const log = path.join(tmp, 'two-vm.txt');
  fs.writeFileSync(log, hostLog(path.join(AFFINITY, 'trace-msix.log'), [20165, 21301], 'ftrace-tgid'));
  const lspci = ['--lspci', path.join(AFFINITY, 'lspci-vv.txt')];
  const out = path.join(tmp, 'two-vm.msixtrace');
  const r = ok(['capture', log, ...lspci, '-o', out]);
  assert.match(r.err, /guest 20165 device 0 0000:00:01\.0 .*table 66 reads 166 writes/);
  assert.match(r.err, /guest 21301 device 1 0000:00:01\.0 .*table 66 reads 166 writes/);
  const header = JSON.parse(ok(['dump', out, '--header']).out);
  assert.deepEqual(header.devices.map((d) => [d.index, Number(d.guest)]), [[0, 20165], [1, 21301]]);

  const own = path.join(tmp, 'own.msixtrace');
  ok(['capture', path.join(AFFINITY, 'trace-msix.log'), ...lspci, '-o', own]);
  for (const start of ['cold', 'warm']) {
    const alone = counts(own, start);
    // --by guest on the two-VM trace: each guest's row is the single VM's totals
    const byGuest = replayTrace(out, { models: modelNames(), start, by: 'guest' });
    const single = replayTrace(own, { models: modelNames(), start });
    for (const [i, m] of byGuest.results.entries()) {
      const keys = m.by.groups.map((g) => g.key);
      assert.deepEqual(keys, ['20165', '21301']);
      for (const g of m.by.groups) {
        assert.deepEqual({ read: g.read, write: g.write }, single.results[i].totals, `${m.model} ${start} guest ${g.key}`);
      }
    }
    // --guest keeps one VM: its replay is the QEMU log's, model state included
    for (const guest of [20165, 21301]) assert.deepEqual(perGuest(log, lspci, guest, start), alone, `guest ${guest} ${start}`);
  }
  // the numbers: xen-4.7 forwards 33 reads per VM, 66 in all (not 12 + 6 from one shared state)
  const both = replayTrace(out, { models: ['xen-4.7'], start: 'cold' });
  assert.equal(both.results[0].totals.read.forwarded, 66);
});

test('--guest: selects a VM of a log with process ids, names the VMs when it holds none, labels a one-VM log', () => {
  const log = path.join(tmp, 'two-vm-perf.txt');
  fs.writeFileSync(log, hostLog(path.join(AFFINITY, 'trace-msix.log'), [6709, 7709], 'perf-pid'));
  const lspci = ['--lspci', path.join(AFFINITY, 'lspci-vv.txt')];
  const one = path.join(tmp, 'sel.msixtrace');
  const r = ok(['capture', log, ...lspci, '--guest', '7709', '-o', one]);
  assert.match(r.err, /kept +232 MSI-X accesses/);
  assert.match(r.err, /--guest 7709: kept that VM only; skipped 232 accesses of VM 6709/);
  const events = ok(['dump', one]).out.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(events.every((e) => e.guest === 7709));

  const none = runCliSync(['capture', log, ...lspci, '--guest', '5', '-o', path.join(tmp, 'none.msixtrace')]);
  assert.equal(none.code, 2);
  assert.equal(none.err.trim(), 'msixtrace: --guest 5: the log has no MSI-X accesses of that VM; it holds VMs 6709, 7709');

  // A QEMU log is one VM: --guest labels it.
  const label = path.join(tmp, 'label.msixtrace');
  ok(['capture', path.join(AFFINITY, 'trace-msix.log'), ...lspci, '--guest', '7709', '-o', label]);
  assert.ok(ok(['dump', label]).out.trim().split('\n').every((l) => JSON.parse(l).guest === 7709));
});

test('thread ids only: each vCPU thread counts as a guest, and the summary names the switch; --guest refuses to merge two VMs', () => {
  const lspci = ['--lspci', path.join(AFFINITY, 'lspci-vv.txt')];
  const ftrace = path.join(tmp, 'no-tgid.txt');
  fs.writeFileSync(ftrace, hostLog(path.join(AFFINITY, 'trace-msix.log'), [20165, 21301], 'ftrace'));
  let r = ok(['capture', ftrace, ...lspci, '-o', path.join(tmp, 'threads.msixtrace')]);
  assert.match(r.err, /the lines give thread ids only, so each vCPU thread counts as a guest .*options\/record-tgid/);
  // 2 VMs x 2 vCPU threads
  assert.equal((r.err.match(/^ +guest \d+ device \d/gm) ?? []).length, 4);

  const perf = path.join(tmp, 'perf-tid.txt');
  fs.writeFileSync(perf, hostLog(path.join(AFFINITY, 'trace-msix.log'), [6709], 'perf-tid'));
  r = ok(['capture', perf, ...lspci, '-o', path.join(tmp, 'perf-threads.msixtrace')]);
  assert.match(r.err, /thread ids only.*perf script -F comm,pid,tid,cpu,time,event,trace/);
  // one VM: --guest merges its vCPU threads into it, and the note is gone
  const merged = path.join(tmp, 'merged.msixtrace');
  r = ok(['capture', perf, ...lspci, '--guest', '6709', '-o', merged]);
  assert.doesNotMatch(r.err, /thread ids only/);
  const own = path.join(tmp, 'own-6709.msixtrace');
  ok(['capture', path.join(AFFINITY, 'trace-msix.log'), ...lspci, '--guest', '6709', '-o', own]);
  assert.deepEqual(counts(merged, 'cold'), counts(own, 'cold'));

  const clash = runCliSync(['capture', ftrace, ...lspci, '--guest', '1', '-o', path.join(tmp, 'clash.msixtrace')]);
  assert.equal(clash.code, 2);
  assert.match(clash.err, /--guest 1 would merge several VMs: threads \d+ and \d+ both run vCPU \d/);
});

test('geometry per guest: --lspci GUEST=FILE / --mtree GUEST=FILE, and accesses of a guest without geometry are counted', () => {
  const log = path.join(tmp, 'two-vm-geo.txt');
  fs.writeFileSync(log, hostLog(path.join(AFFINITY, 'trace-msix.log'), [20165, 21301], 'ftrace-tgid'));
  const out = path.join(tmp, 'geo.msixtrace');
  const r = ok(['capture', log, '--lspci', `20165=${path.join(AFFINITY, 'lspci-vv.txt')}`, '--mtree', `21301=${path.join(AFFINITY, 'mtree-f.txt')}`, '-o', out]);
  assert.match(r.err, /guest 20165 device 0 0000:00:01\.0/);
  assert.match(r.err, /guest 21301 device 1 \(table 0xfebc0000\)/);
  const only = ok(['capture', log, '--mtree', `21301=${path.join(AFFINITY, 'mtree-f.txt')}`, '-o', path.join(tmp, 'only.msixtrace')]);
  assert.match(only.err, /kept +232 /);
  assert.match(only.err, /skipped 232 accesses of guest 20165: no geometry for it \(pass --lspci GUEST=FILE or --mtree GUEST=FILE\)/);
  const twice = runCliSync(['capture', log, '--mtree', path.join(AFFINITY, 'mtree-f.txt'), '--lspci', path.join(AFFINITY, 'lspci-vv.txt'), '-o', path.join(tmp, 'x.msixtrace')]);
  assert.equal(twice.code, 2);
  assert.match(twice.err, /a geometry for every guest was already given/);
});

test('--mtree: QEMU\'s `info mtree -f` gives the same accesses and geometry as the guest\'s lspci -vv on every recording', () => {
  let checked = 0;
  for (const dir of CORPUS) {
    const mtree = path.join(dir, 'mtree-f.txt');
    if (!fs.existsSync(mtree)) continue;
    const a = path.join(tmp, `${path.basename(dir)}-lspci.msixtrace`);
    const b = path.join(tmp, `${path.basename(dir)}-mtree.msixtrace`);
    ok(['capture', path.join(dir, 'trace-msix.log'), '--lspci', path.join(dir, 'lspci-vv.txt'), '-o', a]);
    ok(['capture', path.join(dir, 'trace-msix.log'), '--mtree', mtree, '-o', b]);
    assert.equal(ok(['dump', b]).out, ok(['dump', a]).out, dir);
    const geo = (f) => JSON.parse(ok(['dump', f, '--header']).out).devices.map((d) => [d.table_gpa ?? d.tableGpa, d.table_entries ?? d.tableEntries, d.pba_gpa ?? d.pbaGpa]);
    assert.deepEqual(geo(b), geo(a), dir);
    checked++;
  }
  assert.equal(checked, CORPUS.length);
});

test('info mtree parser: flat and tree views, entry count from the region size, PBA paired by size and container', () => {
  const nvme = parseMtree(fs.readFileSync(path.join(TRACES, 'qemu-7.2-linux-6.1-nvme-io-hotplug', 'mtree-f.txt'), 'utf8'), 'f');
  assert.deepEqual(nvme.map((d) => [d.tableGpa, d.entries, d.pbaGpa]), [[0xfebfa000n, 65, 0xfebfb000n]]);
  const tree = parseMtree(fs.readFileSync(path.join(AFFINITY, 'mtree.txt'), 'utf8'), 't');
  assert.deepEqual(tree.map((d) => [d.name, d.tableGpa, d.entries, d.pbaGpa]), [['virtio-net-pci-msix', 0xfebc0000n, 4, 0xfebc0800n]]);
  assert.throws(() => parseMtree('  00000000febc0000-00000000febc0007 (prio 0, i/o): msix-table\n', 'x.txt'), /x\.txt:1: msix-table of 8 bytes/);
  const r = runCliSync(['capture', path.join(AFFINITY, 'trace-msix.log'), '--mtree', path.join(AFFINITY, 'lspci-vv.txt'), '-o', path.join(tmp, 'n.msixtrace')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /lspci-vv\.txt: no msix-table region \(pass the output of the QEMU monitor's `info mtree -f`/);
});
