// Interop: `replay --format ndjson` piped through the system's jq (Debian's jq package) in a real
// shell pipeline gives the numbers of the committed baseline (traces/baseline.json) and of
// `replay --format json` read in JS. Skipped with a reason when jq is absent outside CI; under
// CI=true a missing jq fails (.ci/run installs it).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const BASELINE = JSON.parse(fs.readFileSync(path.join(ROOT, 'traces', 'baseline.json'), 'utf8'));
const RECORDINGS = Object.keys(BASELINE.traces).sort(); // "<rec>/trace.msixtrace", relative to traces/
const REC = 'qemu-7.2-linux-6.1-virtio-net-affinity/trace.msixtrace';

function haveCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** undefined when the tool is there; a skip reason outside CI; throws under CI. */
function skipUnless(name, pkg) {
  if (haveCommand(name)) return undefined;
  if (CI) throw new Error(`${name} is not installed and CI is set: .ci/run must apt-get install ${pkg}`);
  return `${name} not installed (apt-get install ${pkg}); CI fails instead of skipping`;
}

const jqSkip = (() => {
  try {
    return skipUnless('jq', 'jq');
  } catch (e) {
    return e; // reported by every test below as a failure
  }
})();

/** Runs a shell pipeline in the repository, `msixtrace` being this checkout's bin/msixtrace. */
function pipeline(cmd) {
  const script = cmd.replace(/^msixtrace /, `"${process.execPath}" "${BIN}" `);
  const r = spawnSync('sh', ['-c', `set -e\n${script}`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd}\nexit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

function msixtrace(args) {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `msixtrace ${args.join(' ')}\nexit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** Per model: forwarded (read + write) and write "both", summed from the baseline's flat counters. */
function baselineTotals(rec) {
  const out = {};
  for (const model of BASELINE.models) {
    const c = BASELINE.traces[rec].models[model];
    assert.ok(c, `baseline has no ${model} for ${rec}`);
    let forwarded = 0, both = 0;
    for (const [k, v] of Object.entries(c)) {
      if (k.endsWith('.forwarded')) forwarded += v;
      if (k.endsWith('.write.both')) both += v;
    }
    out[model] = { forwarded, both };
  }
  return out;
}

function guard(t) {
  if (jqSkip instanceof Error) throw jqSkip;
  if (jqSkip) {
    t.skip(jqSkip);
    return false;
  }
  return true;
}

test('jq streaming over replay ndjson: per-model forwarded totals = baseline = replay json', (t) => {
  if (!guard(t)) return;
  const out = pipeline(
    `msixtrace replay traces/${REC} -m all --start ${BASELINE.start} --format ndjson` +
    ` | jq -r '[.model, .events, .totals.read.forwarded + .totals.write.forwarded, .totals.write.both] | @tsv'`);
  const fromJq = {};
  let events = null;
  for (const line of out.trim().split('\n')) {
    const [model, ev, forwarded, both] = line.split('\t');
    fromJq[model] = { forwarded: Number(forwarded), both: Number(both) };
    events = Number(ev);
  }
  const expected = baselineTotals(REC);
  assert.deepEqual(fromJq, expected, 'jq totals vs traces/baseline.json');
  assert.equal(events, BASELINE.traces[REC].events);
  // Sanity on the expectation itself: forward-all forwards every event, vPCI none.
  assert.equal(expected['forward-all'].forwarded, BASELINE.traces[REC].events);
  assert.equal(expected['xen-vpci'].forwarded, 0);

  const json = JSON.parse(msixtrace(['replay', `traces/${REC}`, '-m', 'all', '--start', BASELINE.start, '--format', 'json']));
  const fromJson = {};
  for (const r of json.results) {
    fromJson[r.model] = { forwarded: r.totals.read.forwarded + r.totals.write.forwarded, both: r.totals.write.both };
  }
  assert.deepEqual(fromJson, fromJq, 'replay --format json vs jq');
});

test('jq over ndjson of every recording rebuilds the baseline counters exactly', (t) => {
  if (!guard(t)) return;
  const files = RECORDINGS.map((r) => `traces/${r}`).join(' ');
  const jq = `group_by(.trace) | map({key: (.[0].trace | sub("^traces/"; "")), value: (map({key: .model, value: (` +
    `[.fields | to_entries[] | .key as $f | .value | to_entries[] | .key as $d | .value | to_entries[]` +
    ` | {key: "\\($f).\\($d).\\(.key)", value}]` +
    ` + [.xen_side | to_entries[] | {key: "xen_side.\\(.key)", value}] | from_entries)}) | from_entries)}) | from_entries`;
  const out = pipeline(`msixtrace replay ${files} -m all --start ${BASELINE.start} --format ndjson | jq -c -s '${jq}'`);
  const got = JSON.parse(out);
  assert.deepEqual(Object.keys(got).sort(), RECORDINGS);
  for (const rec of RECORDINGS) {
    for (const model of BASELINE.models) {
      assert.deepEqual(got[rec][model], BASELINE.traces[rec].models[model], `${rec} ${model}`);
    }
  }
  // And the per-model forwarded sums, summed by jq itself.
  const sums = JSON.parse(pipeline(
    `msixtrace replay ${files} -m all --start ${BASELINE.start} --format ndjson` +
    ` | jq -c -s 'group_by(.model) | map({key: .[0].model, value: (map(.totals.read.forwarded + .totals.write.forwarded) | add)}) | from_entries'`));
  for (const model of BASELINE.models) {
    const expected = RECORDINGS.reduce((s, rec) => s + baselineTotals(rec)[model].forwarded, 0);
    assert.equal(sums[model], expected, model);
  }
});
