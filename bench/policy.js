#!/usr/bin/env node
// Policy engine speed: every built-in model against its policy file (policies/NAME.json) on the
// same synth storm, one thread, alternating runs, CPU time of that thread (bench/policy_micro.c,
// built here with the library's own flags): the column feed per model, the pipeline per model,
// and all nine in one pipeline (the path of `replay -m all`, decode shared). The native models are
// the baseline measured in the same run; the target is >= 100 M decisions per CPU-second for the
// nine policies in one pipeline.
//
//   node bench/policy.js [--events N] [--repeat K] [--json FILE]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const TARGET = 100e6;
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const EVENTS = Number(arg('--events', 4000000));
const REPEAT = Number(arg('--repeat', 3));

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-bench-policy-'));
  try {
    const trace = path.join(tmp, 'storm.msixtrace');
    sh(process.execPath, [path.join(ROOT, 'bin', 'msixtrace.js'), 'synth', '--scenario', 'storm-6.1', '--duration', '100000s',
      '--max-events', String(EVENTS), '-o', trace]);
    const { TraceReader } = require(path.join(ROOT, 'dist', 'tracefile', 'reader'));
    const reader = new TraceReader(trace);
    const devs = reader.header.devices.flatMap((d) => [`0x${d.tableGpa.toString(16)}`, d.pbaGpa === null ? '-' : `0x${d.pbaGpa.toString(16)}`, String(d.tableEntries)]);
    reader.close();
    const { loadPolicy } = require(path.join(ROOT, 'dist', 'policy', 'load'));
    const { knobArray } = require(path.join(ROOT, 'dist', 'policy', 'knobs'));
    for (const f of fs.readdirSync(path.join(ROOT, 'policies')).filter((x) => x.endsWith('.json'))) {
      const k = knobArray(loadPolicy(path.join(ROOT, 'policies', f)).values);
      fs.writeFileSync(path.join(tmp, f.replace(/\.json$/, '.bin')), Buffer.from(k.buffer));
    }
    const exe = path.join(tmp, 'policy_micro');
    const flags = sh(process.execPath, ['scripts/native-files.js', 'cflags']).trim().split(/\s+/);
    const sources = sh(process.execPath, ['scripts/native-files.js', 'sources']).trim().split(/\s+/);
    const libs = sh(process.execPath, ['scripts/native-files.js', 'libs']).trim().split(/\s+/).filter(Boolean);
    sh('gcc', ['-std=c11', '-O2', '-pthread', ...flags, ...sources, 'bench/policy_micro.c', ...libs, '-o', exe]);
    const out = sh(exe, [trace, tmp, String(REPEAT), ...devs]);
    process.stderr.write(out);
    const rows = [];
    const cmd = `node bench/policy.js --events ${EVENTS} (bench/policy_micro.c on synth storm-6.1, one thread, best of ${REPEAT})`;
    const num = '([0-9.]+)';
    for (const line of out.split('\n')) {
      const m = new RegExp(`^model (\\S+)\\s+native\\s+${num} M/s\\s+policy\\s+${num} M/s\\s+ratio ${num}\\s+pipeline native\\s+${num} M/s\\s+policy\\s+${num} M/s\\s+ratio ${num}`).exec(line);
      if (m) {
        rows.push({ name: `policy engine, ${m[1]} (column feed)`, value: Number(m[3]) * 1e6, unit: 'decisions/CPU-s', target: '-', ok: null,
          peak_rss_mb: null, command: cmd, note: `native model ${m[2]} M in the same run: policy/native ${m[4]}x; through the pipeline (decode included) ${m[6]} M vs native ${m[5]} M (${m[7]}x)` });
      }
      const a = new RegExp(`^one pipeline, all (\\d+): native\\s+${num} M decisions/s\\s+policy\\s+${num} M decisions/s\\s+ratio ${num}`).exec(line);
      if (a) {
        rows.push({ name: `policy engine, all ${a[1]} policies in one pipeline`, value: Number(a[3]) * 1e6, unit: 'decisions/CPU-s', target: TARGET,
          ok: Number(a[3]) * 1e6 >= TARGET, peak_rss_mb: null, command: cmd,
          note: `the path of replay -m policy:... with several policies (decode shared, one thread); the ${a[1]} native models in one pipeline: ${a[2]} M in the same run, policy/native ${a[4]}x` });
      }
    }
    const json = arg('--json');
    if (json) fs.writeFileSync(json, JSON.stringify(rows, null, 2));
    else for (const r of rows) console.log(`| ${r.name} | ${(r.value / 1e6).toFixed(1)} M ${r.unit} | ${r.target === '-' ? '-' : '>= 100 M'} | ${r.ok === null ? '' : r.ok ? 'pass' : '**FAIL**'} | ${r.note} |`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
