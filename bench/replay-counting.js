#!/usr/bin/env node
// What replay counts besides its totals, against baselines measured in the same run: --explain
// against `dump` of the same trace (both print every event as NDJSON; --explain adds the decision
// and its reason, once per model), and --by entry|guest|vcpu and --interval against the plain
// replay of the same models. All of it runs in the native pipeline (native/replay/pipeline.h: a
// decision-byte column per batch and model, tallied per group and bucket natively, the --explain
// text written natively to stdout), so the figures are ratios of whole CLI runs, stdout to
// /dev/null, each the median of alternating runs, with each run's peak RSS. The ratio judged is of
// CPU seconds (user + system, every thread): on this shared 2-core machine the load of other work
// moves wall times by 2x from run to run; the wall-time ratio is in the note beside it.
//
//   node bench/replay-counting.js [--duration 50s] [--repeat 3] [--json FILE]
//
// The trace is `synth --scenario xen-2010 --duration D` (cached in $TMPDIR/msixtrace-bench).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const CLI = path.join(ROOT, 'bin', 'msixtrace');
const CLI_ENV = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` };
const TARGET_EXPLAIN = 3; // --explain of one model within 3x of dump
const TARGET_GROUPS = 1.5; // --by / --interval within 1.5x of plain replay

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

function trace(duration) {
  const dir = path.join(os.tmpdir(), 'msixtrace-bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `xen-2010-${duration}.msixtrace`);
  if (!fs.existsSync(file)) {
    const r = spawnSync(process.execPath, [BIN, 'synth', '--scenario', 'xen-2010', '--duration', duration, '-o', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
  }
  return file;
}

/** One CLI run, stdout to /dev/null: wall seconds, peak RSS (MB), CPU seconds. */
function once(args) {
  const devnull = fs.openSync('/dev/null', 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', CLI, ...args],
      { stdio: ['ignore', devnull, 'pipe'], env: CLI_ENV, encoding: 'utf8' });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`msixtrace ${args.join(' ')} failed: ${r.stderr}`);
    const m = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
    return { secs, rss: m ? Number(m[1]) / 1024 : null, cpu: m ? Number(m[2]) + Number(m[3]) : null };
  } finally {
    fs.closeSync(devnull);
  }
}

/** Each command run `repeat` times, the commands alternating; the median run of each. */
function measure(commands, repeat) {
  const runs = commands.map(() => []);
  for (let k = 0; k < repeat; k++) commands.forEach((c, i) => runs[i].push(once(c)));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return runs.map((rs) => ({
    secs: median(rs.map((r) => r.secs)), cpu: median(rs.map((r) => r.cpu)), rss: Math.max(...rs.map((r) => r.rss)), all: rs.map((r) => r.secs),
  }));
}

function main() {
  const duration = arg('--duration', '50s');
  const repeat = Number(arg('--repeat', 3));
  const file = trace(duration);
  const rel = file;
  const info = spawnSync(process.execPath, [BIN, 'replay', file, '-m', 'kvm', '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const events = JSON.parse(info.stdout).results[0].events;
  const rows = [];
  const row = (name, r, base, target, command, note) => {
    const ratio = r.cpu / base.cpu;
    rows.push({
      name, value: Math.round(ratio * 100) / 100, unit: 'x baseline CPU s', target: target === null ? null : `<= ${target}x`,
      ok: target === null ? null : ratio <= target, peak_rss_mb: Math.round(r.rss * 10) / 10, command,
      note: `${r === base ? '' : `wall ${(r.secs / base.secs).toFixed(2)}x; `}${note}`,
    });
  };
  const secs = (r) => `${r.cpu.toFixed(2)} CPU s, ${r.secs.toFixed(2)} s wall (runs ${r.all.map((s) => s.toFixed(2)).join(', ')})`;

  // --explain against dump.
  const [dump, ex1, exAll] = measure([['dump', file], ['replay', file, '-m', 'xen-4.7', '--explain'], ['replay', file, '-m', 'all', '--explain']], repeat);
  row('dump (baseline for --explain)', dump, dump, null, `msixtrace dump ${rel} > /dev/null`, `${secs(dump)}; ${events} events, ${(events / dump.secs / 1e6).toFixed(1)} M lines/s`);
  row('replay -m xen-4.7 --explain vs dump', ex1, dump, TARGET_EXPLAIN, `msixtrace replay ${rel} -m xen-4.7 --explain > /dev/null`,
    `${secs(ex1)}; one line per event with the decision and its reason, written natively a buffer at a time (native/replay/explain.c, one FFI call per batch); ${(events / ex1.secs / 1e6).toFixed(1)} M lines/s`);
  row('replay -m all --explain vs dump', exAll, dump, null, `msixtrace replay ${rel} -m all --explain > /dev/null`,
    `${secs(exAll)}; 9 lines per event (${(9 * events / exAll.secs / 1e6).toFixed(1)} M lines/s, ${(exAll.cpu / dump.cpu / 9).toFixed(2)}x dump's CPU per model); peak RSS flat: the text never reaches JavaScript`);

  // --by and --interval against plain replay, one model and all.
  for (const m of ['xen-4.7', 'all']) {
    // --interval 1s: the counting itself (50 buckets); 10ms: 5,000 buckets per model, so the
    // rendering of the long table is in the figure too (no target).
    const kinds = [[], ['--by', 'entry'], ['--by', 'guest'], ['--by', 'vcpu'], ['--interval', '1s'], ['--interval', '10ms']];
    const res = measure(kinds.map((k) => ['replay', file, '-m', m, ...k]), repeat);
    const base = res[0];
    row(`replay -m ${m} (baseline for --by/--interval)`, base, base, null, `msixtrace replay ${rel} -m ${m}`, `${secs(base)}; ${(events / base.secs / 1e6).toFixed(1)} M events/s end to end`);
    kinds.slice(1).forEach((k, i) => {
      const r = res[i + 1];
      row(`replay -m ${m} ${k.join(' ')} vs plain`, r, base, k[1] === '10ms' ? null : TARGET_GROUPS, `msixtrace replay ${rel} -m ${m} ${k.join(' ')}`,
        `${secs(r)}; group (or bucket) ids per distinct access (per event for buckets) on the decoding thread, each model's decision bytes tallied on its feeding thread`);
    });
  }

  console.log(`replay counting bench: ${rel}, ${events} events, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}`);
  for (const r of rows) console.log(`  ${r.name.padEnd(48)} ${String(r.value).padStart(6)}x cpu ${r.target ? `(target ${r.target}: ${r.ok ? 'ok' : 'MISSED'})` : ''} rss ${r.peak_rss_mb} MB  ${r.note}`);
  const json = arg('--json');
  if (json) fs.writeFileSync(json, JSON.stringify(rows, null, 2) + '\n');
}

main();
