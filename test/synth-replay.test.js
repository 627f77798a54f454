// The 2010 scenario through the Xen models: xen-3.4 forwards every read of table offset 0 (the
// >= 2.6.30 flush read R0), xen-4.1's read emulation absorbs every one of them once the guest's table
// is registered (6044f6fa8d "simulate the MSIx table read operation": eliminated completely).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const LIB = process.env.MSIXTRACE_NATIVE_LIB ?? path.join(ROOT, 'build', 'Release', 'libmsixmodels.so');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-synth-replay-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const haveModels = (() => {
  if (!fs.existsSync(LIB)) return false;
  try {
    const { modelNames } = require('../dist/replay/model.js');
    const names = modelNames();
    return names.includes('xen-3.4') && names.includes('xen-4.1');
  } catch {
    return false;
  }
})();

test('xen-2010: xen-3.4 forwards every R0, xen-4.1 absorbs every R0 after registration', { skip: !haveModels && 'native models not built' }, () => {
  const { replayTrace } = require('../dist/replay/engine.js');
  const file = path.join(tmp, 'xen-2010.msixtrace');
  const r = spawnSync(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin', 'msixtrace.js'), 'synth', '--scenario', 'xen-2010', '--duration', '1s', '-o', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);

  const r0 = { 'xen-3.4': { fwd: 0, abs: 0 }, 'xen-4.1': { fwd: 0, abs: 0, early: 0 } };
  const registered = new Set(); // devices whose table xen-4.1 has registered (first forwarded unmask)
  const otherForwardedReads = [];
  const { eachDecision } = require('./helpers/decisions');
  const res = replayTrace(file, { models: ['xen-3.4', 'xen-4.1'], start: 'cold' });
  eachDecision(file, ['xen-3.4', 'xen-4.1'], 'cold', (model, b, i, d) => {
    const outcome = d & 3;
    const dev = b.device[i];
    const isR0 = b.dir[i] === 0 && b.region[i] === 0 && b.offset[i] === 0;
    if (model === 'xen-3.4') {
      if (isR0) r0[model][outcome === 0 ? 'abs' : 'fwd']++;
      return;
    }
    if (isR0) {
      if (!registered.has(dev)) r0[model].early++;
      else r0[model][outcome === 0 ? 'abs' : 'fwd']++;
    } else if (b.dir[i] === 0 && outcome !== 0 && registered.has(dev)) {
      otherForwardedReads.push(b.offset[i]);
    }
    // qemu binds (and registers the table) on a forwarded unmask of an entry whose message it has seen.
    if (b.dir[i] === 1 && b.offset[i] % 16 === 12 && (b.valueLo[i] & 1) === 0 && outcome !== 0) registered.add(dev);
  });
  const [x34, x41] = res.results;
  assert.equal(registered.size, 24, 'every guest registered its table');
  const total = r0['xen-3.4'].fwd;
  assert.ok(total > 10000, `R0 reads: ${total}`);
  assert.equal(r0['xen-3.4'].abs, 0, 'xen-3.4 absorbs no R0');
  assert.equal(r0['xen-4.1'].early, 0, 'in 2.6.32 every R0 follows the first unmask');
  assert.equal(r0['xen-4.1'].fwd, 0, 'xen-4.1 forwards no R0 once registered');
  assert.equal(r0['xen-4.1'].abs, total);
  assert.deepEqual(otherForwardedReads, [], 'nor any other read of entries 0-2');
  // Whole-trace totals: xen-3.4 forwards every addr/data read; xen-4.1 only the 3 Rc per guest at enable.
  assert.equal(x34.fields.addr_lo.read.absorbed, 0);
  assert.equal(x41.totals.read.forwarded, 24 * 3);
  assert.equal(x41.fields.addr_lo.read.forwarded, 0);
});
