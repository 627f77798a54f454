#!/usr/bin/env node
// `npm run bench`: runs every bench script present (capture.js; replay.js and bytes.js when there),
// each with --json FILE writing rows {name, value, unit, target, ok, peak_rss_mb, command, note},
// and writes bench/RESULTS.md: the machine, every figure with its command, target and pass/fail,
// and what bounds each figure. Not part of `npm test` (it takes minutes and ~1 GB of temp disk).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..');
const SCRIPTS = ['capture.js', 'capture-edges.js', 'replay.js', 'bytes.js', 'policy.js', 'replay-counting.js'];
// Scripts whose figures form a section of their own in RESULTS.md, between markers, so that
// `node bench/run.js --only SCRIPT` can refresh that section alone and keep every other figure.
const SECTIONS = { 'replay-counting.js': 'Replay: --explain, --by and --interval against their baselines' };
const SECTION_BOUNDS = {
  'replay-counting.js': `What bounds them: \`--explain\` formats each line natively (~330 bytes, with the decision and
its reason; dump's lines are ~120) into a 1 MiB buffer written with write(2), one FFI call per
batch: ffi-napi keeps up to ~4 KB of every call for good (measured: ~0.7 KB of heap and ~3.7 KB of RSS per call with a Buffer argument), so the former per-event and per-buffer calls
had made memory grow with the output (1.8 GB for one model over 1.1 M events). \`--by\` adds, per
batch, a group id per distinct access (usually a few dozen) on the decoding thread and, per event
and model, one counter increment on the model's feeding thread; \`--interval\` adds the ts column
(8 bytes an event) and a bucket per event. The 10ms rows add JavaScript's rendering of 5,000
buckets per model (no target). CPU seconds are the judged ratio because this machine's load
(16-20 on 2 cores during the run) moves wall times by 2x; the row \`replayTrace -m xen-4.7 --by
entry\` in the table above was measured before the counting moved into the pipeline.`,
};

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = (/^model name\s*:\s*(.+)$/m.exec(cpuinfo) || [])[1] || os.cpus()[0]?.model || 'unknown';
  const flags = (/^flags\s*:\s*(.+)$/m.exec(cpuinfo) || ['', ''])[1].split(' ');
  const simd = ['sse4_2', 'avx2', 'avx512bw'].filter((f) => flags.includes(f)).join(' ');
  const nproc = spawnSync('nproc', [], { encoding: 'utf8' }).stdout.trim() || String(os.cpus().length);
  const grep = spawnSync('grep', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const load = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  return [
    `- CPU: ${model} (${nproc} cores online; ${simd || 'no SSE4.2/AVX2 flags'})`,
    `- RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `- node ${process.version}; ${grep}`,
    `- load average when the run ended: ${load} (the machine is shared; figures are medians of alternating runs)`,
    `- date: ${new Date().toISOString()}`,
  ].join('\n');
}

const CAPTURE_BOUNDS = `### Capture

Design: capture reads a plain file into two alternating page-aligned 4 MiB buffers (WebAssembly
memory, src/util/aligned.ts: one read ahead on the libuv pool while the other is scanned), and
once a QEMU log has shown region names, a wall clock and its first kept access, \`native/capture/scan.c\`
(\`msx_scan_qemu\`) takes whole buffers: runs of lines without an 'm..x' pair or NUL are skipped
64 bytes at a time (AVX2 where the CPU has it, chosen at run time; newlines counted with popcnt,
no branch per block), and a line holding \`msix\` in the shape QEMU 6.1+ prints is parsed in one
pass at fixed places (digit and hex runs found with SSE2, converted 8 digits at a time with SWAR
multiply-adds, the seconds of the stamp remembered from the line before); every other line goes
through the general parser. Events are classified against the geometry ranges and written
straight into the TraceWriter's EventBatch. Full batches are encoded by \`native/tracefile/encode.c\`
(byte-identical to test/oracles/batch-encode.js, test/tracefile-encode.test.js) on the encoder's own
thread while the scan fills the writer's second batch. JavaScript runs once per 4 MiB chunk and
once per batch, never per line or event; any line the C code cannot decide exactly as the JS
parser does is handed back to the JS parser, so traces and summaries are byte-identical
(test/capture-fastpath.test.js). Plain command lines are read from each verb's option table
without loading yargs (src/cli/options.ts), and the header/footer are encoded by hand
(src/tracefile/schema.ts), so protobufjs is not loaded either. A pipe is read the same way,
a chunk at a time by \`msx_pipe_fill\` on a pool thread (native/capture/pipe.c), and gzip data is
inflated by \`msx_gunzip_run\` on a pool thread into such a buffer pair (native/capture/gunzip.c).

What bounds the figures (profiles: \`node --cpu-prof\`, \`perf record\`, valgrind instruction
counts on bench/scan_micro.c, which times the scan alone on the same logs):
- both logs: start-up. This machine sets NODE_EXTRA_CA_CERTS, and node then parses that CA bundle
  at every start: bare \`node -e 0\` takes ~0.13 s with it and ~0.05 s without. msixtrace never
  uses TLS, so the \`msixtrace\` command (bin/msixtrace, a sh wrapper; the figures run it as users
  do) starts node without it. Then the capture modules (~0.03 s), and for the large logs ~45 ms to
  load ffi-napi for the native library (ref-napi, ffi-napi, their \`debug\` and \`assert\`
  dependencies).
- sparse log: the scan skips ~7 ns a line (79 instructions; it was ~15 ns with a libgcc popcount
  call and a branch per 64-byte block), ~0.03 s of CPU for 532 MB, so the read on the pool thread
  (~1 ms per 4 MiB chunk from the page cache, ~0.13 s in all) is what the scan waits for. Two and
  four reads in flight at once (a ring of 3 or 5 aligned buffers, positional reads) were measured
  against one: no faster (the copies share the memory bandwidth of this VM's two vCPUs), so one
  read runs ahead. grep does one pass in one tight loop with no start-up, so the ratio is start-up
  plus a copy and a pass over memory against one pass.
- dense log: the C scan, ~60 ns a line (463 instructions, 0.03 branch misses; it was ~120 ns,
  1257 instructions and 8 misses a line when every field was parsed byte by byte), ~0.15 s for
  2.44 M lines; the native encoder ~25 ns/event (~0.06 s, on the second thread, overlapped),
  reading ~0.06 s (overlapped). A scan split over two threads (byte-identical, punts and batch
  limits kept exact) was built and measured earlier: on this VM each half then ran ~1.8x slower
  per line (total CPU 1.58 s -> 2.35 s), so it gained nothing and was not kept.
- peak RSS: flat in the input size (two 4 MiB read buffers, two 64 Ki-event batches, the native
  encoder's ~8 MB scratch, the output buffers); the rest is node + the loaded modules.
- .gz input (not benchmarked): zlib's single-threaded gunzip bounds capture of a compressed log.`;

function fmt(v) {
  if (v === null || v === undefined) return '-';
  return typeof v === 'number' ? String(v) : String(v);
}

const esc = (t) => String(t).replace(/\|/g, '\\|');

function tableRow(r) {
  const pass = r.ok === null || r.ok === undefined ? '' : r.ok ? 'pass' : '**FAIL**';
  return `| ${esc(r.name)} | ${esc(fmt(r.value))} ${esc(r.unit || '')} | ${esc(r.target ?? '-')} | ${pass} | ${esc(fmt(r.peak_rss_mb))} | \`${esc(r.command)}\` | ${esc(r.note || '')} |`;
}

/** A script's own section: its title, when it ran, its table; between markers. */
function section(script, rows) {
  return [
    `<!-- bench:${script} -->`,
    `### ${SECTIONS[script]}`,
    '',
    `\`node bench/${script}\`, ${new Date().toISOString()}, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} when it ended.`,
    '',
    '| figure | value | target | pass | peak RSS MB | command | note |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(tableRow),
    '',
    SECTION_BOUNDS[script] ?? '',
    `<!-- /bench:${script} -->`,
  ].join('\n');
}

/** Runs one bench script; its rows, or null when it failed. */
function runScript(s, tmp) {
  const file = path.join(HERE, s);
  const json = path.join(tmp, s + '.json');
  process.stderr.write(`bench: ${s} ...\n`);
  const r = spawnSync(process.execPath, [file, '--json', json], { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT });
  if (r.status !== 0 || !fs.existsSync(json)) return null;
  return JSON.parse(fs.readFileSync(json, 'utf8')).map((row) => ({ script: s, ...row }));
}

/** `--only SCRIPT [--from FILE]`: one sectioned script's figures (run now, or the rows it wrote to
 * FILE with --json) replace its section of RESULTS.md (added above "What bounds each figure" when
 * there is none yet); everything else in the file is kept. */
function only(script, from) {
  if (!SECTIONS[script]) throw new Error(`--only takes one of: ${Object.keys(SECTIONS).join(', ')}`);
  let rows;
  if (from) {
    rows = JSON.parse(fs.readFileSync(from, 'utf8')).map((row) => ({ script, ...row }));
  } else {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-bench-'));
    try {
      rows = runScript(script, tmp);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (!rows) throw new Error(`${script} failed`);
  const file = path.join(HERE, 'RESULTS.md');
  const text = fs.readFileSync(file, 'utf8');
  const begin = `<!-- bench:${script} -->`;
  const end = `<!-- /bench:${script} -->`;
  const sec = section(script, rows);
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  const next = a >= 0 && b > a
    ? text.slice(0, a) + sec + text.slice(b + end.length)
    : text.replace('\n## What bounds each figure', () => `\n${sec}\n\n## What bounds each figure`);
  fs.writeFileSync(file, next);
  process.stderr.write(`bench: refreshed the ${script} section of bench/RESULTS.md (${rows.length} figures)\n`);
}

function main() {
  const onlyAt = process.argv.indexOf('--only');
  if (onlyAt >= 0) {
    const fromAt = process.argv.indexOf('--from');
    only(process.argv[onlyAt + 1], fromAt >= 0 ? process.argv[fromAt + 1] : undefined);
    return;
  }
  const rows = [];
  const ran = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-bench-'));
  const t0 = Date.now();
  try {
    for (const s of SCRIPTS) {
      const file = path.join(HERE, s);
      if (!fs.existsSync(file)) continue;
      const json = path.join(tmp, s + '.json');
      process.stderr.write(`bench: ${s} ...\n`);
      const st = Date.now();
      const r = spawnSync(process.execPath, [file, '--json', json], { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT });
      ran.push(`${s} (${((Date.now() - st) / 1000).toFixed(0)} s${r.status === 0 ? '' : `, exit ${r.status}`})`);
      if (r.status !== 0 || !fs.existsSync(json)) {
        rows.push({ name: `${s} failed`, value: null, unit: '', target: '-', ok: false, peak_rss_mb: null, command: `node bench/${s}`, note: `exit ${r.status}` });
        continue;
      }
      for (const row of JSON.parse(fs.readFileSync(json, 'utf8'))) rows.push({ script: s, ...row });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const out = [];
  out.push('# Benchmark results');
  out.push('');
  out.push(`Written by \`npm run bench\` (\`node bench/run.js\`; ran ${ran.join(', ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all). `
    + 'Ratios are the figure that counts: absolute times move with the load on this shared machine.');
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(machine());
  out.push('');
  out.push('## Figures');
  out.push('');
  out.push('| figure | value | target | pass | peak RSS MB | command | note |');
  out.push('|---|---|---|---|---|---|---|');
  for (const r of rows.filter((x) => !SECTIONS[x.script])) out.push(tableRow(r));
  for (const s of Object.keys(SECTIONS)) {
    const own = rows.filter((x) => x.script === s);
    if (own.length) out.push('', section(s, own));
  }
  out.push('');
  out.push('## What bounds each figure');
  out.push('');
  out.push(CAPTURE_BOUNDS);
  const edges = rows.filter((r) => r.script === 'capture-edges.js' && r.note);
  if (edges.length) {
    out.push('');
    out.push('### Capture edges: pipes, gzip and floods');
    out.push('');
    for (const r of edges) out.push(`- ${r.name}: ${r.note}`);
  }
  const others = rows.filter((r) => r.script && r.script !== 'capture.js' && r.script !== 'capture-edges.js' && !SECTIONS[r.script] && r.note);
  if (others.length) {
    out.push('');
    out.push('### Replay and trace files');
    out.push('');
    for (const r of others) out.push(`- ${r.name}: ${r.note}`);
  }
  out.push('');
  // Sections other scripts write between <!-- name --> and <!-- /name --> markers (e.g.
  // scripts/exit-stress.js --results) are measured on their own schedule: kept as they are.
  const prev = fs.existsSync(path.join(HERE, 'RESULTS.md')) ? fs.readFileSync(path.join(HERE, 'RESULTS.md'), 'utf8') : '';
  for (const m of prev.matchAll(/<!-- ([a-z][a-z0-9-]*) -->[\s\S]*?<!-- \/\1 -->/g)) out.push(m[0], '');
  fs.writeFileSync(path.join(HERE, 'RESULTS.md'), out.join('\n'));
  process.stderr.write(`bench: wrote bench/RESULTS.md (${rows.length} figures, ${rows.filter((r) => r.ok === false).length} failing)\n`);
}

main();
