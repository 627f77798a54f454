// Format detection reads lines, not a fixed byte window: over-long and unreadable lines at the
// start of a log are skipped (within bounds), and --strict names the line that failed.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { Sniffer, SNIFF_MAX_SKIPPED } = require('../dist/capture/sniff.js');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const REC = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-e1000e-rebind');
const LOG = fs.readFileSync(path.join(REC, 'trace-msix.log'));
const LSPCI = path.join(REC, 'lspci-vv.txt');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-sniff-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args) => spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const write = (name, data) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
};
// 2 MiB of printable garbage, and of random bytes (newlines taken out), as one first line
const textGarbage = () => Buffer.from(crypto.randomBytes(3 << 19).toString('base64'));
const binGarbage = () => Buffer.from([...crypto.randomBytes(2 << 20)].map((b) => (b === 10 ? 11 : b)));

for (const [kind, garbage] of [['text', textGarbage], ['binary', binGarbage]]) {
  test(`a first line of 2 MiB of ${kind} garbage: the log is still detected, the line counted malformed`, () => {
    const f = write(`garbage-${kind}.log`, Buffer.concat([garbage(), Buffer.from('\n'), LOG]));
    const r = run(['capture', f, '--lspci', LSPCI, '-o', path.join(tmp, 'g.msixtrace')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\(qemu-log\)/);
    assert.match(r.stderr, /kept\s+213 MSI-X accesses/);
    assert.match(r.stderr, new RegExp(`1 malformed: .*garbage-${kind}\\.log:1 `));
    // --strict stops at that line, by number
    const s = run(['capture', f, '--lspci', LSPCI, '-o', path.join(tmp, 'g.msixtrace'), '--strict']);
    assert.equal(s.status, 2);
    assert.match(s.stderr, new RegExp(`^msixtrace: .*garbage-${kind}\\.log:1: `));
    assert.equal(s.stderr.trim().split('\n').length, 1);
  });
}

test('garbage with nothing recognizable after it: the message says what was skipped; --strict names line 1', () => {
  const f = write('only-garbage.log', Buffer.concat([textGarbage(), Buffer.from('\nDear diary,\n')]));
  const r = run(['capture', f, '--lspci', LSPCI, '-o', path.join(tmp, 'g.msixtrace')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot tell the log format of .*only-garbage\.log \(1 line skipped, the first at .*only-garbage\.log:1: line longer than 64 KiB\); pass -f /);
  const s = run(['capture', f, '--lspci', LSPCI, '-o', path.join(tmp, 'g.msixtrace'), '--strict']);
  assert.equal(s.status, 2);
  assert.match(s.stderr, /^msixtrace: .*only-garbage\.log:1: line longer than 64 KiB; cannot tell the log format/);
});

test('-f qemu-log reads the same file leniently', () => {
  const f = write('forced.log', Buffer.concat([textGarbage(), Buffer.from('\n'), LOG]));
  const r = run(['capture', f, '-f', 'qemu-log', '--lspci', LSPCI, '-o', path.join(tmp, 'g.msixtrace')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /kept\s+213 MSI-X accesses/);
});

test('sniffing is bounded: it stops after a fixed number of skipped lines', () => {
  const s = new Sniffer();
  const bad = Buffer.from('\x01\x02\x03\x04\n'.repeat(SNIFF_MAX_SKIPPED + 500));
  s.push(bad);
  assert.equal(s.done, true);
  assert.equal(s.skipped, SNIFF_MAX_SKIPPED);
  assert.equal(s.binary, true);
  assert.deepEqual(s.firstSkipped, { line: 1, why: 'binary data, not text' });
  // readable lines after unreadable ones are kept, blank ones are not lines
  const t = new Sniffer();
  t.push(Buffer.from('\x00\x00\x00\n\n  \nhello\r\nworld'));
  t.end();
  assert.deepEqual(t.lines, ['hello', 'world']);
  assert.equal(t.binary, false);
});
