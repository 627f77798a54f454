#!/usr/bin/env node
// Capture throughput against `grep -c msix-` on the same files (issue: capture within 2x of grep on
// a dense and on a sparse QEMU log; peak RSS at most 150 MB whatever the input size).
//
//   node bench/capture.js [--json FILE] [--runs N] [--dense-mb N] [--sparse-mb N]
//
// The logs are made from a real recording in traces/ (its lspci-vv.txt is the geometry):
//   dense:  trace-msix.log (every line an MSI-X table access) repeated to >= 300 MB;
//   sparse: trace-full.log.gz (the full unfiltered QEMU log) decompressed and repeated to >= 500 MB;
// each repetition's `tid@sec.usec:` stamps shifted by a whole number of seconds past the previous
// one, so time keeps rising. Both are written uncompressed to a temporary directory (removed at the
// end): with .gz input, zlib's gunzip speed (single thread) bounds capture instead.
// grep and capture run alternately, --runs times each; the figure is the median wall time.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
// The command users run: the sh wrapper (it starts node without NODE_EXTRA_CA_CERTS, see bin/msixtrace).
const CLI = path.join(ROOT, 'bin', 'msixtrace');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}
const JSON_OUT = arg('--json', null);
const RUNS = Number(arg('--runs', 3));
const DENSE_MB = Number(arg('--dense-mb', 300));
const SPARSE_MB = Number(arg('--sparse-mb', 500));

function pickRecording() {
  const base = path.join(ROOT, 'traces');
  for (const d of fs.readdirSync(base).sort()) {
    const dir = path.join(base, d);
    if (['lspci-vv.txt', 'trace-msix.log', 'trace-full.log.gz'].every((f) => fs.existsSync(path.join(dir, f)))) return dir;
  }
  throw new Error('no recording with lspci-vv.txt, trace-msix.log and trace-full.log.gz under traces/');
}

const STAMP = /^(\d+)@(\d+)\.(\d+):/gm;

/** Writes text repeated with rising stamps until the file holds at least minBytes; returns its size. */
function repeatTo(text, file, minBytes) {
  let first = null;
  let last = 0;
  for (const m of text.matchAll(STAMP)) {
    if (first === null) first = Number(m[2]);
    last = Number(m[2]);
  }
  const span = last - first + 1;
  const fd = fs.openSync(file, 'w');
  let written = 0;
  for (let rep = 0; written < minBytes; rep++) {
    const off = rep * span;
    const t = off === 0 ? text : text.replace(STAMP, (_, tid, sec, frac) => `${tid}@${Number(sec) + off}.${frac}:`);
    const b = Buffer.from(t, 'latin1');
    fs.writeSync(fd, b);
    written += b.length;
  }
  fs.closeSync(fd);
  return written;
}

function freeBytes(dir) {
  const r = spawnSync('df', ['-Pk', dir], { encoding: 'utf8' });
  const cols = r.stdout.trim().split('\n').pop().split(/\s+/);
  return Number(cols[3]) * 1024;
}

/** Runs a command; wall seconds (hrtime around the spawn) and peak RSS in MB (GNU time). */
function measure(cmd, args, env) {
  const full = TIME ? [TIME, ['-f', '@@RSS %M', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  // The wrapper runs the `node` first on PATH: make that this one.
  const PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`;
  const r = spawnSync(full[0], full[1], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, PATH, ...env } });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /@@RSS (\d+)/.exec(r.stderr);
  const status = r.status;
  if (status !== 0 && !(cmd === 'grep' && status === 1)) throw new Error(`${cmd} ${args.join(' ')}: exit ${status}\n${r.stderr}`);
  return { wall, rss: m ? Number(m[1]) / 1024 : null, stdout: r.stdout, stderr: r.stderr.replace(/@@RSS \d+\n?/, '') };
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
const r2 = (v) => Math.round(v * 100) / 100;

function main() {
  const rec = pickRecording();
  const lspci = path.join(rec, 'lspci-vv.txt');
  const need = (DENSE_MB + SPARSE_MB) * 1e6 * 1.3 + (1 << 30);
  if (freeBytes(os.tmpdir()) < need) throw new Error(`bench/capture.js: need ${(need / 1e9).toFixed(1)} GB free in ${os.tmpdir()}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-bench-capture-'));
  const rows = [];
  try {
    const dense = path.join(tmp, 'dense.log');
    const sparse = path.join(tmp, 'sparse.log');
    const denseBytes = repeatTo(fs.readFileSync(path.join(rec, 'trace-msix.log'), 'latin1'), dense, DENSE_MB * 1e6);
    const sparseBytes = repeatTo(zlib.gunzipSync(fs.readFileSync(path.join(rec, 'trace-full.log.gz'))).toString('latin1'), sparse, SPARSE_MB * 1e6);
    const out = path.join(tmp, 'out.msixtrace');
    const recName = path.relative(ROOT, rec);

    // Fixed cost: a capture of the small filtered log, and the bare CLI.
    const small = [];
    const bare = [];
    const bareCa = [];
    for (let i = 0; i < RUNS; i++) {
      small.push(measure(CLI, ['capture', path.join(rec, 'trace-msix.log'), '--lspci', lspci, '-o', out]));
      bare.push(measure(process.execPath, ['-e', '0'], { NODE_EXTRA_CA_CERTS: '' }));
      bareCa.push(measure(process.execPath, ['-e', '0']));
    }
    rows.push({
      name: 'capture startup (small log)', value: r2(median(small.map((x) => x.wall))), unit: 's', target: '-', ok: null,
      peak_rss_mb: r2(Math.max(...small.map((x) => x.rss ?? 0))) || null,
      command: `msixtrace capture ${recName}/trace-msix.log --lspci ${recName}/lspci-vv.txt -o OUT`,
      note: `fixed cost of every capture: node itself (bare \`node -e 0\`: ${r2(median(bare.map((x) => x.wall)))} s; ${r2(median(bareCa.map((x) => x.wall)))} s ${process.env.NODE_EXTRA_CA_CERTS ? 'with' : 'even without'} the NODE_EXTRA_CA_CERTS bundle this machine sets, which bin/msixtrace drops), the capture modules and parsers; no yargs, protobufjs or ffi on this path`,
    });

    for (const [kind, file, bytes] of [['dense', dense, denseBytes], ['sparse', sparse, sparseBytes]]) {
      const grep = [];
      const cap = [];
      let summary = '';
      for (let i = 0; i < RUNS; i++) {
        const g = measure('grep', ['-c', 'msix-', file]);
        grep.push(g);
        const c = measure(CLI, ['capture', file, '--lspci', lspci, '-o', out]);
        cap.push(c);
        summary = c.stderr;
        if (i === 0) {
          const kept = Number((/kept\s+([\d,]+)/.exec(summary) || ['', '0'])[1].replace(/,/g, ''));
          const matches = Number(g.stdout.trim());
          if (kind === 'dense' && kept !== matches) throw new Error(`dense: capture kept ${kept}, grep counted ${matches}`);
        }
      }
      const gw = median(grep.map((x) => x.wall));
      const cw = median(cap.map((x) => x.wall));
      const mb = (bytes / 1e6).toFixed(0);
      const lines = (/read ([\d,]+) lines/.exec(summary) || ['', '?'])[1];
      const kept = (/kept\s+([\d,]+)/.exec(summary) || ['', '?'])[1];
      const desc = kind === 'dense'
        ? `${mb} MB, ${lines} lines, every one an MSI-X access (${recName}/trace-msix.log repeated)`
        : `${mb} MB, ${lines} lines, ${kept} MSI-X accesses (${recName}/trace-full.log.gz repeated, uncompressed)`;
      rows.push({
        name: `grep -c msix- (${kind} log)`, value: r2(gw), unit: 's', target: '-', ok: null,
        peak_rss_mb: r2(Math.max(...grep.map((x) => x.rss ?? 0))) || null, command: `grep -c msix- ${kind}.log`,
        note: `${desc}; median of ${RUNS}: ${grep.map((x) => x.wall.toFixed(2)).join(', ')} s`,
      });
      rows.push({
        name: `capture (${kind} log)`, value: r2(cw), unit: 's', target: '-', ok: null,
        peak_rss_mb: r2(Math.max(...cap.map((x) => x.rss ?? 0))) || null,
        command: `msixtrace capture ${kind}.log --lspci ${recName}/lspci-vv.txt -o OUT`,
        note: `median of ${RUNS}: ${cap.map((x) => x.wall.toFixed(2)).join(', ')} s; kept ${kept}`,
      });
      rows.push({
        name: `capture / grep -c (${kind} log)`, value: r2(cw / gw), unit: 'x', target: '<= 2', ok: cw / gw <= 2,
        peak_rss_mb: null, command: `(msixtrace capture ${kind}.log ...) / (grep -c msix- ${kind}.log), medians`,
        note: `alternating runs, same file`,
      });
      const rss = Math.max(...cap.map((x) => x.rss ?? 0));
      rows.push({
        name: `capture peak RSS (${kind} log)`, value: TIME ? r2(rss) : null, unit: 'MB', target: '<= 150', ok: TIME ? rss <= 150 : null,
        peak_rss_mb: TIME ? r2(rss) : null, command: `/usr/bin/time -f %M msixtrace capture ${kind}.log ...`,
        note: TIME ? `max over ${RUNS} runs` : '/usr/bin/time missing (package `time`): not measured',
      });
      // The JavaScript reference path on the same file, once: the figure before the native scan.
      const ref = measure(CLI, ['capture', file, '--lspci', lspci, '-o', out], { MSIXTRACE_FAST: 'never' });
      rows.push({
        name: `capture, JS reference path (${kind} log)`, value: r2(ref.wall), unit: 's', target: '-', ok: null,
        peak_rss_mb: ref.rss === null ? null : r2(ref.rss),
        command: `MSIXTRACE_FAST=never msixtrace capture ${kind}.log --lspci ${recName}/lspci-vv.txt -o OUT`,
        note: `one run; ${r2(ref.wall / gw)}x grep -c`,
      });
      process.stderr.write(`bench/capture: ${kind}: grep ${gw.toFixed(2)} s, capture ${cw.toFixed(2)} s (${(cw / gw).toFixed(2)}x), reference ${ref.wall.toFixed(2)} s\n`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(rows, null, 2) + '\n');
  else for (const r of rows) console.log(`${r.name}: ${r.value} ${r.unit}${r.target !== '-' ? ` (target ${r.target}: ${r.ok ? 'ok' : 'FAIL'})` : ''}`);
}

main();
