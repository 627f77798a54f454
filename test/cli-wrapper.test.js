// bin/msixtrace, the sh wrapper users run (npm links it into node_modules/.bin): it must find
// bin/msixtrace.js through a symlink, pass every argument through unchanged (spaces, quotes, empty
// strings), keep stdin, stdout and the exit status, and start node without NODE_EXTRA_CA_CERTS
// (parsing that bundle cost more than node's own start-up, and msixtrace never uses TLS).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const WRAPPER = path.join(ROOT, 'bin', 'msixtrace');
const TRACE = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-e1000e-rebind', 'trace.msixtrace');

function viaLink(args, opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-wrapper-'));
  try {
    const link = path.join(dir, 'msixtrace');
    fs.symlinkSync(WRAPPER, link);
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`, ...opts.env };
    return spawnSync(link, args, { encoding: 'utf8', env, input: opts.input, cwd: opts.cwd });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('through a symlink: same output and exit status as node bin/msixtrace.js', () => {
  const args = ['replay', TRACE, '-m', 'xen-4.7', '--format', 'json'];
  const wrapped = viaLink(args);
  const direct = spawnSync(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin', 'msixtrace.js'), ...args], { encoding: 'utf8' });
  assert.equal(wrapped.status, 0, wrapped.stderr);
  assert.equal(wrapped.stdout, direct.stdout);
  const bad = viaLink(['replay', path.join(ROOT, 'no such file.msixtrace')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^msixtrace: .*no such file\.msixtrace/);
});

test('arguments with spaces and quotes, and stdin, pass through unchanged', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msx wrapper "q" '));
  try {
    const out = path.join(dir, 'a b.msixtrace');
    const trace = fs.readFileSync(TRACE);
    const r = viaLink(['replay', '-', '-m', 'kvm', '--format', 'csv'], { input: trace });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^trace,model,/);
    const s = viaLink(['synth', '--scenario', 'storm-6.1', '--duration', '10ms', '-o', out]);
    assert.equal(s.status, 0, s.stderr);
    assert.ok(fs.statSync(out).size > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('node starts without NODE_EXTRA_CA_CERTS; the rest of the environment is kept', () => {
  const r = viaLink(['replay', TRACE, '-m', 'kvm', '--format', 'json'], {
    env: { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem', NODE_OPTIONS: '--require ' + path.join(__dirname, 'helpers', 'print-env.js') },
  });
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('{"env"')));
  assert.equal(seen.env.NODE_EXTRA_CA_CERTS, undefined);
  assert.ok(seen.env.PATH);
});
