// The library API, through the package root exactly as a user requires it: require('msixtrace').
// Real recordings in, the same numbers as the CLI out.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const msixtrace = require('msixtrace');

const ROOT = path.join(__dirname, '..');
const REC = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-virtio-net-affinity');
const TRACE = path.join(REC, 'trace.msixtrace');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const cli = (...args) => execFileSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

test('the package root is the API and resolves to dist/index.js with its types', () => {
  assert.equal(require.resolve('msixtrace'), path.join(ROOT, 'dist', 'index.js'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.ok(fs.existsSync(path.join(ROOT, pkg.types)), `${pkg.types} is built`);
  for (const f of ['openTrace', 'replay', 'capture', 'models']) assert.equal(typeof msixtrace[f], 'function', f);
  const dts = fs.readFileSync(path.join(ROOT, pkg.types), 'utf8');
  for (const f of ['openTrace', 'replay', 'capture', 'models']) assert.match(dts, new RegExp(`export declare function ${f}\\(`));
});

test('openTrace reads the header and the same events dump prints', () => {
  const t = msixtrace.openTrace(TRACE);
  assert.equal(t.header.formatVersion, msixtrace.FORMAT_VERSION);
  const cliHeader = JSON.parse(cli('dump', TRACE, '--header'));
  assert.equal(t.header.devices.length, cliHeader.devices.length);
  assert.equal('0x' + t.header.devices[0].tableGpa.toString(16), cliHeader.devices[0].table_gpa);
  assert.equal(t.footer, null);
  const events = [...t.events()];
  assert.equal(t.footer.events, events.length);
  const dumped = cli('dump', TRACE).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.length, dumped.length);
  for (const i of [0, 1, Math.floor(events.length / 2), events.length - 1]) {
    const e = events[i];
    const d = dumped[i];
    assert.deepEqual(
      { ts_ns: e.ts_ns, guest: e.guest, vcpu: e.vcpu, device: e.device, region: e.region, offset: e.offset, size: e.size, dir: e.dir, value: '0x' + e.value.toString(16) },
      d, `event ${i}`);
    assert.equal(e.field, ['addr_lo', 'addr_hi', 'data', 'vector_ctrl'][(e.offset % 16) / 4]);
  }
  // batches() gives the same count in columns.
  let n = 0;
  for (const b of msixtrace.openTrace(TRACE).batches()) n += b.n;
  assert.equal(n, events.length);
});

test('replay gives the counts of msixtrace replay', () => {
  const r = msixtrace.replay(TRACE, { models: ['kvm', 'xen-4.1', 'xen-4.19'], by: 'field' });
  const viaCli = JSON.parse(cli('replay', TRACE, '-m', 'kvm', '-m', 'xen-4.1', '-m', 'xen-4.19', '--by', 'field', '--format', 'json')).results;
  assert.deepEqual(r.results.map((m) => m.model), ['forward-all', 'xen-4.1', 'xen-4.19']);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(r.results[i].totals, viaCli[i].totals);
    assert.deepEqual(r.results[i].fields, viaCli[i].fields);
  }
  assert.deepEqual(r.results[1].totals.read, { absorbed: 58, forwarded: 8 });
  assert.equal(msixtrace.replay(TRACE).results.length, msixtrace.models().length, 'default: every model');
});

test('capture writes a trace with the recording\'s accesses', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msixtrace-api-test-'));
  try {
    const out = path.join(dir, 't.msixtrace');
    const res = await msixtrace.capture({ inputs: [path.join(REC, 'trace-msix.log')], lspci: path.join(REC, 'lspci-vv.txt'), output: out });
    const shipped = [...msixtrace.openTrace(TRACE).events()];
    assert.equal(res.footer.events, shipped.length);
    const got = [...msixtrace.openTrace(out).events()];
    assert.deepEqual(got, shipped);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input is a UserError naming the file', async () => {
  assert.throws(() => msixtrace.replay(TRACE, { models: ['xen-9.9'] }), (e) => e instanceof msixtrace.UserError && /unknown model 'xen-9\.9'/.test(e.message));
  const notTrace = path.join(REC, 'lspci-vv.txt');
  assert.throws(() => msixtrace.openTrace(notTrace), (e) => e instanceof msixtrace.UserError && e.message.includes('lspci-vv.txt'));
  await assert.rejects(msixtrace.capture({ inputs: [path.join(REC, 'trace-msix.log')], output: path.join(os.tmpdir(), 'never.msixtrace') }),
    (e) => e instanceof msixtrace.UserError && /geometry/.test(e.message));
});

test('models() lists every model replay knows', () => {
  const names = msixtrace.models().map((m) => m.name);
  assert.ok(names.includes('xen-4.7') && names.includes('forward-all'));
  assert.deepEqual(msixtrace.replay(TRACE, { models: 'all' }).results.map((m) => m.model), names);
});

test('examples/api.js runs on a real recording', () => {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'examples', 'api.js'), REC], { encoding: 'utf8' });
  assert.match(out, /^captured 232 accesses$/m);
  assert.match(out, /^xen-4\.1: reads 58 absorbed \/ 8 forwarded, writes 21 absorbed \/ 145 forwarded$/m);
});
