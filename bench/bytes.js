#!/usr/bin/env node
// Trace-file size: bytes per event of the .msixtrace file (header and footer included) for a synth
// storm and for each real recording in traces/, beside `gzip -9` of the recording's source text
// (trace-msix.log) and of the storm's NDJSON dump. Targets: <= 4 bytes/event on synth storms,
// <= 8 on the real recordings.
//
//   node bench/bytes.js [--events N] [--json FILE]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const TRACES = path.join(ROOT, 'traces');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

function msx(args, opts = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { maxBuffer: 1 << 30, ...opts });
  if (r.status !== 0) throw new Error(`msixtrace ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function countEvents(file) {
  const { TraceReader } = require(path.join(ROOT, 'dist', 'tracefile', 'reader.js'));
  const r = new TraceReader(file);
  let n = 0;
  for (const b of r.batches()) n += b.n;
  return { n, header: r.header };
}

function main() {
  const jsonOut = arg('--json');
  const events = Number(arg('--events', 1_000_000));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-bytes-'));
  const rows = [];
  try {
    const storm = path.join(tmp, 'storm.msixtrace');
    msx(['synth', '--scenario', 'storm-6.1', '--duration', '100000s', '--max-events', String(events), '-o', storm]);
    const size = fs.statSync(storm).size;
    const { n } = countEvents(storm);
    const gz = zlib.gzipSync(msx(['dump', storm]), { level: 9 }).length;
    const bpe = size / n;
    rows.push({ name: 'synth storm-6.1', value: Math.round(bpe * 1000) / 1000, unit: 'bytes/event', target: 4, ok: bpe <= 4, peak_rss_mb: null,
      command: `msixtrace synth --scenario storm-6.1 --duration 100000s --max-events ${events} -o F`,
      note: `${n} events, ${size} bytes; gzip -9 of its NDJSON dump: ${(gz / n).toFixed(3)} bytes/event` });
    for (const d of fs.readdirSync(TRACES).sort()) {
      const file = path.join(TRACES, d, 'trace.msixtrace');
      const log = path.join(TRACES, d, 'trace-msix.log');
      if (!fs.existsSync(file) || !fs.existsSync(log)) continue;
      const bytes = fs.statSync(file).size;
      const { n: m, header } = countEvents(file);
      const hdr = require(path.join(ROOT, 'dist', 'tracefile', 'schema.js')).encodeHeader(header).length;
      const gzl = zlib.gzipSync(fs.readFileSync(log), { level: 9 }).length;
      const b = bytes / m;
      rows.push({ name: d, value: Math.round(b * 1000) / 1000, unit: 'bytes/event', target: 8, ok: b <= 8, peak_rss_mb: null,
        command: `msixtrace capture traces/${d}/trace-msix.log --lspci traces/${d}/lspci-vv.txt -o F`,
        note: `${m} events, ${bytes} bytes (header ${hdr}); gzip -9 of trace-msix.log: ${(gzl / m).toFixed(3)} bytes/event (${gzl} bytes)` });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log('trace file size (header and footer included):');
  for (const r of rows) console.log(`  ${r.name.padEnd(42)} ${r.value.toFixed(3).padStart(7)} ${r.unit} (target <= ${r.target}: ${r.ok ? 'ok' : 'MISSED'})  ${r.note}`);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(rows, null, 2) + '\n');
}

main();
