// `msixtrace synth`: presets, overrides, header, reproducibility, time order, and the load model's bookkeeping.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { TraceReader } = require('../dist/tracefile/reader.js');
const { runWorkload } = require('../dist/synth/index.js');
const { scenario, SCENARIOS } = require('../dist/synth/scenarios.js');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-synth-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(...args) {
  return spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8' });
}

function synth(name, ...args) {
  const out = path.join(tmp, name);
  const r = cli('synth', ...args, '-o', out);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** Hash of every event field, plus the count and the header. */
function digest(file) {
  const r = new TraceReader(file);
  const h = crypto.createHash('sha256');
  let n = 0;
  let lastTs = -Infinity;
  let ordered = true;
  for (const b of r.batches()) {
    for (const col of [b.ts, b.guest, b.vcpu, b.device, b.region, b.offset, b.size, b.dir, b.valueLo, b.valueHi]) {
      h.update(Buffer.from(col.buffer, col.byteOffset, b.n * col.BYTES_PER_ELEMENT));
    }
    for (let i = 0; i < b.n; i++) {
      if (b.ts[i] < lastTs) ordered = false;
      lastTs = b.ts[i];
    }
    n += b.n;
  }
  const header = r.header;
  r.close();
  return { hash: h.digest('hex'), n, header, ordered };
}

test('same seed -> identical events; another seed -> different events', () => {
  const a = digest(synth('a.msixtrace', '--scenario', 'xen-2010', '--duration', '300ms', '--guests', '6', '--seed', '42'));
  const b = digest(synth('b.msixtrace', '--scenario', 'xen-2010', '--duration', '300ms', '--guests', '6', '--seed', '42'));
  const c = digest(synth('c.msixtrace', '--scenario', 'xen-2010', '--duration', '300ms', '--guests', '6', '--seed', '43'));
  assert.ok(a.n > 1000, `events: ${a.n}`);
  assert.equal(a.hash, b.hash);
  assert.equal(a.n, b.n);
  assert.notEqual(a.hash, c.hash);
  assert.ok(a.ordered, 'events are merged in time order');
});

test('xen-2010 header: one 82599 VF device per guest, distinct table GPAs, notes with scenario, seed and params', () => {
  const d = digest(synth('h.msixtrace', '--scenario', 'xen-2010', '--duration', '100ms', '--seed', '9'));
  const h = d.header;
  assert.equal(h.sourceFormat, 'synth');
  assert.equal(h.devices.length, 24);
  const gpas = new Set(h.devices.map((x) => x.tableGpa));
  assert.equal(gpas.size, 24);
  h.devices.forEach((x, i) => {
    assert.equal(x.index, i);
    assert.equal(x.guest, i + 1);
    assert.equal(x.tableEntries, 3);
    assert.equal(x.vendorId, 0x8086);
    assert.equal(x.deviceId, 0x10ed);
    assert.equal(x.pbaGpa, x.tableGpa + 0x2000n);
  });
  assert.equal(h.devices[0].tableGpa, 0xfebc0000n);
  const notes = h.notes.join('\n');
  assert.match(notes, /scenario xen-2010/);
  assert.match(notes, /seed 9/);
  assert.match(notes, /era 2\.6\.30-5\.13/);
  const params = JSON.parse(h.notes.find((s) => s.startsWith('params ')).slice(7));
  assert.equal(params.kernel, '2.6.32');
  assert.equal(params.guests, 24);
  assert.equal(params.duration_ns, 100e6);
});

test('explicit flags override the preset', () => {
  const d = digest(synth('o.msixtrace', '--scenario', 'xen-2010', '--guests', '2', '--kernel', '6.1', '--duration', '50ms', '--rate', '1000'));
  assert.equal(d.header.devices.length, 2);
  const params = JSON.parse(d.header.notes.find((s) => s.startsWith('params ')).slice(7));
  assert.equal(params.kernel, '6.1');
  assert.deepEqual(params.rates_per_s, [1000]);
  assert.equal(params.entries, 3, 'device still the preset 82599 VF');
});

test('--list-scenarios prints every preset (text and markdown); usage errors exit 2', () => {
  const t = cli('synth', '--list-scenarios');
  assert.equal(t.status, 0, t.stderr);
  for (const s of SCENARIOS) assert.match(t.stdout, new RegExp(`^${s.name}$`, 'm'));
  const m = cli('synth', '--list-scenarios', '--format', 'markdown');
  assert.equal(m.status, 0);
  assert.match(m.stdout, /^\| scenario \| kernel \|/);
  assert.equal(m.stdout.trim().split('\n').length, SCENARIOS.length + 2);
  for (const s of ['irqbalance-6.17', 'nvme-5.14', 'storm-6.1', 'boot-teardown', 'xen-2010']) assert.ok(scenario(s), s);
  assert.equal(cli('synth').status, 2, 'no -o');
  const bad = cli('synth', '--kernel', 'windows-xp', '-o', path.join(tmp, 'x.msixtrace'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown kernel 'windows-xp'/);
  assert.equal(cli('synth', '--scenario', 'nope', '-o', path.join(tmp, 'x.msixtrace')).status, 2);
  assert.equal(cli('synth', '--vectors', '9', '--entries', '3', '-o', path.join(tmp, 'x.msixtrace')).status, 2);
  assert.ok(!fs.existsSync(path.join(tmp, 'x.msixtrace')));
  const help = cli('synth', '--help');
  assert.match(help.stdout, /^Examples, to paste in order/m);
  assert.match(help.stdout, /--scenario xen-2010/);
});

/** Events of a workload, in memory (small runs only), and the summed guest stats. */
function collect(p, withStats) {
  const ev = [];
  const run = runWorkload(p, (ts, guest, vcpu, dev, offset, dir, value) => { ev.push({ ts, guest, vcpu, dev, offset, dir, value }); });
  if (!withStats) return ev;
  const stats = {};
  for (const s of run.sims) for (const [k, v] of Object.entries(s.stats)) stats[k] = (stats[k] ?? 0) + v;
  return { ev, stats };
}

test('load model, 2.6.32: every PENDING round is Wc=1,R0 | Wc=0,R0; R0 always reads entry 0 addr_lo as held', () => {
  const p = { ...scenario('xen-2010').params, guests: 3, durationNs: 200e6 };
  const ev = collect(p);
  for (let i = 1; i < ev.length; i++) assert.ok(ev[i].ts >= ev[i - 1].ts, 'time order');
  const perDev = new Map();
  for (const e of ev) {
    if (!perDev.has(e.dev)) perDev.set(e.dev, []);
    perDev.get(e.dev).push(e);
  }
  assert.equal(perDev.size, 3);
  for (const [, list] of perDev) {
    // Device model: reads return the last value written at that offset.
    const held = new Map();
    let r0 = 0;
    let masks = 0;
    for (const e of list) {
      assert.ok(e.offset < 48 && e.offset % 4 === 0);
      if (e.dir === 1) held.set(e.offset, e.value);
      else assert.equal(e.value, held.has(e.offset) ? held.get(e.offset) : (e.offset % 16 === 12 ? 1 : 0), `read @${e.offset}`);
      if (e.dir === 0 && e.offset === 0) r0++;
      if (e.dir === 1 && e.offset % 16 === 12) {
        assert.ok(e.value === 0 || e.value === 1);
        if (e.value === 1) masks++;
      }
      if (e.dir === 1 && e.offset % 16 === 0) assert.equal(e.value & 0xfff00000, 0xfee00000 | 0, 'x86 MSI address');
    }
    // enable: 3 masks; steady state: one mask per PENDING round; teardown: 3 free_irq + 3 disable.
    const rounds = masks - 9;
    assert.ok(rounds > 50, `PENDING rounds ${rounds}`);
    // R0: 3 in request_irq, 2 per round, 3 in free_irq; plus the Rm(0) read of entry 0 at request_irq.
    assert.equal(r0, 3 + 2 * rounds + 3 + 1);
  }
});

test('load model, 6.17 vs 6.1 under the same storm: 3 accesses per PENDING round vs busy-wait (0)', () => {
  const base = { ...scenario('storm-6.1').params, durationNs: 200e6 };
  const a = collect(base, true);
  const b = collect({ ...base, kernel: '6.17' }, true);
  // virtio-net, T = nvec = 9, 5.15+ rows: enable 9 Rc + 9 {Wm,Rd} + 9 Wc = 54; request_irq 9 x {Wm,Rd,Wm,Rd,Wc0} = 81;
  // free_irq 9 x {Wc1,R0,Wm,Rd} = 54; disable 9 x {Wc1,R0} = 18.
  // Steady state: 7 per affinity move {Wc1,R0,Wm,Rd,Wc0}, 3 per PENDING round {Wc1,R0 | Wc0}.
  const lifecycle = 54 + 81 + 54 + 18;
  assert.ok(a.stats.pendingRounds > 100, `6.1 rounds ${a.stats.pendingRounds}`);
  assert.equal(a.ev.length, lifecycle + 7 * a.stats.affinityMoves + 3 * a.stats.pendingRounds);
  assert.equal(b.stats.pendingRounds, 0);
  assert.ok(b.stats.busyWaits > 0);
  assert.equal(b.ev.length, lifecycle + 7 * b.stats.affinityMoves);
  assert.ok(a.ev.length > 5 * b.ev.length, `6.1 ${a.ev.length} vs 6.17 ${b.ev.length}`);
});

test('nvme-5.14: enable writes Vector Control of all 65 entries first', () => {
  const ev = collect({ ...scenario('nvme-5.14').params, durationNs: 10e6 });
  const first = ev.slice(0, 65);
  assert.deepEqual(first.map((e) => [e.dir, e.offset, e.value]), Array.from({ length: 65 }, (_, i) => [1, 16 * i + 12, 1]));
});

test('boot-teardown: lifecycle only, no steady-state traffic', () => {
  const ev = collect({ ...scenario('boot-teardown').params, guests: 1, relinkRate: 0, durationNs: 10e6 });
  // 6.1, T=5, nvec=3: enable 20 + request 27 + free 18 + disable 6 accesses.
  assert.equal(ev.length, 20 + 27 + 18 + 6);
});
