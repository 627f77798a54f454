// The Buffer line splitter and the input reader: same lines whatever the chunking, the needle
// skips only lines that cannot matter, overlong and NUL lines are reported with their numbers,
// and gzip is recognised by its magic bytes.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { LineScanner, MAX_LINE } = require('../dist/capture/lines.js');
const { InputStream } = require('../dist/capture/input.js');
const { looksLikeText, firstLines } = require('../dist/capture/sniff.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-capture-lines-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function scan(data, chunk, needle) {
  const seen = [];
  const bad = [];
  const h = { needle, line: (t, n) => seen.push([n, t]), malformed: (n, why) => bad.push([n, why]) };
  const s = new LineScanner(h);
  for (let i = 0; i < data.length; i += chunk) s.push(data.subarray(i, i + chunk));
  s.end();
  return { seen, bad, lines: s.lines };
}

test('same lines for every chunking, CRLF stripped, last line without newline', () => {
  const data = Buffer.from('alpha\r\nbeta\n\ngamma msix\ndelta');
  const want = [[1, 'alpha'], [2, 'beta'], [3, ''], [4, 'gamma msix'], [5, 'delta']];
  for (const chunk of [1, 2, 3, 5, 8, 100]) {
    const r = scan(data, chunk);
    assert.deepEqual(r.seen, want, `chunk ${chunk}`);
    assert.equal(r.lines, 5);
  }
});

test('with a needle only lines that hold it are decoded; line numbers still count every line', () => {
  const data = Buffer.from('a\nb msix-table\nc\nmsix-pba d\ne');
  for (const chunk of [1, 4, 64]) assert.deepEqual(scan(data, chunk, 'msix').seen, [[2, 'b msix-table'], [4, 'msix-pba d']], `chunk ${chunk}`);
});

test('a parser that sets its needle while parsing narrows the rest of the scan', () => {
  const seen = [];
  const h = {
    needle: undefined,
    line(t, n) { seen.push(n); if (t.includes('name')) this.needle = 'msix'; },
    malformed() {},
  };
  const s = new LineScanner(h);
  s.push(Buffer.from('x\ny name\nz\nmsix\nw\n'));
  s.end();
  assert.deepEqual(seen, [1, 2, 4]);
});

test('an overlong line is reported once, never held whole, and the lines around it survive', () => {
  const long = Buffer.alloc(MAX_LINE * 3, 0x61);
  const data = Buffer.concat([Buffer.from('first\n'), long, Buffer.from('\nlast msix\n')]);
  for (const chunk of [65536, 1 << 20, data.length]) {
    const r = scan(data, chunk);
    assert.deepEqual(r.seen, [[1, 'first'], [3, 'last msix']], `chunk ${chunk}`);
    assert.deepEqual(r.bad, [[2, 'line longer than 1 MiB']]);
  }
  assert.deepEqual(scan(Buffer.concat([Buffer.from('a\n'), long]), 65536).bad, [[2, 'line longer than 1 MiB']], 'also at the end of the data');
});

test('NUL bytes make a line malformed, with or without a needle', () => {
  const data = Buffer.from('ok msix\nbad\0 msix\nbad\0 other\nok2 msix\n');
  assert.deepEqual(scan(data, 7).bad, [[2, 'NUL byte in line'], [3, 'NUL byte in line']]);
  const r = scan(data, 100, 'msix');
  assert.deepEqual(r.seen, [[1, 'ok msix'], [4, 'ok2 msix']]);
  assert.deepEqual(r.bad.map((b) => b[0]), [2, 3]);
});

test('text sniffing', () => {
  assert.equal(looksLikeText(Buffer.from('memory_region_ops_read cpu 0 …\n')), true);
  assert.equal(looksLikeText(Buffer.alloc(100)), false);
  assert.deepEqual(firstLines(Buffer.from('\n  \na\r\n\nb\n')), ['a', 'b']);
});

async function readAll(file) {
  const input = await InputStream.open(file, new AbortController().signal);
  const parts = [];
  for (let c = await input.next(); c; c = await input.next()) parts.push(c);
  input.close();
  return { data: Buffer.concat(parts).toString(), gzip: input.gzip };
}

test('gzip is recognised by its magic bytes, whatever the file name', async () => {
  const text = 'line one\nline two\n'.repeat(1000);
  const named = path.join(tmp, 'a.log.gz');
  const unnamed = path.join(tmp, 'a.log');
  const plain = path.join(tmp, 'plain.gz');
  fs.writeFileSync(named, zlib.gzipSync(text));
  fs.writeFileSync(unnamed, zlib.gzipSync(text));
  fs.writeFileSync(plain, text);
  assert.deepEqual(await readAll(named), { data: text, gzip: true });
  assert.deepEqual(await readAll(unnamed), { data: text, gzip: true });
  assert.deepEqual(await readAll(plain), { data: text, gzip: false });
});
