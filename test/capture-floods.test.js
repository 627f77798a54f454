'use strict';
// Floods of malformed lines, and of MSI-X accesses outside the given geometry, cost the capture
// fast path about what a log of good lines of the same size does: the scan counts them itself
// once the summary holds their first places, instead of handing each line back to JavaScript
// (an ffi round trip and kilobytes of garbage per line, which took a 200 MB log to 1.2 GB).
// Memory only here; the time figures are in bench/RESULTS.md (bench/capture-edges.js).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { LSPCI, writeFloods } = require('./helpers/floods');

const PEAK = path.join(__dirname, 'helpers', 'peak-rss.js');
const num = (re, text) => Number((re.exec(text) || ['', 'NaN'])[1].replace(/,/g, ''));

function capture(log, out) {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, PEAK, 'capture', log, '--lspci', LSPCI, '-o', out], { encoding: 'utf8' });
  return { code: r.status, text: r.stderr, maxrss: num(/@@maxrss (\d+)/, r.stderr) };
}

test('malformed and out-of-geometry floods: peak RSS within 1.5x of an all-good log of the same size', { timeout: 180000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-floods-'));
  try {
    const logs = writeFloods(dir, 60e6);
    const r = {};
    for (const [kind, log] of Object.entries(logs)) {
      r[kind] = capture(log, path.join(dir, `${kind}.msixtrace`));
      assert.strictEqual(r[kind].code, 0, r[kind].text);
    }
    const lines = num(/read ([\d,]+) lines/, r.malformed.text);
    // half the lines are malformed (size 3), and all but the first of each repetition misplaced
    assert.ok(num(/([\d,]+) malformed/, r.malformed.text) > lines * 0.45, r.malformed.text);
    assert.match(r.malformed.text, /malformed: .*malformed\.log:2 size 3 \(an access is 1, 2, 4 or 8 bytes\);.* more\n/);
    assert.ok(num(/([\d,]+) MSI-X accesses outside/, r.outside.text) > num(/read ([\d,]+) lines/, r.outside.text) * 0.99, r.outside.text);
    assert.match(r.outside.text, /outside the known tables\/PBAs: .*outside\.log:2 \(0xfebd001c\);/);
    for (const kind of ['malformed', 'outside']) {
      assert.ok(r[kind].maxrss <= 1.5 * r.good.maxrss,
        `${kind}: peak RSS ${Math.round(r[kind].maxrss / 1024)} MB vs ${Math.round(r.good.maxrss / 1024)} MB for good lines`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
