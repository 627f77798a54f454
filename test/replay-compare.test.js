// replay --compare A,B on the bundled recordings: per field and direction both models' counts, the
// difference, the ratio and the CPU cost of the difference, consistent with plain replay's counts.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { runCliSync } = require('./helpers/cli');

const TRACES = path.resolve(__dirname, '..', 'traces');
const NVME = path.join(TRACES, 'qemu-7.2-linux-6.1-nvme-io-hotplug', 'trace.msixtrace');
const E1000E = path.join(TRACES, 'qemu-7.2-linux-6.1-e1000e-rebind', 'trace.msixtrace');
const run = (args) => runCliSync(args);
const close = (a, b) => Math.abs(a - b) < 1e-9;

test('--compare xen-4.1,xen-4.19: one table of what the move costs this workload', () => {
  const r = run(['replay', NVME, '--compare', 'xen-4.1,xen-4.19']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^from xen-4\.1 \[4\.1\.0–4\.1\.2\] to xen-4\.19 \[4\.19–4\.22\]:$/m);
  assert.match(r.out, /^field\s+dir\s+xen-4\.1 fwd\s+xen-4\.19 fwd\s+fwd Δ\s+fwd ratio\s+xen-4\.1 abs\s+xen-4\.19 abs\s+abs Δ\s+both Δ\s+DM cpu Δ s\s+Xen cpu Δ s$/m);
  assert.match(r.out, /^vector_ctrl\s+write\s+78\s+148\s+\+70\s+x1\.90\s+70\s+0\s+-70\s+\+16\s+\+0\.001050\s+-0\.000081$/m);
  assert.match(r.out, /^addr_lo\s+read\s+0\s+1\s+\+1\s+new\s+12\s+11\s+-1/m);
  assert.match(r.out, /^total\s+all\s+148\s+227\s+\+79\s+x1\.53\s+104\s+25\s+-79\s+\+55\s+\+0\.001185/m);
  assert.match(r.out, /^device-model CPU: 0\.002220 s -> 0\.003405 s \(\+0\.001185 s; 0\.104 % -> 0\.160 % of one CPU\)$/m);
  assert.match(r.out, /^Xen side: deferred unmasks 0 -> 6, guest crashes 0 -> 0$/m);
  assert.match(r.out, /^cost: assumed 15 us of device-model CPU per forwarded access/m);
});

test('--compare JSON agrees with plain replay of both models, field by field', () => {
  for (const trace of [NVME, E1000E]) {
    const [a, b] = JSON.parse(run(['replay', trace, '-m', 'xen-4.3,xen-4.19', '--format', 'json', '--cost', 'forward=20,absorb=2']).out).results;
    const r = run(['replay', trace, '--compare', 'xen-4.3,xen-4.19', '--format', 'json', '--cost', 'forward=20,absorb=2']);
    assert.equal(r.code, 0, r.err);
    const [c] = JSON.parse(r.out).comparisons;
    assert.deepEqual([c.a.model, c.a.asked, c.a.releases], ['xen-4.2', ['xen-4.3'], '4.2–4.3, 4.0.4+, 4.1.3+']);
    assert.deepEqual([c.b.model, c.b.releases], ['xen-4.19', '4.19–4.22']);
    for (const row of c.rows) {
      const fa = a.fields[row.field][row.dir];
      const fb = b.fields[row.field][row.dir];
      assert.equal(row.a.forwarded, fa.forwarded);
      assert.equal(row.b.forwarded, fb.forwarded);
      assert.equal(row.delta_forwarded, fb.forwarded - fa.forwarded);
      assert.equal(row.ratio_forwarded, fa.forwarded === 0 ? null : fb.forwarded / fa.forwarded);
      const xen = (s) => s.absorbed + (s.both ?? 0);
      assert.ok(close(row.delta_device_model_cpu_s, (fb.forwarded - fa.forwarded) * 20e-6), `${row.field} ${row.dir}`);
      assert.ok(close(row.delta_hypervisor_cpu_s, (xen(fb) - xen(fa)) * 2e-6), `${row.field} ${row.dir}`);
    }
    const fwd = (x) => x.totals.read.forwarded + x.totals.write.forwarded;
    assert.equal(c.total.delta_forwarded, fwd(b) - fwd(a));
    assert.ok(close(c.cost.a.device_model_cpu_s, a.cost.device_model_cpu_s));
    assert.ok(close(c.cost.b.hypervisor_cpu_s, b.cost.hypervisor_cpu_s));
    assert.equal(c.cost.pct_unit, 'percent of one CPU over the trace duration');
  }
});

test('--compare in CSV and NDJSON: one row per field and direction plus the total', () => {
  const csv = run(['replay', NVME, '--compare', 'kvm,xen-4.17', '--format', 'csv']).out.trim().split('\n');
  const head = csv[0].split(',');
  assert.deepEqual(head.slice(0, 11), ['trace', 'start', 'partial', 'a_model', 'a_asked', 'a_releases', 'b_model', 'b_asked', 'b_releases', 'field', 'dir']);
  const rows = csv.slice(1).map((l) => l.match(/("[^"]*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '')));
  const total = rows.find((r) => r[head.indexOf('field')] === 'total');
  assert.equal(total[head.indexOf('a_model')], 'forward-all');
  assert.equal(total[head.indexOf('a_asked')], 'kvm');
  assert.equal(total[head.indexOf('b_model')], 'xen-4.7');
  assert.equal(total[head.indexOf('a_forwarded')], '252');
  assert.equal(total[head.indexOf('b_forwarded')], '214');
  assert.equal(total[head.indexOf('delta_forwarded')], '-38');
  const nd = run(['replay', NVME, E1000E, '--compare', 'xen-4.1,xen-4.19', '--format', 'ndjson']).out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(nd.map((c) => c.trace), [NVME, E1000E]);
});

test('--compare refuses what it cannot answer with one line, exit 2', () => {
  const cases = [[['--compare', 'xen-4.1'], /takes two models/], [['--compare', 'xen-4.8,xen-4.17'], /both are model xen-4\.7 \(4\.6\.3–4\.18\), nothing differs/],
    [['--compare', 'kvm,all'], /'all' is every model/], [['--compare', 'xen-4.1,xen-4.19', '-m', 'kvm'], /drop -m/],
    [['--compare', 'xen-4.1,xen-4.19', '--by', 'entry'], /--by does not apply/], [['--compare', 'xen-4.1,xen-4.19', '--interval', '1s'], /--interval does not apply/],
    [['--compare', 'xen-4.1,xen-9.1'], /unknown model 'xen-9\.1'/]];
  for (const [args, re] of cases) {
    const r = run(['replay', NVME, ...args]);
    assert.equal(r.code, 2, `${args}: ${r.err}`);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.match(r.err, re);
  }
});
