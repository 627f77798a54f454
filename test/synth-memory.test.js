// synth streams: 5 M events through the writer with a flat RSS (child process, maxRSS < 150 MB).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');

test('5 M events in bounded memory', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-synth-mem-'));
  try {
    const out = path.join(tmp, 'big.msixtrace');
    const script = `
      const { synthesize } = require(${JSON.stringify(path.join(ROOT, 'dist', 'synth', 'index.js'))});
      const { scenario } = require(${JSON.stringify(path.join(ROOT, 'dist', 'synth', 'scenarios.js'))});
      const p = { ...scenario('storm-6.1').params, guests: 4, durationNs: 3600e9, maxEvents: 5000000 };
      const r = synthesize(p, ${JSON.stringify(out)}, ['memory test']);
      process.stdout.write(JSON.stringify({ events: r.events, maxRssKb: process.resourceUsage().maxRSS }));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 300000 });
    assert.equal(r.status, 0, r.stderr);
    const { events, maxRssKb } = JSON.parse(r.stdout);
    assert.equal(events, 5000000);
    assert.ok(maxRssKb < 150 * 1024, `maxRSS ${(maxRssKb / 1024).toFixed(1)} MB`);
    const { TraceReader } = require('../dist/tracefile/reader.js');
    const rd = new TraceReader(out);
    let n = 0;
    let last = -1;
    for (const b of rd.batches()) {
      for (let i = 0; i < b.n; i++) { assert.ok(b.ts[i] >= last); last = b.ts[i]; }
      n += b.n;
    }
    assert.equal(n, 5000000);
    assert.equal(rd.footer.events, 5000000);
    rd.close();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
