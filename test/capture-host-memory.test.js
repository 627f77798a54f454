'use strict';
// A host trace of two VMs with one geometry for both: the devices of each VM are known only as the VM
// shows up, so events wait until the end of the input. They wait in a temporary file, not in memory:
// 5.5 million accesses (two VMs running a real recording over and over) through a pipe stay under
// the 150 MB the pipe test allows, where holding them would take ~170 MB of batches alone.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { hostLog } = require('./helpers/host-log');

const ROOT = path.resolve(__dirname, '..');
const REC = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-virtio-net-affinity');
const PEAK = path.join(__dirname, 'helpers', 'peak-rss.js');
const LIMIT_KB = 150 * 1024;
const ACCESSES = 5.5e6;

test('two VMs, one geometry, 5.5 M accesses through a pipe: peak RSS under 150 MB, every access kept', { timeout: 300000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-host-mem-'));
  try {
    const once = Buffer.from(hostLog(path.join(REC, 'trace-msix.log'), [20165, 21301], 'ftrace-tgid').replace(/^# tracer: nop\n/, ''), 'latin1');
    const perRep = 464;
    const reps = Math.ceil(ACCESSES / perRep);
    const out = path.join(dir, 'h.msixtrace');
    const child = spawn(process.execPath, [...NODE_FLAGS, PEAK, 'capture', '-', '-f', 'kvm-ftrace', '--lspci', path.join(REC, 'lspci-vv.txt'), '-o', out], { stdio: ['pipe', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (d) => err.push(d));
    child.stdin.on('error', () => {});
    for (let i = 0; i < reps; i++) if (!child.stdin.write(once)) await new Promise((r) => child.stdin.once('drain', r));
    child.stdin.end();
    const code = await new Promise((r) => child.on('close', r));
    const text = Buffer.concat(err).toString();
    assert.strictEqual(code, 0, text);
    const kept = Number(/kept\s+([\d,]+)/.exec(text)[1].replace(/,/g, ''));
    assert.strictEqual(kept, reps * perRep);
    assert.match(text, /guest 20165 device 0 .*\n.*guest 21301 device 1 /);
    const maxrss = Number(/@@maxrss (\d+)/.exec(text)[1]);
    assert.ok(maxrss < LIMIT_KB, `peak RSS ${Math.round(maxrss / 1024)} MB`);
    // the spill file is gone
    assert.deepStrictEqual(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('msixtrace-capture-') && fs.statSync(path.join(os.tmpdir(), f)).mtimeMs > Date.now() - 300000).length, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
