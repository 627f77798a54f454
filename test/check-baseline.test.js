// check's baseline: traces found by content wherever the baseline and traces are copied, a miss that
// names what the baseline has, --update that says what it stops gating, format-1 baselines read and
// migrated, partial traces flagged in every output. On the bundled recordings.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');
const { interruptedCopy } = require('./helpers/partial');

const ROOT = path.resolve(__dirname, '..');
const TRACES = path.join(ROOT, 'traces');
const NVME = 'qemu-7.2-linux-6.1-nvme-io-hotplug';
const E1000E = 'qemu-7.2-linux-6.1-e1000e-rebind';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-baseline-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const run = (args, opts) => runCliSync(args, opts);
const copy = (from, to) => {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  return to;
};

test('the bundled baselines are format 2 with a sha256 per trace', () => {
  for (const name of ['baseline.json', 'baseline-warm.json']) {
    const b = JSON.parse(fs.readFileSync(path.join(TRACES, name), 'utf8'));
    assert.equal(b.format, 'msixtrace-baseline/2');
    for (const [key, e] of Object.entries(b.traces)) assert.match(e.sha256, /^[0-9a-f]{64}$/, `${name} ${key}`);
  }
});

test('a baseline copied elsewhere gates traces copied under other names (matched by content)', () => {
  const dir = path.join(tmp, 'moved');
  const base = copy(path.join(TRACES, 'baseline.json'), path.join(dir, 'ci', 'gate.json'));
  const t = copy(path.join(TRACES, NVME, 'trace.msixtrace'), path.join(dir, 'elsewhere', 'nvme.msixtrace'));
  const r = run(['check', t, '--baseline', base]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /all counts hold \(1 trace\(s\) x 9 model\(s\)\)/);
  // From another working directory, with relative paths.
  const r2 = run(['check', 'elsewhere/nvme.msixtrace', '--baseline', 'ci/gate.json'], { cwd: dir });
  assert.equal(r2.code, 0, r2.out + r2.err);
  // A count changed in the copy is found under the baseline's own key for that content.
  const b = JSON.parse(fs.readFileSync(base, 'utf8'));
  b.traces[`${NVME}/trace.msixtrace`].models['xen-4.7']['vector_ctrl.write.forwarded'] += 3;
  fs.writeFileSync(base, JSON.stringify(b));
  const r3 = run(['check', t, '--baseline', base, '--format', 'json']);
  assert.equal(r3.code, 1);
  const j = JSON.parse(r3.out);
  assert.deepEqual(j.differences.map((d) => [d.trace, d.model, d.field, d.direction, d.delta]),
    [[`${NVME}/trace.msixtrace`, 'xen-4.7', 'vector_ctrl', 'write.forwarded', -3]]);
});

test('a trace the baseline lacks: the miss names its hash and the keys the baseline has, exit 1', () => {
  const base = copy(path.join(TRACES, 'baseline.json'), path.join(tmp, 'miss', 'b.json'));
  const b = JSON.parse(fs.readFileSync(base, 'utf8'));
  delete b.traces[`${NVME}/trace.msixtrace`];
  fs.writeFileSync(base, JSON.stringify(b));
  const r = run(['check', path.join(TRACES, NVME, 'trace.msixtrace'), '--baseline', base]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /not in the baseline: no entry has its content \(sha256 [0-9a-f]{12}\) or its path; the baseline has .*qemu-7\.2-linux-6\.1-e1000e-rebind\/trace\.msixtrace \([0-9a-f]{12}\)/);
  assert.match(r.out, /accepting its current counts/);
});

test('a trace whose content changed under the recorded path is named as changed', () => {
  const dir = path.join(tmp, 'changed');
  const base = copy(path.join(TRACES, 'baseline.json'), path.join(dir, 'baseline.json'));
  // The e1000e trace's bytes under the nvme key.
  const t = copy(path.join(TRACES, E1000E, 'trace.msixtrace'), path.join(dir, NVME, 'trace.msixtrace'));
  const b = JSON.parse(fs.readFileSync(base, 'utf8'));
  delete b.traces[`${E1000E}/trace.msixtrace`];
  fs.writeFileSync(base, JSON.stringify(b));
  const r = run(['check', t, '--baseline', base]);
  assert.equal(r.code, 1);
  assert.match(r.out, new RegExp(`${NVME}/trace\\.msixtrace: content changed: sha256 [0-9a-f]{12}, the baseline recorded ${b.traces[`${NVME}/trace.msixtrace`].sha256.slice(0, 12)} under this path`));
});

test('--update with another model list says what it stops gating and what the other traces lack', () => {
  const base = copy(path.join(TRACES, 'baseline.json'), path.join(tmp, 'narrow', 'b.json'));
  const r = run(['check', path.join(TRACES, NVME, 'trace.msixtrace'), '--baseline', base, '--update', '-m', 'xen-4.7,xen-4.17']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /the baseline now gates xen-4\.7: it stops gating forward-all, xen-3\.4, xen-4\.1, xen-4\.2, xen-4\.4, xen-4\.6, xen-4\.19, xen-vpci for all 5 trace\(s\)/);
  const b = JSON.parse(fs.readFileSync(base, 'utf8'));
  assert.deepEqual(b.models, ['xen-4.7']);
  // The other traces keep every model's counts.
  assert.equal(Object.keys(b.traces[`${E1000E}/trace.msixtrace`].models).length, 9);
  const r2 = run(['check', path.join(TRACES, NVME, 'trace.msixtrace'), '--baseline', base, '--update', '-m', 'xen-4.7,xen-4.19']);
  assert.match(r2.err, /starts gating xen-4\.19, which 4 other trace\(s\) in the baseline have no counts for/);
  const same = run(['check', path.join(TRACES, NVME, 'trace.msixtrace'), '--baseline', base, '--update']);
  assert.doesNotMatch(same.err, /stops gating|starts gating/);
});

test('a format-1 baseline (path keys, no hashes) is read, noted, and migrated by --update', () => {
  const dir = path.join(tmp, 'v1');
  const base = path.join(dir, 'b.json');
  fs.mkdirSync(dir, { recursive: true });
  const b = JSON.parse(fs.readFileSync(path.join(TRACES, 'baseline.json'), 'utf8'));
  b.format = 'msixtrace-baseline/1';
  const v1 = {};
  for (const [k, e] of Object.entries(b.traces)) {
    delete e.sha256;
    v1[path.relative(dir, path.join(TRACES, k))] = e;
  }
  b.traces = v1;
  fs.writeFileSync(base, JSON.stringify(b));
  const t = path.join(TRACES, NVME, 'trace.msixtrace');
  let r = run(['check', t, '--baseline', base]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.err, /is a msixtrace-baseline\/1 baseline: traces are matched by path only; check --update rewrites it/);
  r = run(['check', t, '--baseline', base, '--update']);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(fs.readFileSync(base, 'utf8'));
  assert.equal(m.format, 'msixtrace-baseline/2');
  for (const e of Object.values(m.traces)) assert.match(e.sha256, /^[0-9a-f]{64}$/);
});

test('an interrupted capture is flagged partial in check text, JSON, JUnit and on stderr', () => {
  const dir = path.join(tmp, 'partial');
  fs.mkdirSync(dir, { recursive: true });
  const t = path.join(dir, 'cut.msixtrace');
  interruptedCopy(path.join(TRACES, NVME, 'trace.msixtrace'), t);
  const base = path.join(dir, 'b.json');
  let r = run(['check', t, '--baseline', base, '--update', '-m', 'xen-4.7']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /warning: .*cut\.msixtrace: counts are partial: the capture was interrupted/);
  assert.match(JSON.parse(fs.readFileSync(base, 'utf8')).traces['cut.msixtrace'].partial, /interrupted/);
  r = run(['check', t, '--baseline', base]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^cut\.msixtrace: PARTIAL: the capture was interrupted/m);
  assert.match(r.out, /all counts hold \(1 trace\(s\) x 1 model\(s\)\); 1 trace\(s\) partial/);
  assert.match(r.err, /counts are partial/);
  const junit = path.join(dir, 'j.xml');
  r = run(['check', t, '--baseline', base, '--format', 'json', '--junit', junit]);
  assert.match(JSON.parse(r.out).partial['cut.msixtrace'], /interrupted/);
  assert.match(fs.readFileSync(junit, 'utf8'), /<property name="partial" value="the capture was interrupted/);
});

test('a trace that is a directory or missing is one line, exit 2, before any hashing of nothing', () => {
  const dir = run(['check', TRACES, '--baseline', path.join(TRACES, 'baseline.json')]);
  assert.equal(dir.code, 2);
  assert.equal(dir.err, `msixtrace: ${TRACES}: is a directory, not a .msixtrace file\n`);
  const missing = run(['check', path.join(tmp, 'nope.msixtrace'), '--baseline', path.join(TRACES, 'baseline.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot open .*nope\.msixtrace: no such file/);
});
