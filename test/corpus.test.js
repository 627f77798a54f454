// The regression corpus: every real recording in traces/ re-captures to its committed
// .msixtrace, and `check` holds every model's counts against the committed baselines.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { runCliSync } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const TRACES = path.join(ROOT, 'traces');
const recordings = fs.readdirSync(TRACES).filter((d) => fs.existsSync(path.join(TRACES, d, 'trace-msix.log'))).sort();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-corpus-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args) => runCliSync(args);

test('the corpus holds at least three real recordings besides e1000e', () => {
  assert.ok(recordings.length >= 3, recordings.join(', '));
  assert.ok(recordings.some((d) => d.includes('virtio-net')));
  assert.ok(recordings.some((d) => d.includes('nvme')));
  for (const d of recordings) {
    for (const f of ['lspci-vv.txt', 'trace.msixtrace', 'README.md']) assert.ok(fs.existsSync(path.join(TRACES, d, f)), `${d}/${f}`);
  }
});

for (const d of recordings) {
  test(`${d}: the MSI-X log and the full log both re-capture to the committed trace`, () => {
    const dir = path.join(TRACES, d);
    const committed = run(['dump', path.join(dir, 'trace.msixtrace')]);
    assert.equal(committed.code, 0, committed.err);
    const sources = ['trace-msix.log', 'trace-full.log.gz'].filter((f) => fs.existsSync(path.join(dir, f)));
    for (const src of sources) {
      const out = path.join(tmp, `${d}-${src}.msixtrace`);
      const c = run(['capture', path.join(dir, src), '--lspci', path.join(dir, 'lspci-vv.txt'), '-o', out]);
      assert.equal(c.code, 0, c.err);
      const fresh = run(['dump', out]);
      assert.equal(fresh.out, committed.out, `${d}/${src}`);
    }
    const lines = fs.readFileSync(path.join(dir, 'trace-msix.log'), 'utf8').trim().split('\n').length;
    assert.equal(committed.out.trim().split('\n').length, lines);
  });
}

for (const [baseline, start] of [['baseline.json', 'cold'], ['baseline-warm.json', 'warm']]) {
  test(`check holds every model's counts on the corpus (${start} start)`, () => {
    const traces = recordings.map((d) => path.join(TRACES, d, 'trace.msixtrace'));
    const r = run(['check', ...traces, '--baseline', path.join(TRACES, baseline)]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`all counts hold \\(${recordings.length} trace\\(s\\) x 9 model\\(s\\)\\)`));
    const b = JSON.parse(fs.readFileSync(path.join(TRACES, baseline), 'utf8'));
    assert.equal(b.start, start);
    assert.deepEqual(Object.keys(b.traces).sort(), recordings.map((d) => `${d}/trace.msixtrace`));
  });
}

test('forward-all forwards every access of every recording, vPCI none', () => {
  const b = JSON.parse(fs.readFileSync(path.join(TRACES, 'baseline.json'), 'utf8'));
  for (const [trace, t] of Object.entries(b.traces)) {
    const sum = (m, outcome) => Object.entries(t.models[m]).filter(([k]) => k.endsWith(outcome)).reduce((a, [, v]) => a + v, 0);
    assert.equal(sum('forward-all', '.forwarded'), t.events, trace);
    assert.equal(sum('xen-vpci', '.forwarded'), 0, trace);
    assert.equal(sum('xen-vpci', '.absorbed'), t.events, trace);
  }
});

test('npm start captures a bundled recording and prints the all-model table', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\$ msixtrace capture traces\/qemu-7\.2-linux-6\.1-virtio-net-affinity\/trace-msix\.log/);
  for (const m of ['forward-all', 'xen-3.4', 'xen-4.1', 'xen-4.2', 'xen-4.4', 'xen-4.6', 'xen-4.7', 'xen-4.19', 'xen-vpci']) {
    assert.match(r.stdout, new RegExp(`^${m.replace('.', '\\.')}\\s+\\S.*?\\s+\\d+`, 'm'), m);
  }
  assert.match(r.stdout, /^forward-all\s+Xen ≤3\.3, KVM\s+0\s+66\s+0\s+166\s+0\s+100\.0/m);
  assert.match(r.stderr, /kept\s+232 MSI-X accesses/);
});
