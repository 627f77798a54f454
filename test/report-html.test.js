// `msixtrace report --html`: the page is self-contained, escapes what it shows, bins large tables,
// fails cleanly on bad input, and (in headless Chromium) renders every chart with data, logs no
// console error and makes no request outside the file itself.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { pathToFileURL } = require('url');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const REC = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-virtio-net-affinity');
const CHROMIUM = '/usr/bin/chromium';
const MODELS = 9;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-report-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args, opts = {}) {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8', cwd: ROOT, ...opts });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// The real recording as a .msixtrace, through the capture verb. Should capture be unavailable, the
// same events are rebuilt here from the log lines (geometry from its lspci -vv: table 0xfebc0000,
// 4 entries, PBA 0xfebc0800), so this test keeps testing the report.
function realTrace() {
  const out = path.join(tmp, 'virtio-net-affinity.msixtrace');
  const r = run(['capture', path.join(REC, 'trace-msix.log'), '--lspci', path.join(REC, 'lspci-vv.txt'), '-o', out]);
  if (r.code === 0 && fs.existsSync(out)) return out;
  process.stderr.write(`report-html test: capture unavailable (${r.err.trim().split('\n')[0]}); parsing the log here\n`);
  const re = /^\d+@(\d+)\.(\d+):memory_region_ops_(read|write) cpu (\d+) mr 0x[0-9a-f]+ addr (0x[0-9a-f]+) value (0x[0-9a-f]+) size (\d+) name 'msix-(table|pba)'/;
  const w = new TraceWriter(out, {
    sourceFormat: 'qemu-log', sourceFiles: [path.join(REC, 'trace-msix.log')],
    devices: [device({ index: 0, bdf: '0000:00:01.0', vendorId: 0x1af4, deviceId: 0x1000, tableEntries: 4, tableBar: 1,
      tableGpa: 0xfebc0000n, pbaBar: 1, pbaOffset: 0x800n, pbaGpa: 0xfebc0800n, name: 'Virtio network device' })],
  });
  let t0 = null;
  for (const line of fs.readFileSync(path.join(REC, 'trace-msix.log'), 'utf8').split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const us = Number(m[1]) * 1e6 + Number(m[2].padEnd(6, '0').slice(0, 6));
    if (t0 === null) t0 = us;
    const pba = m[8] === 'pba';
    const off = Number(BigInt(m[5]) - (pba ? 0xfebc0800n : 0xfebc0000n));
    const v = BigInt(m[6]);
    w.push((us - t0) * 1000, 0, Number(m[4]), 0, pba ? 1 : 0, off, Number(m[7]), m[3] === 'write' ? 1 : 0,
      Number(v & 0xffffffffn), Number(v >> 32n));
  }
  w.finish();
  return out;
}

// Two devices with large tables: 2048 entries all masked at enable (binned rows) and 65 entries of
// which 10 are used (only those rows); plus a PBA read.
function largeTrace(file) {
  const w = new TraceWriter(file, { sourceFormat: 'test', notes: ['large <tables> & "quotes"'], devices: [
    device({ index: 0, tableGpa: 0xf0000000n, tableEntries: 2048, pbaGpa: 0xf0008000n, bdf: '0000:03:00.0', vendorId: 0x8086, deviceId: 0x1572 }),
    device({ index: 1, tableGpa: 0xf1000000n, tableEntries: 65, pbaGpa: 0xf1002000n, bdf: '0000:04:00.0', vendorId: 0x1b36, deviceId: 0x0010 })] });
  let t = 0;
  for (let e = 0; e < 2048; e++) w.push((t += 2000), 1, 0, 0, 0, e * 16 + 12, 4, 1, 1, 0);
  for (let e = 0; e < 10; e++) {
    w.push((t += 2000), 1, 0, 1, 0, e * 16, 4, 1, 0xfee00000, 0);
    w.push((t += 2000), 1, 0, 1, 0, e * 16 + 4, 4, 1, 0, 0);
    w.push((t += 2000), 1, 0, 1, 0, e * 16 + 8, 4, 1, 0x4020 + e, 0);
    w.push((t += 2000), 1, 0, 1, 0, e * 16 + 12, 4, 1, 0, 0);
  }
  w.push(1.5e9, 1, 0, 1, 1, 0, 8, 0, 0, 0);
  w.finish();
  return file;
}

function embedded(html) {
  const m = /<script type="application\/json" id="msixtrace-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'embedded data block');
  return JSON.parse(m[1]);
}

function svgTags(html, chart) {
  return [...html.matchAll(/<svg\b[^>]*>/g)].map((m) => m[0]).filter((s) => s.includes(`data-chart="${chart}"`));
}

const REAL = realTrace();
const LARGE = largeTrace(path.join(tmp, 'large.msixtrace'));

test('report of a real recording: one page, every chart, the replay counts, nothing external', () => {
  const out = path.join(tmp, 'real.html');
  const r = run(['report', REAL, '-m', 'all', '--html', out]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '', 'the page goes to the file, not stdout');
  const html = fs.readFileSync(out, 'utf8');
  for (const chart of ['timeline', 'fields', 'heatmap', 'cost']) assert.equal(svgTags(html, chart).length, 1, chart);
  assert.match(html, /<table class="models" data-chart="models">/);
  // self-contained: no external resource of any kind, and a CSP that forbids fetching anyway
  assert.doesNotMatch(html, /<script\b(?![^>]*type="application\/json")/i, 'no executable script');
  assert.doesNotMatch(html, /<link\b|@import|<img\b|<iframe\b|url\((?!#)/i);
  const urls = [...html.matchAll(/https?:\/\/[^\s"'<)]+/g)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org/2000/svg');
  assert.deepEqual(urls, []);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/);
  // the embedded data are the replay's own results
  const data = embedded(html);
  assert.equal(data.traces.length, 1);
  const replay = JSON.parse(run(['replay', REAL, '-m', 'all', '--format', 'json']).out).results;
  assert.equal(data.traces[0].results.length, MODELS);
  data.traces[0].results.forEach((res, i) => {
    assert.equal(res.model, replay[i].model);
    assert.deepEqual(res.totals, replay[i].totals);
    assert.deepEqual(res.fields, replay[i].fields);
    assert.deepEqual(res.xen_side, replay[i].xen_side);
    assert.equal(res.cost.forward_us, 15);
  });
  assert.equal(data.traces[0].header.devices[0].table_gpa, '0xfebc0000');
  // the header block: BDF, ids, table and PBA addresses
  assert.match(html, /0000:00:01\.0/);
  assert.match(html, /1af4:1000/);
  assert.match(html, /0xfebc0800/);
  // the heat map counts every access once: 232 in this recording
  const cells = [...html.matchAll(/<rect\b[^>]*data-entry="[^"]*"[^>]*data-count="(\d+)"/g)].map((m) => Number(m[1]));
  assert.equal(cells.reduce((a, b) => a + b, 0), data.traces[0].results[0].events);
  assert.equal(data.traces[0].results[0].events, 232);
});

test('several traces, one section each; text escaped; large tables binned or trimmed to used entries', () => {
  const weird = path.join(tmp, 'we<ird>&"dir\'');
  fs.mkdirSync(weird);
  const odd = path.join(weird, 't<1>.msixtrace');
  fs.copyFileSync(LARGE, odd);
  const out = path.join(tmp, 'multi.html');
  const r = run(['report', REAL, odd, '-m', 'kvm,xen-4.1', '-m', 'xen-vpci', '--interval', '250ms', '--cost', 'forward=20,absorb=1', '--html', out]);
  assert.equal(r.code, 0, r.err);
  const html = fs.readFileSync(out, 'utf8');
  assert.equal((html.match(/<section class="trace"/g) || []).length, 2);
  assert.ok(!html.includes('t<1>') && !html.includes('<ird>') && !html.includes('<tables>'), 'raw < from the input reached the page');
  assert.ok(html.includes('t&lt;1&gt;.msixtrace'));
  assert.ok(html.includes('large &lt;tables&gt; &amp; &quot;quotes&quot;'));
  const data = embedded(html);
  assert.equal(data.traces[1].trace, odd);
  assert.deepEqual(data.traces[1].results.map((x) => x.model), ['forward-all', 'xen-4.1', 'xen-vpci']);
  assert.equal(data.options.interval_ns, 250e6);
  assert.equal(data.traces[1].results[0].cost.forward_us, 20);
  const heat = svgTags(html, 'heatmap');
  assert.equal(heat.length, 3, 'one heat map per device');
  const rows = (tag) => Number(/data-rows="(\d+)"/.exec(tag)[1]);
  assert.equal(rows(heat[0]), 4);
  assert.ok(rows(heat[1]) <= 48 && rows(heat[1]) >= 32, `2048 entries binned into ${rows(heat[1])} rows`);
  assert.equal(rows(heat[2]), 10, '65-entry table: only the 10 accessed entries');
  assert.match(html, /10 of 65 entries were accessed; only those are shown/);
  assert.match(html, /2048 of 2048 entries were accessed: 43 entries per row/);
  assert.match(html, /PBA: 1 reads, 0 writes/);
  assert.equal((html.match(/<tr data-model=/g) || []).length, 6, 'three model rows per trace');
});

test('a fine --interval is merged into at most 600 timeline buckets, in the chart and in the embedded data', () => {
  const out = path.join(tmp, 'fine.html');
  const r = run(['report', REAL, '-m', 'kvm', '--interval', '1ms', '--html', out]);
  assert.equal(r.code, 0, r.err);
  const html = fs.readFileSync(out, 'utf8');
  const tag = svgTags(html, 'timeline')[0];
  const buckets = Number(/data-buckets="(\d+)"/.exec(tag)[1]);
  assert.ok(buckets > 300 && buckets <= 600, `${buckets} buckets`);
  assert.equal(Number(/data-interval-ns="(\d+)"/.exec(tag)[1]), 10e6);
  assert.match(html, /Forwarded accesses per 10 ms per model.*buckets of 1 ms merged/);
  const res = embedded(html).traces[0].results[0];
  assert.equal(res.intervals.interval_ns, 10e6);
  assert.equal(res.intervals.buckets.length, buckets);
  assert.equal(res.intervals.buckets.reduce((a, b) => a + b.forwarded + b.absorbed, 0), 232);
});

test('bad input: one line on stderr, exit 2, no output file left behind', () => {
  const notTrace = path.join(tmp, 'not-a-trace.msixtrace');
  fs.writeFileSync(notTrace, 'hello, world\n');
  const dir = fs.mkdtempSync(path.join(tmp, 'out-'));
  const out = path.join(dir, 'r.html');
  for (const args of [
    ['report', path.join(tmp, 'missing.msixtrace'), '--html', out],
    ['report', notTrace, '--html', out],
    ['report', REAL, notTrace, '--html', out],
    ['report', REAL, '--interval', 'soon', '--html', out],
    ['report', REAL, '--cost', 'forward=lots', '--html', out],
    ['report', REAL, '-m', 'xen-9.9', '--html', out],
    ['report', REAL, '--start', 'tepid', '--html', out],
    ['report', REAL],
    ['report', REAL, '--html', path.join(tmp, 'no-such-dir', 'r.html')],
    ['report', REAL, '--html', dir],
  ]) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^msixtrace: /);
    assert.equal(r.out, '');
    assert.deepEqual(fs.readdirSync(dir), [], `${args.join(' ')} left ${fs.readdirSync(dir)}`);
  }
});

test('report reads a trace from stdin', () => {
  const out = path.join(tmp, 'stdin.html');
  const r = run(['report', '-', '-m', 'kvm', '--html', out], { input: fs.readFileSync(REAL) });
  assert.equal(r.code, 0, r.err);
  const data = embedded(fs.readFileSync(out, 'utf8'));
  assert.equal(data.traces[0].trace, 'stdin');
  assert.equal(data.traces[0].results[0].events, 232);
});

test('models asked by release or alias are named as asked, with the model that answers and its releases', () => {
  const out = path.join(tmp, 'asked.html');
  const r = run(['report', REAL, '-m', 'xen-4.17,kvm', '--html', out]);
  assert.equal(r.code, 0, r.err);
  const html = fs.readFileSync(out, 'utf8');
  assert.match(html, /<\/span>xen-4\.17 \(model xen-4\.7\)<small>4\.7 \(and 4\.6\.3\) through 4\.18<\/small>/);
  assert.match(html, /<\/span>kvm \(model forward-all\)<small>/);
});

// --- in a real browser -----------------------------------------------------------------------

function playwright() {
  try {
    return require('playwright-core');
  } catch {
    return null;
  }
}

const pw = playwright();
const skip = !fs.existsSync(CHROMIUM) ? `${CHROMIUM} not found (install the Debian package: apt-get install chromium)`
  : !pw ? 'playwright-core not installed (npm ci installs it as a devDependency)' : false;

test('in headless Chromium: every chart rendered with data, no console error, no request leaves the page', { skip, timeout: 120000 }, async () => {
  const out = path.join(tmp, 'browser.html');
  const r = run(['report', REAL, LARGE, '-m', 'all', '--html', out]);
  assert.equal(r.code, 0, r.err);
  const browser = await pw.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const consoleErrors = [];
    const external = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('request', (req) => { if (!req.url().startsWith('file:')) external.push(req.url()); });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    const url = pathToFileURL(out).href;
    await page.goto(url, { waitUntil: 'load' });
    const sections = await page.$$eval('section.trace', (secs) => secs.map((s) => {
      const count = (sel) => s.querySelectorAll(sel).length;
      const drawn = (sel) => [...s.querySelectorAll(sel)].every((e) => {
        const b = e.getBoundingClientRect();
        return b.width > 0 && b.height > 0;
      });
      const nums = (sel, attr) => [...s.querySelectorAll(sel)].map((e) => Number(e.getAttribute(attr)));
      return {
        modelRows: count('table[data-chart="models"] tbody tr'),
        charts: ['timeline', 'fields', 'heatmap', 'cost'].map((c) => [c, count(`svg[data-chart="${c}"]`), drawn(`svg[data-chart="${c}"]`)]),
        timelinePaths: count('svg[data-chart="timeline"] path[data-model]'),
        timelinePoints: nums('svg[data-chart="timeline"] circle[data-count]', 'data-count'),
        legend: count('svg[data-chart="timeline"] [data-legend]'),
        fieldBars: nums('svg[data-chart="fields"] rect[data-outcome]', 'data-count'),
        heatCells: nums('svg[data-chart="heatmap"] rect[data-count]', 'data-count'),
        costBars: nums('svg[data-chart="cost"] rect[data-model]', 'data-value'),
      };
    }));
    assert.equal(sections.length, 2);
    for (const s of sections) {
      assert.equal(s.modelRows, MODELS, 'one table row per model');
      for (const [chart, n, visible] of s.charts) {
        assert.ok(n > 0, `${chart} present`);
        assert.ok(visible, `${chart} has a size on the page`);
      }
      assert.equal(s.timelinePaths, MODELS, 'one line per model');
      assert.equal(s.legend, MODELS);
      assert.ok(s.timelinePoints.length > 0 && s.timelinePoints.some((v) => v > 0), 'timeline points with data');
      assert.ok(s.fieldBars.length > 0 && s.fieldBars.every((v) => v > 0), 'field bars with data');
      assert.ok(s.heatCells.some((v) => v > 0), 'heat map cells with data');
      assert.equal(s.costBars.length, MODELS);
      assert.ok(s.costBars.some((v) => v > 0), 'cost bars with data');
    }
    const scripts = await page.$$eval('script', (els) => els.map((e) => e.type));
    assert.deepEqual(scripts, ['application/json']);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(external, []);
  } finally {
    await browser.close();
  }
});
