'use strict';
// A live capture through a pipe holds flat memory whatever the input length: 1 GB of a real log
// (trace-msix.log repeated with rising stamps, made on the fly) piped into `capture -`, as text
// and gzipped (inflated natively into reused buffers: node's zlib stream reached 245 MB).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawn } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { feed, REC } = require('./helpers/biglog');

const PEAK = path.join(__dirname, 'helpers', 'peak-rss.js');
const LIMIT_KB = 150 * 1024;

function capturePipe(bytes, out, gzip = false) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, PEAK, 'capture', '-', '--lspci', path.join(REC, 'lspci-vv.txt'), '-o', out], { stdio: ['pipe', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (d) => err.push(d));
    child.stdin.on('error', () => {});
    let sink = child.stdin;
    if (gzip) {
      // gzip data made on the fly (level 1: the test's own CPU is not the point)
      sink = zlib.createGzip({ level: 1 });
      sink.pipe(child.stdin);
    }
    const fed = feed(sink, bytes);
    child.on('close', async (code) => {
      const text = Buffer.concat(err).toString();
      const m = /@@maxrss (\d+)/.exec(text);
      resolve({ code, fed: await fed, text, maxrss: m ? Number(m[1]) : null });
    });
  });
}

for (const gzip of [false, true]) {
test(`1 GB${gzip ? ' of gzipped text' : ''} through a pipe: peak RSS under 150 MB, every line kept`, { timeout: 120000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-pipe-'));
  try {
    const out = path.join(dir, 'p.msixtrace');
    const r = await capturePipe(1e9, out, gzip);
    assert.strictEqual(r.code, 0, r.text);
    const lines = Number(/read ([\d,]+) lines/.exec(r.text)[1].replace(/,/g, ''));
    const kept = Number(/kept\s+([\d,]+)/.exec(r.text)[1].replace(/,/g, ''));
    // every line of trace-msix.log is an MSI-X table access of the listed device
    assert.strictEqual(kept, lines);
    assert.ok(lines > 8e6, `${lines} lines`);
    assert.match(r.text, / 0 malformed/);
    assert.ok(r.maxrss < LIMIT_KB, `peak RSS ${Math.round(r.maxrss / 1024)} MB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
}

test('a named pipe (mkfifo) is read the same way: every line kept, flat memory', { timeout: 120000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-fifo-'));
  try {
    const fifo = path.join(dir, 'trace.fifo');
    const mk = require('child_process').spawnSync('mkfifo', [fifo]);
    if (mk.status !== 0) return t.skip('mkfifo not available');
    const out = path.join(dir, 'f.msixtrace');
    const child = spawn(process.execPath, [...NODE_FLAGS, PEAK, 'capture', fifo, '--lspci', path.join(REC, 'lspci-vv.txt'), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (d) => err.push(d));
    const fed = feed(fs.createWriteStream(fifo), 300e6);
    const code = await new Promise((resolve) => child.on('close', resolve));
    await fed;
    const text = Buffer.concat(err).toString();
    assert.strictEqual(code, 0, text);
    const lines = Number(/read ([\d,]+) lines/.exec(text)[1].replace(/,/g, ''));
    assert.strictEqual(Number(/kept\s+([\d,]+)/.exec(text)[1].replace(/,/g, '')), lines);
    assert.ok(lines > 2e6, `${lines} lines`);
    const maxrss = Number(/@@maxrss (\d+)/.exec(text)[1]);
    assert.ok(maxrss < LIMIT_KB, `peak RSS ${Math.round(maxrss / 1024)} MB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
