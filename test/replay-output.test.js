// Interval and cost output on the bundled recordings, and every combination of replay's options:
// it works or it is refused with one line, and no user input gets an exit code other than 0, 1 or 2.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { runCliSync } = require('./helpers/cli');

const TRACES = path.resolve(__dirname, '..', 'traces');
const NVME = path.join(TRACES, 'qemu-7.2-linux-6.1-nvme-io-hotplug', 'trace.msixtrace');
const run = (args) => runCliSync(args);

test('--interval shows absorbed and forwarded per model and marks the partial last bucket', () => {
  const r = run(['replay', NVME, '-m', 'xen-4.1,xen-4.19', '--interval', '250ms']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^absorbed \(abs\) and forwarded \(fwd, counting both\) per 250 ms interval:$/m);
  assert.match(r.out, /^start s\s+xen-4\.1 abs\s+fwd\s+xen-4\.19 abs\s+fwd$/m);
  assert.match(r.out, /^0\.00 \s+78\s+116\s+6\s+188$/m);
  assert.match(r.out, /^2\.00\*\s+12\s+12\s+9\s+15$/m);
  assert.match(r.out, /^\* partial bucket: the trace covers only part of it, so its counts are not a change in load: 2\.00 \(127\.673 ms\)$/m);
  // The absorbed and forwarded of the buckets add up to the totals.
  const [a] = JSON.parse(run(['replay', NVME, '-m', 'xen-4.1', '--interval', '250ms', '--format', 'json']).out).results;
  const sum = (k) => a.intervals.buckets.reduce((s, b) => s + b[k], 0);
  assert.equal(sum('absorbed'), a.totals.read.absorbed + a.totals.write.absorbed);
  assert.equal(sum('forwarded'), a.totals.read.forwarded + a.totals.write.forwarded);
  const last = a.intervals.buckets.at(-1);
  assert.deepEqual([last.partial, last.covered_ns], [true, 127673001 - 1 + 1]);
  assert.ok(a.intervals.buckets.slice(0, -1).every((b) => !b.partial && b.covered_ns === 250e6));
});

test('--interval labels have the precision of the interval: distinct for sub-millisecond steps', () => {
  for (const [step, decimals] of [['1s', 0], ['100ms', 1], ['250us', 5], ['1ms', 3]]) {
    const r = run(['replay', NVME, '-m', 'xen-4.7', '--interval', step]);
    assert.equal(r.code, 0, r.err);
    const labels = r.out.split('\n').filter((l) => /^\d+(\.\d+)?[* ]\s/.test(l)).map((l) => l.split(/\s+/)[0].replace('*', ''));
    assert.ok(labels.length > 2, step);
    assert.equal(new Set(labels).size, labels.length, `${step}: repeated labels`);
    for (const l of labels) assert.equal((l.split('.')[1] ?? '').length, decimals, `${step}: ${l}`);
  }
  const csv = run(['replay', NVME, '-m', 'xen-4.7', '--interval', '1s', '--format', 'csv']).out.trim().split('\n');
  assert.equal(csv[0], 'trace,model,asked,releases,start,partial,interval_ns,start_ns,covered_ns,partial_bucket,absorbed,forwarded');
  assert.match(csv.at(-1), /,1000000000,2000000000,127673001,1,\d+,\d+$/);
});

test('--cost: device-model and hypervisor CPU in the table, in % of one CPU, the assumptions stated once', () => {
  const r = run(['replay', NVME, '-m', 'xen-4.1,xen-4.19', '--cost', 'default']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\bDM cpu s\s+DM % of 1 CPU\s+Xen cpu s\s+Xen % of 1 CPU$/m);
  // xen-4.19: 227 forwarded x 15 us; 25 absorbed + 55 both x 1.5 us; over 2.128 s.
  assert.match(r.out, /^xen-4\.19\s.*\s0\.003405\s+0\.160\s+0\.000120\s+0\.006$/m);
  assert.match(r.out, /^cost: assumed 15 us of device-model CPU per forwarded access, 1\.5 us of hypervisor CPU per absorbed one,\n {6}both for a "both" write .*% = percent of one CPU over the trace duration \(2\.128 s\)$/m);
  const [, b] = JSON.parse(run(['replay', NVME, '-m', 'xen-4.1,xen-4.19', '--cost', 'default', '--format', 'json']).out).results;
  assert.ok(Math.abs(b.cost.hypervisor_cpu_s - 80 * 1.5e-6) < 1e-12);
  assert.ok(Math.abs(b.cost.hypervisor_cpu_pct - (80 * 1.5e-6 / b.cost.trace_duration_s) * 100) < 1e-9);
  assert.equal(b.cost.pct_unit, 'percent of one CPU over the trace duration');
});

test('--cost with --by and with --format csv: per group / per row, adding up to the totals', () => {
  const r = run(['replay', NVME, '-m', 'xen-4.7', '--by', 'entry', '--cost', 'default']);
  assert.equal(r.code, 0, r.err);
  const rows = r.out.split('\n').filter((l) => /^xen-4\.7\s+4\.6\.3–4\.18\s+0:/.test(l));
  assert.ok(rows.length >= 3);
  const dm = rows.reduce((s, l) => s + Number(l.trim().split(/\s+/).at(-4)), 0);
  assert.ok(Math.abs(dm - 201 * 15e-6 - 13 * 15e-6) < 1e-5, String(dm));
  const csv = run(['replay', NVME, '-m', 'xen-4.7', '--format', 'csv', '--cost', 'default']).out.trim().split('\n');
  const head = csv[0].split(',');
  assert.deepEqual(head.slice(-4), ['forward_us', 'absorb_us', 'device_model_cpu_s', 'hypervisor_cpu_s']);
  const col = (name) => csv.slice(1).reduce((s, l) => s + Number(l.split(',')[head.indexOf(name)]), 0);
  assert.ok(Math.abs(col('device_model_cpu_s') - 214 * 15e-6) < 1e-9);
  assert.ok(Math.abs(col('hypervisor_cpu_s') - 38 * 1.5e-6) < 1e-9);
});

// Every pair of options (and a few triples): exit 0 with output, or exit 2 with one line and nothing on stdout.
test('every option combination works or is refused in one line; exit codes only 0 or 2', () => {
  const opts = [['--by', 'entry'], ['--by', 'field'], ['--interval', '500ms'], ['--cost', 'default'], ['--explain'], ['--compare', 'xen-4.1,xen-4.19'],
    ['--format', 'json'], ['--format', 'ndjson'], ['--format', 'csv'], ['--start', 'warm'], ['--salvage'], ['-m', 'xen-4.17'], ['--xen34-mod-quirk']];
  const refusedPairs = [];
  for (let i = 0; i < opts.length; i++) {
    for (let j = i + 1; j < opts.length; j++) {
      if (opts[i][0] === opts[j][0]) continue;
      const args = ['replay', NVME, ...opts[i], ...opts[j]];
      const r = run(args);
      assert.ok(r.code === 0 || r.code === 2, `${args.join(' ')}: exit ${r.code} ${r.err}`);
      if (r.code === 2) {
        assert.equal(r.out, '', args.join(' '));
        assert.equal(r.err.trim().split('\n').length, 1, args.join(' '));
        assert.doesNotMatch(r.err, /internal error|at .*\.js:\d+/);
        refusedPairs.push(`${opts[i][0]} ${opts[j][0]}${opts[j][1] ? ' ' + opts[j][1] : ''}`);
      } else {
        assert.ok(r.out.length > 0, args.join(' '));
      }
    }
  }
  // Exactly these are refused; everything else prints.
  assert.deepEqual(refusedPairs.sort(), [
    '--by --compare xen-4.1,xen-4.19', '--by --compare xen-4.1,xen-4.19', '--by --explain', '--by --explain',
    '--compare -m xen-4.17', '--cost --explain', '--explain --compare xen-4.1,xen-4.19', '--explain --format csv', '--explain --format json',
    '--interval --compare xen-4.1,xen-4.19', '--interval --explain',
  ].sort());
  const three = run(['replay', NVME, '--by', 'entry', '--interval', '1s', '--format', 'csv']);
  assert.equal(three.code, 2);
  assert.match(three.err, /--format csv holds one table/);
  const csvCost = run(['replay', NVME, '--interval', '1s', '--cost', 'default', '--format', 'csv']);
  assert.equal(csvCost.code, 2);
  assert.match(csvCost.err, /--format csv with --interval holds counts per bucket, not cost/);
  // An option that takes a value, given none, is refused instead of falling back to its default.
  for (const o of ['--start', '--format', '--by', '--interval', '--compare', '-m']) {
    const r = run(['replay', NVME, o]);
    assert.equal(r.code, 2, `${o}: ${r.err}`);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1);
  }
  const noBase = run(['check', NVME, '--baseline']);
  assert.equal(noBase.code, 2);
  assert.match(noBase.err, /--baseline needs a file name/);
  const both = run(['replay', NVME, '-m', 'xen-4.7', '--by', 'entry', '--interval', '1s', '--format', 'json']);
  const [res] = JSON.parse(both.out).results;
  assert.ok(res.by.groups.length > 0 && res.intervals.buckets.length > 0);
});
