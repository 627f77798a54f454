// Interop: examples/read_trace.py, a Python reader built on protoc-generated classes (Debian's
// python3-protobuf + protobuf-compiler), streams a .msixtrace packet by packet and prints the same
// event count and per-field read/write totals as `replay -m forward-all` (which forwards every
// access), on the committed recordings, on synth traces (one spanning several batches, read from a
// pipe) and on a hand-made trace with every column shape; its --events output equals `dump`.
// Skipped with a reason when no python3 with protobuf or no protoc is found outside CI; under
// CI=true their absence fails (.ci/run installs python3-protobuf and protobuf-compiler).
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const SCRIPT = path.join(ROOT, 'examples', 'read_trace.py');
const PROTO = path.join(ROOT, 'proto', 'msixtrace.proto');
const CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const BASELINE = JSON.parse(fs.readFileSync(path.join(ROOT, 'traces', 'baseline.json'), 'utf8'));
const RECORDINGS = Object.keys(BASELINE.traces).sort();
const FIELDS = ['addr_lo', 'addr_hi', 'data', 'vector_ctrl', 'pba', 'other'];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-python-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The first python3 that has the protobuf runtime: $PYTHON, python3 on PATH (may be a pyenv or venv
// one without Debian's dist-packages), then Debian's own /usr/bin/python3.
function findPython() {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const r = spawnSync(py, ['-c', 'import google.protobuf'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}
const PYTHON = findPython();
const HAVE_PROTOC = spawnSync('sh', ['-c', 'command -v protoc'], { encoding: 'utf8' }).status === 0;
const missing = [];
if (!PYTHON) missing.push('python3 with the protobuf module (apt-get install python3-protobuf)');
if (!HAVE_PROTOC) missing.push('protoc (apt-get install protobuf-compiler)');

function guard(t) {
  if (missing.length === 0) return true;
  if (CI) throw new Error(`CI is set but ${missing.join(' and ')} missing: .ci/run must install them`);
  t.skip(`${missing.join(' and ')} not found; CI fails instead of skipping`);
  return false;
}

function msixtrace(args, opts = {}) {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  assert.equal(r.status, 0, `msixtrace ${args.join(' ')}\nexit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

function python(args, opts = {}) {
  return spawnSync(PYTHON, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
}

function pythonOk(args, opts) {
  const r = python(args, opts);
  assert.equal(r.status, 0, `read_trace.py ${args.join(' ')}\nexit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** The script's JSON summary reduced to {events, fields: {f: {read, write}}, totals}. */
function fromPython(trace, opts) {
  const j = JSON.parse(pythonOk([trace, '--format', 'json'], opts));
  return { events: j.events, fields: j.fields, totals: j.totals, batches: j.batches };
}

/** The same numbers from `replay -m forward-all --format json`: forwarded = every access. */
function fromReplay(trace) {
  const j = JSON.parse(msixtrace(['replay', trace, '-m', 'forward-all', '--format', 'json']));
  assert.equal(j.results.length, 1);
  const r = j.results[0];
  const fields = {};
  for (const f of FIELDS) {
    const c = r.fields[f];
    assert.equal(c.read.absorbed + c.write.absorbed + c.write.both, 0, `forward-all absorbed something in ${f}`);
    fields[f] = { read: c.read.forwarded, write: c.write.forwarded };
  }
  return { events: r.events, fields, totals: { read: r.totals.read.forwarded, write: r.totals.write.forwarded } };
}

function assertSame(trace, opts) {
  const py = fromPython(trace, opts);
  const js = fromReplay(trace);
  const { batches, ...pyCounts } = py;
  assert.deepEqual(pyCounts, js, trace);
  assert.equal(js.totals.read + js.totals.write, js.events);
  return { ...js, batches };
}

test('read_trace.py on every committed recording = replay -m forward-all = baseline', (t) => {
  if (!guard(t)) return;
  for (const rec of RECORDINGS) {
    const got = assertSame(`traces/${rec}`);
    assert.equal(got.events, BASELINE.traces[rec].events, rec);
    const fa = BASELINE.traces[rec].models['forward-all'];
    for (const f of FIELDS) {
      assert.deepEqual(got.fields[f], { read: fa[`${f}.read.forwarded`], write: fa[`${f}.write.forwarded`] }, `${rec} ${f}`);
    }
  }
});

test('read_trace.py text form of a committed recording', (t) => {
  if (!guard(t)) return;
  const rec = 'qemu-7.2-linux-6.1-virtio-net-affinity/trace.msixtrace';
  const out = pythonOk([`traces/${rec}`]);
  const fa = BASELINE.traces[rec].models['forward-all'];
  const lines = out.split('\n');
  assert.equal(lines[0], `trace traces/${rec}`);
  assert.match(out, new RegExp(`^events ${BASELINE.traces[rec].events} in 1 batch\\(es\\)$`, 'm'));
  for (const f of FIELDS) {
    const row = lines.find((l) => l.startsWith(f + ' '));
    assert.ok(row, `no ${f} row in\n${out}`);
    assert.deepEqual(row.trim().split(/\s+/), [f, String(fa[`${f}.read.forwarded`]), String(fa[`${f}.write.forwarded`])]);
  }
});

test('read_trace.py on synth --scenario boot-teardown = replay -m forward-all', (t) => {
  if (!guard(t)) return;
  const trace = path.join(tmp, 'boot-teardown.msixtrace');
  msixtrace(['synth', '--scenario', 'boot-teardown', '-o', trace]);
  const got = assertSame(trace);
  assert.ok(got.events > 0);
});

test('read_trace.py streams a multi-batch synth trace from a pipe; --events = dump', (t) => {
  if (!guard(t)) return;
  const trace = path.join(tmp, 'xen-2010.msixtrace');
  msixtrace(['synth', '--scenario', 'xen-2010', '--duration', '1s', '--max-events', '70000', '-o', trace]);
  const input = fs.readFileSync(trace);
  const py = fromPython('-', { input, encoding: 'utf8' });
  const js = fromReplay(trace);
  assert.ok(py.batches >= 2, `expected several batches, got ${py.batches}`);
  assert.deepEqual({ events: py.events, fields: py.fields, totals: py.totals }, js);
  assert.equal(pythonOk([trace, '--events']), msixtrace(['dump', trace]));
});

test('read_trace.py decodes every column shape like dump does (PBA, sizes, devices, guests, 64-bit values)', (t) => {
  if (!guard(t)) return;
  const { TraceWriter } = require('../dist/tracefile/writer.js');
  const { device } = require('../dist/tracefile/schema.js');
  const trace = path.join(tmp, 'shapes.msixtrace');
  const devs = [
    device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 5, pbaGpa: 0xfebc2000n }),
    device({ index: 1, tableGpa: 0x800000000n, tableEntries: 64, pbaGpa: 0x800001000n, guest: 7 }),
  ];
  // Small batches so several batches, and constant columns inside some of them, occur.
  const w = new TraceWriter(trace, { sourceFormat: 'test', devices: devs }, 500);
  let ts = 0;
  for (let i = 0; i < 3000; i++) {
    const x = Math.imul(i + 1, 2654435761) >>> 0;
    const constantStretch = i >= 1000 && i < 1500; // one whole batch with every column constant
    ts += constantStretch ? 0 : 1 + (x & 1023);
    const dev = constantStretch ? 0 : i % 2;
    const region = constantStretch ? 0 : ((x >>> 9) % 7 === 0 ? 1 : 0);
    const offset = constantStretch ? 12 : region ? 8 * ((x >>> 12) % 2) : (x >>> 11) % (dev ? 1024 : 80);
    const size = constantStretch ? 4 : [1, 2, 4, 8][(x >>> 17) & 3];
    const dir = constantStretch ? 1 : (x >>> 19) & 1;
    const guest = constantStretch ? 3 : dev ? 7 : (i >> 8) % 3;
    const vcpu = constantStretch ? -1 : ((x >>> 3) % 5) - 1;
    const lo = constantStretch ? 1 : (x ^ 0xfee00000) >>> 0;
    const hi = (i % 97 === 0) ? 0xffffffff : 0;
    w.push(ts, guest, vcpu, dev, region, offset, size, dir, lo, hi);
  }
  w.finish();
  const got = assertSame(trace);
  assert.equal(got.events, 3000);
  assert.equal(got.batches, 6);
  for (const f of ['pba', 'other']) assert.ok(got.fields[f].read + got.fields[f].write > 0, `no ${f} accesses made`);
  assert.equal(pythonOk([trace, '--events']), msixtrace(['dump', trace]));
});

test('read_trace.py refuses a damaged trace: truncated, flipped byte, not a trace', (t) => {
  if (!guard(t)) return;
  const good = fs.readFileSync(path.join(ROOT, 'traces', RECORDINGS[0]));
  const truncated = path.join(tmp, 'truncated.msixtrace');
  fs.writeFileSync(truncated, good.subarray(0, good.length - 7));
  let r = python([truncated]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /truncated|ends/);

  const flipped = path.join(tmp, 'flipped.msixtrace');
  const bad = Buffer.from(good);
  bad[Math.floor(bad.length / 2)] ^= 0x40; // inside the event batch
  fs.writeFileSync(flipped, bad);
  r = python([flipped]);
  assert.equal(r.status, 1, r.stderr);

  r = python([path.join(ROOT, 'package.json')]);
  assert.equal(r.status, 1, r.stderr);
});

test('read_trace.py finds msixtrace_pb2 beside itself, else generates it with protoc', (t) => {
  if (!guard(t)) return;
  const rec = `traces/${RECORDINGS[0]}`;
  const expected = fromReplay(rec);
  const pick = (out) => { const j = JSON.parse(out); return { events: j.events, fields: j.fields, totals: j.totals }; };

  // A copy of the script alone: msixtrace_pb2 is generated from --proto into a temp dir, then removed.
  const alone = fs.mkdtempSync(path.join(tmp, 'alone-'));
  fs.copyFileSync(SCRIPT, path.join(alone, 'read_trace.py'));
  let r = spawnSync(PYTHON, [path.join(alone, 'read_trace.py'), rec, '--format', 'json', '--proto', PROTO], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(pick(r.stdout), expected);
  assert.deepEqual(fs.readdirSync(alone), ['read_trace.py'], 'generated module left beside the script');

  // Without a .proto and without msixtrace_pb2: a clear setup error, exit 2.
  r = spawnSync(PYTHON, [path.join(alone, 'read_trace.py'), rec, '--proto', path.join(alone, 'none.proto')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /msixtrace_pb2/);

  // msixtrace_pb2.py beside the script (made once with protoc --python_out): used, no .proto needed.
  const beside = fs.mkdtempSync(path.join(tmp, 'beside-'));
  fs.copyFileSync(SCRIPT, path.join(beside, 'read_trace.py'));
  const p = spawnSync('protoc', ['-I', path.dirname(PROTO), `--python_out=${beside}`, PROTO], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  r = spawnSync(PYTHON, [path.join(beside, 'read_trace.py'), rec, '--format', 'json', '--proto', path.join(beside, 'none.proto')],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: path.dirname(process.execPath) } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(pick(r.stdout), expected);
});
