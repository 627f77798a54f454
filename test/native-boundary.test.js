// One module owns the native library: only src/native/library.ts loads ffi-napi/ref-napi, it binds
// the library once, and it refuses a library whose ABI record differs from what the code expects.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const library = require('../dist/native/library.js');

function* tsFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts')) yield p;
  }
}

test('only src/native/library.ts loads ffi-napi or ref-napi, and it creates one ffi.Library', () => {
  const loaders = [];
  let libraries = 0;
  for (const f of tsFiles(SRC)) {
    const code = fs.readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    if (/(require\(|from\s*|import\()\s*['"][^'"]*(ffi-napi|ref-napi)['"]/.test(code)) loaders.push(path.relative(ROOT, f));
    libraries += (code.match(/\bffi\.Library\s*\(/g) || []).length;
  }
  assert.deepEqual(loaders, [path.join('src', 'native', 'library.ts')]);
  assert.equal(libraries, 1);
});

test('the library\'s ABI record matches, and the numbers src/ declares elsewhere agree with it', () => {
  const lib = library.native();
  const out = Buffer.alloc(4 * 256);
  const n = lib.msx_abi(out, 256);
  assert.equal(n, library.ABI_RECORD.length);
  library.ABI_RECORD.forEach(([name, want], i) => assert.equal(out.readInt32LE(4 * i), want, name));
  const { EVENT_BYTES } = require('../dist/events.js');
  const { MAX_BATCH } = require('../dist/tracefile/batch-codec.js');
  const { encodeBound } = require('../dist/native/encode.js');
  const scan = require('../dist/native/scan.js');
  const v = library.abiValue;
  assert.equal(EVENT_BYTES, v('batch bytes per event'));
  assert.equal(MAX_BATCH, v('encoder max batch'));
  assert.equal(encodeBound(1000), 1000 * v('encoder bound per event') + v('encoder bound fixed'));
  for (const k of ['EPOCH', 'SHIFT', 'GUEST', 'LIMIT', 'N', 'POS', 'LINES', 'KEPT']) assert.equal(scan[`IO_${k}`], v(`scan io ${k.toLowerCase()}`), k);
  assert.equal(scan.IO_LAST_TS, v('scan io last_ts'));
  assert.equal(scan.IO_SLOTS, v('scan io slots'));
  assert.deepEqual([scan.SCAN_END, scan.SCAN_FULL, scan.SCAN_PUNT], [v('scan end'), v('scan full'), v('scan punt')]);
});

test('a record that differs is refused with the name of the first difference', () => {
  const fake = (values) => ({
    msx_abi(out, cap) {
      values.slice(0, cap).forEach((x, i) => out.writeInt32LE(x, 4 * i));
      return values.length;
    },
  });
  const good = library.ABI_RECORD.map(([, x]) => x);
  assert.doesNotThrow(() => library.checkAbi('lib.so', fake(good)));
  const counters = library.ABI_RECORD.findIndex(([name]) => name === 'counters');
  const bad = [...good];
  bad[counters] = 41;
  assert.throws(() => library.checkAbi('lib.so', fake(bad)), /lib\.so does not match this msixtrace: counters is 41 there, 40 here: rebuild/);
  assert.throws(() => library.checkAbi('lib.so', fake([2, ...good.slice(1)])), /lib\.so has ABI version 2, this msixtrace needs 1/);
  assert.throws(() => library.checkAbi('lib.so', fake(good.slice(0, 5))), /record ends before/);
  assert.throws(() => library.checkAbi('lib.so', fake([...good, 7])), /has \d+ entries, \d+ expected/);
});

test('replay with a library of another ABI version: one line naming it, exit 2', (t) => {
  const cc = ['cc', 'gcc', 'clang'].find((c) => spawnSync(c, ['--version']).status === 0);
  if (!cc) {
    t.skip('no C compiler');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msixtrace-abi-'));
  try {
    const so = path.join(dir, 'libother.so');
    const sources = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'native-files.js'), 'sources'], { cwd: ROOT, encoding: 'utf8' }).trim().split(/\s+/);
    const includes = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'native-files.js'), 'cflags'], { cwd: ROOT, encoding: 'utf8' }).trim().split(/\s+/);
    // zlib.h as node-gyp finds it (node's own headers): the library uses the zlib node exports
    const nodeInclude = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
    const zlib = fs.existsSync(path.join(nodeInclude, 'zlib.h')) ? [`-I${nodeInclude}`] : [];
    execFileSync(cc, ['-std=c11', '-O0', '-shared', '-fPIC', '-pthread', '-fvisibility=hidden', '-DMSX_ABI_VERSION=2', ...includes, ...zlib, ...sources, '-o', so], { cwd: ROOT });
    const trace = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-virtio-net-affinity', 'trace.msixtrace');
    const r = spawnSync(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin', 'msixtrace.js'), 'replay', trace, '-m', 'xen-4.7'],
      { encoding: 'utf8', env: { ...process.env, MSIXTRACE_NATIVE_LIB: so } });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `msixtrace: native library ${so} has ABI version 2, this msixtrace needs 1: rebuild it with \`npx node-gyp rebuild\` (or \`npm install\`)\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
