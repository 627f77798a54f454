'use strict';
// mmiotrace without --lspci: the log declares its tables as it goes, so events wait for the final
// device list; they wait in bounded memory (a few batches, the rest in a private temporary file).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { EventSpill } = require('../dist/capture/spill.js');

const PEAK = path.join(__dirname, 'helpers', 'peak-rss.js');
const BIN = path.resolve(__dirname, '..', 'bin', 'msixtrace.js');

test('EventSpill hands back every event in order, from memory and from disk, and removes its file', () => {
  const s = new EventSpill();
  const n = 65536 * 7 + 123;
  for (let i = 0; i < n; i++) s.push(i * 10, 0, i % 3, i % 5, i % 2, (i % 20) * 4, 4, i % 2, i >>> 0, 7);
  assert.strictEqual(s.events, n);
  const spillDirs = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('msixtrace-events-'));
  let seen = 0;
  for (const b of s.batches()) {
    for (let k = 0; k < b.n; k++, seen++) {
      assert.strictEqual(b.ts[k], seen * 10);
      assert.strictEqual(b.vcpu[k], seen % 3);
      assert.strictEqual(b.device[k], seen % 5);
      assert.strictEqual(b.valueLo[k], seen >>> 0);
    }
  }
  assert.strictEqual(seen, n);
  const before = spillDirs().length;
  s.close();
  assert.ok(spillDirs().length < before || before === 0);
});

/** An mmiotrace log: one 5-entry table MAP, then n writes to it. */
function mmiotraceLog(file, n) {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'VERSION 20070824\nMAP 1.000000 1 0xfebc0000 0xffffc90000000000 0x50 0x0 0\n');
  let chunk = [];
  for (let i = 0; i < n; i++) {
    chunk.push(`W 4 ${2 + Math.floor(i / 1e6)}.${String(i % 1e6).padStart(6, '0')} 1 0x${(0xfebc0000 + (i % 20) * 4).toString(16)} 0x${(i & 0xffff).toString(16)} 0xffffffff81000000 0`);
    if (chunk.length === 100000) {
      fs.writeSync(fd, chunk.join('\n') + '\n');
      chunk = [];
    }
  }
  if (chunk.length) fs.writeSync(fd, chunk.join('\n') + '\n');
  fs.closeSync(fd);
}

test('mmiotrace capture without --lspci: peak RSS does not grow with the events held', { timeout: 180000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-mmio-'));
  try {
    const rss = {};
    for (const n of [200000, 1600000]) {
      const log = path.join(dir, `${n}.log`);
      mmiotraceLog(log, n);
      const r = spawnSync(process.execPath, [...NODE_FLAGS, PEAK, 'capture', log, '-o', path.join(dir, `${n}.msixtrace`)], { encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`kept\\s+${n.toLocaleString('en-US')} MSI-X accesses`));
      rss[n] = Number(/@@maxrss (\d+)/.exec(r.stderr)[1]);
      fs.rmSync(log);
    }
    // Held in memory, 1.4 M more events took ~46 MB more (33 bytes each); spilled, about nothing.
    assert.ok(rss[1600000] - rss[200000] < 25 * 1024, `peak RSS ${rss[200000] >> 10} MB for 200 k events, ${rss[1600000] >> 10} MB for 1.6 M`);
    const d = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'dump', path.join(dir, '1600000.msixtrace'), '--format', 'csv'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    assert.strictEqual(d.status, 0, d.stderr);
    assert.strictEqual(d.stdout.trim().split('\n').length, 1600000 + 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
