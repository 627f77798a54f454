// Strings from inputs reach the terminal with their control characters made visible
// (src/util/escape.ts): a trace whose tool_version, notes, source file and device names hold
// escape sequences, C1 controls and bidirectional overrides, and a trace file whose name holds an
// escape, through dump --header, report, replay (table, json, csv) and check. Nothing raw may come
// out, and JSON still parses to the very strings the trace holds.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');
const { escapeControls, jsonVisible } = require('../dist/util/escape.js');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');
const { TOOL_VERSION } = require('../dist/version.js');

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-escape-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

// Raw controls a terminal would act on (a final newline of a line aside).
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const NOTE = 'note\x1b]0;pwned\x07 \u009b31m red\nforged line';
const SOURCE = 'a\x1b[2Jb.log';
const NAME = 'dev\x1b[31mred\u202eevil';
const TOOL = '\x1b[5m' + 'x'.repeat(TOOL_VERSION.length - 4);

function hostileTrace(file) {
  const w = new TraceWriter(file, { sourceFormat: 'qemu-log', sourceFiles: [SOURCE], notes: [NOTE],
    devices: [device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 4, name: NAME })] }, 4096);
  for (let i = 0; i < 10; i++) w.push(i * 1000, 1, 0, 0, 0, 12, 4, 1, i & 1, 0);
  w.finish();
  // The writer stamps its own tool_version: put a hostile one of the same length in its place.
  const buf = fs.readFileSync(file);
  const at = buf.indexOf(Buffer.from(TOOL_VERSION));
  assert.ok(at > 0);
  Buffer.from(TOOL).copy(buf, at);
  fs.writeFileSync(file, buf);
}

test('escapeControls and jsonVisible', () => {
  assert.equal(escapeControls('a\x1b[31mb\tc\nd\r\u009b\u007f\u202e\u2066 ok \\ é'), 'a\\x1b[31mb\\tc\\nd\\r\\x9b\\x7f\\u{202e}\\u{2066} ok \\ é');
  const s = JSON.stringify({ v: 'x\u009by\u2028z\u202e\x1b' });
  assert.ok(RAW.test(s));
  assert.ok(!RAW.test(jsonVisible(s)));
  assert.deepEqual(JSON.parse(jsonVisible(s)), { v: 'x\u009by\u2028z\u202e\x1b' });
});

test('dump --header, report, replay and check print the hostile strings escaped', () => {
  const file = path.join(tmp, 'hostile.msixtrace');
  hostileTrace(file);
  const h = runCliSync(['dump', file, '--header']);
  assert.equal(h.code, 0, h.err);
  assert.ok(!RAW.test(h.out), h.out);
  const header = JSON.parse(h.out);
  assert.equal(header.tool_version, TOOL);
  assert.deepEqual(header.notes, [NOTE]);
  assert.deepEqual(header.source_files, [SOURCE]);
  assert.equal(header.devices[0].name, NAME);

  const html = path.join(tmp, 'r.html');
  const r = runCliSync(['report', file, '--html', html, '-m', 'kvm']);
  assert.equal(r.code, 0, r.err);
  const page = fs.readFileSync(html, 'utf8');
  assert.ok(!RAW.test(page.replace(/\n/g, '')), 'raw control in the page');
  assert.ok(page.includes('a\\x1b[2Jb.log') && page.includes('dev\\x1b[31mred\\u{202e}evil'));
  assert.ok(page.includes('note\\x1b]0;pwned\\x07 \\x9b31m red\\nforged line'));

  // A trace file whose own name holds an escape, in every replay format and in check.
  const named = path.join(tmp, 'e\x1b[31m\u009b.msixtrace');
  fs.copyFileSync(file, named);
  for (const format of ['table', 'json', 'ndjson', 'csv']) {
    const o = runCliSync(['replay', named, '-m', 'kvm', '--format', format]);
    assert.equal(o.code, 0, o.err);
    assert.ok(!RAW.test(o.out.replace(/\n/g, '')), `${format}: ${o.out}`);
    if (format === 'table') assert.ok(o.out.startsWith(`${escapeControls(named)}: 10 accesses`), o.out);
    if (format === 'json') assert.equal(JSON.parse(o.out).results[0].trace, named);
  }
  const baseline = path.join(tmp, 'b.json');
  fs.writeFileSync(baseline, fs.readFileSync(path.join(ROOT, 'traces', 'baseline.json')));
  const c = runCliSync(['check', named, '--baseline', baseline, '-m', 'kvm']);
  assert.ok(c.out.includes('e\\x1b[31m\\x9b.msixtrace'), c.out);
  assert.ok(!RAW.test(c.out.replace(/\n/g, '')), c.out);
});
