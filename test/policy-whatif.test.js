// whatif: on every bundled recording, xen-3.4 with one knob changed (cache.entries=3, the snoop
// cache of 6044f6fa8d) gives xen-4.1's counts; rows are sorted and their savings add up; bad --vary
// is exit 2 with one line.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { runCliSync } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const LIB = process.env.MSIXTRACE_NATIVE_LIB ?? path.join(ROOT, 'build', 'Release', 'libmsixmodels.so');
const skip = !fs.existsSync(LIB) && 'native library not built';
const recordings = fs.readdirSync(path.join(ROOT, 'traces'))
  .map((d) => path.join(ROOT, 'traces', d, 'trace.msixtrace'))
  .filter((f) => fs.existsSync(f));

const whatif = (args) => {
  const r = runCliSync(['whatif', ...args, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
};

test('xen-3.4 -> xen-4.1 is one knob: cache.entries=3 gives xen-4.1 on every recording', { skip }, () => {
  const { replayTrace } = require('../dist/replay/engine');
  const { registerPolicy } = require('../dist/policy/context');
  const { basePolicy } = require('../dist/policy/whatif');
  const { setKnob } = require('../dist/policy/load');
  let savedSomewhere = 0;
  for (const file of recordings) {
    const res = whatif([file, '--base', 'xen-3.4', '--vary', 'cache.entries=3']);
    assert.equal(res.rows.length, 2);
    const base = res.rows.find((r) => r.base);
    const change = res.rows.find((r) => !r.base);
    assert.deepEqual(change.change, { 'cache.entries': '3' });
    const [x34, x41] = replayTrace(file, { models: ['xen-3.4', 'xen-4.1'], start: 'cold' }).results;
    assert.deepEqual(base.totals, x34.totals, file);
    assert.deepEqual(change.totals, x41.totals, file);
    assert.equal(change.saved, (x34.totals.read.forwarded + x34.totals.write.forwarded) - (x41.totals.read.forwarded + x41.totals.write.forwarded));
    savedSomewhere += change.saved;
    // and field by field, with the Xen-side counters, through the same knob set in the API
    const p = basePolicy('xen-3.4');
    setKnob(p.values, 'cache.entries', 3);
    const model = registerPolicy('test-34-plus-cache', p);
    const [viaKnob] = replayTrace(file, { models: [model], start: 'cold' }).results;
    assert.deepEqual(viaKnob.fields, x41.fields, file);
    assert.deepEqual(viaKnob.xen_side, x41.xen_side, file);
  }
  assert.ok(savedSomewhere > 100, `the read emulation saves forwarded reads on the recordings (${savedSomewhere})`);
});

test('rows: every combination once, sorted by forwarded (or cost), savings against the base', { skip }, () => {
  const file = recordings.find((f) => f.includes('virtio-net-affinity')) ?? recordings[0];
  const res = whatif([file, '--base', 'xen-4.7', '--vary', 'cache.valid=always,per-field', '--vary', 'cache.entries=0,3,all']);
  // 2 x 3 combinations; valid=per-field with entries=3 is the base itself
  assert.equal(res.rows.length, 6);
  assert.equal(res.rows.filter((r) => r.base).length, 1);
  const base = res.rows.find((r) => r.base);
  for (let i = 1; i < res.rows.length; i++) assert.ok(res.rows[i - 1].forwarded <= res.rows[i].forwarded);
  for (const r of res.rows) {
    assert.equal(r.saved, base.forwarded - r.forwarded);
    assert.equal(r.forwarded + r.absorbed, res.events);
  }
  // without valid bits nothing more is forwarded than with them
  const noValid = res.rows.find((r) => r.change['cache.valid'] === 'always' && r.change['cache.entries'] === undefined);
  assert.ok(noValid && noValid.forwarded <= base.forwarded);
  const byCost = whatif([file, '--base', 'xen-4.7', '--vary', 'writes.vector_ctrl=absorb,forward', '--sort', 'cost', '--cost', 'forward=10,absorb=5']);
  for (let i = 1; i < byCost.rows.length; i++) assert.ok(byCost.rows[i - 1].cost_us <= byCost.rows[i].cost_us);
  for (const r of byCost.rows) assert.ok(Math.abs(r.cost_us - (r.forwarded * 10 + (r.absorbed + r.both) * 5)) < 1e-6);
});

test('the table output names the change and the saving', { skip }, () => {
  const file = recordings[0];
  const r = runCliSync(['whatif', file, '--base', 'kvm', '--vary', 'accept=page']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^change\s+forwarded\s+absorbed\s+both\s+saved/m);
  assert.match(r.out, /^\(base\)\s/m);
  assert.match(r.out, /^accept=page\s+\d+/m);
});

test('bad --vary and --base: exit 2, one line', { skip }, () => {
  const file = recordings[0];
  for (const [args, re] of [
    [['--base', 'xen-4.1', '--vary', 'cache.entrys=3'], /unknown knob 'cache\.entrys'/],
    [['--base', 'xen-4.1', '--vary', 'cache.entries=3,lots'], /cache\.entries: 'lots'/],
    [['--base', 'xen-4.1', '--vary', 'gates.read_sizes=4+3'], /gates\.read_sizes: '4\+3'/],
    [['--base', 'xen-4.1', '--vary', 'cache.entries'], /use KNOB=V1,V2/],
    [['--base', 'xen-4.1', '--vary', 'cache.entries=1', '--vary', 'cache.entries=2'], /given twice/],
    [['--base', 'xen-9.9', '--vary', 'cache.entries=1'], /--base 'xen-9\.9'/],
  ]) {
    const r = runCliSync(['whatif', file, ...args]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, re);
  }
});

test('--base takes a Xen release: the model that covers it', { skip }, () => {
  const file = recordings[0];
  const byRelease = whatif([file, '--base', 'xen-4.17', '--vary', 'cache.valid=always']);
  const byModel = whatif([file, '--base', 'xen-4.7', '--vary', 'cache.valid=always']);
  assert.deepEqual(byRelease.rows, byModel.rows);
});

test('README "What-if policies": each example output is what the command prints', { skip }, () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## What-if policies');
  assert.ok(start >= 0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const pairs = [...section.matchAll(/```sh\n(msixtrace whatif [^\n]+)\n```\n\n```text\n([\s\S]*?)\n```/g)];
  assert.equal(pairs.length, 2);
  for (const [, cmd, expected] of pairs) {
    const args = cmd.split(/\s+/).slice(1);
    const r = runCliSync(args, { cwd: ROOT });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trimEnd(), expected, cmd);
  }
});
