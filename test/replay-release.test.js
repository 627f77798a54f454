// Models by release: -m xen-4.17 answers with the model that covers 4.17 and every output format says
// what was asked, what answered and the release range; partial traces flagged everywhere. Real recordings.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');
const { interruptedCopy, truncatedCopy } = require('./helpers/partial');

const TRACES = path.resolve(__dirname, '..', 'traces');
const NVME = path.join(TRACES, 'qemu-7.2-linux-6.1-nvme-io-hotplug', 'trace.msixtrace');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-release-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const run = (args) => runCliSync(args);
const json = (args) => {
  const r = run(args);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out).results;
};

test('a release selects the model that covers it, with the same counts as that model', () => {
  const cases = { 'xen-4.17': 'xen-4.7', 'xen-4.8': 'xen-4.7', 'xen-4.6.3': 'xen-4.7', 'xen-4.6.1': 'xen-4.6', 'xen-4.3': 'xen-4.2',
    'xen-4.1.3': 'xen-4.2', 'xen-4.0': 'xen-3.4', 'xen-4.0.4': 'xen-4.2', 'xen-4.5': 'xen-4.4', 'xen-4.19': 'xen-4.19',
    'xen-4.20': 'xen-4.19', 'xen-3.2': 'forward-all' };
  const direct = Object.fromEntries(json(['replay', NVME, '--format', 'json']).map((r) => [r.model, r]));
  for (const [asked, model] of Object.entries(cases)) {
    const [r] = json(['replay', NVME, '-m', asked, '--format', 'json']);
    assert.equal(r.model, model, asked);
    assert.deepEqual(r.asked, [asked]);
    assert.equal(r.releases, direct[model].releases);
    assert.deepEqual(r.totals, direct[model].totals, asked);
  }
  assert.equal(direct['xen-4.7'].releases, '4.6.3–4.18');
  assert.equal(direct['forward-all'].releases, 'Xen ≤3.3, KVM');
});

test('the table names what was asked and what answered; kvm keeps its label', () => {
  const r = run(['replay', NVME, '-m', 'xen-4.17,kvm,xen-4.1']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^model\s+releases\s+read abs/m);
  assert.match(r.out, /^xen-4\.17 \(model xen-4\.7\)\s+4\.6\.3–4\.18\s+25\s+13\s+13\s+201\s+0\s+84\.9/m);
  assert.match(r.out, /^kvm \(model forward-all\)\s+Xen ≤3\.3, KVM\s+0\s+38\s+0\s+214/m);
  assert.match(r.out, /^xen-4\.1\s+4\.1\.0–4\.1\.2\s+34\s+4\s+70\s+144/m);
  assert.doesNotMatch(r.out, /^forward-all/m);
  // Two releases of one model: one row naming both.
  const two = run(['replay', NVME, '-m', 'xen-4.8', '-m', 'xen-4.17']);
  assert.match(two.out, /^xen-4\.8, xen-4\.17 \(model xen-4\.7\)\s+4\.6\.3–4\.18/m);
  assert.equal(two.out.trim().split('\n').length, 3);
});

test('CSV and NDJSON carry the asked name and the release range on every row', () => {
  const csv = run(['replay', NVME, '-m', 'xen-4.17', '--format', 'csv']).out.trim().split('\n');
  assert.equal(csv[0], 'trace,model,asked,releases,start,partial,field,dir,absorbed,forwarded,both');
  for (const row of csv.slice(1)) assert.ok(row.startsWith(`${NVME},xen-4.7,xen-4.17,4.6.3–4.18,cold,,`), row);
  const nd = run(['replay', NVME, '-m', 'kvm,xen-4.3', '--format', 'ndjson']).out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(nd.map((r) => [r.model, r.asked, r.releases, r.partial]),
    [['forward-all', ['kvm'], 'Xen ≤3.3, KVM', null], ['xen-4.2', ['xen-4.3'], '4.2–4.3, 4.0.4+, 4.1.3+', null]]);
});

test('empty, missing and out-of-range model names are refused with one line, exit 2', () => {
  const cases = [[['-m', ''], /-m needs a model name/], [['-m', ','], /-m needs a model name/], [['-m'], /Not enough arguments following: m/],
    [['-m', 'xen-4.23'], /unknown model 'xen-4\.23' .*newer than the models know/], [['-m', 'xen-2.0'], /older than the models cover/],
    [['-m', 'xen-vpcx'], /unknown model 'xen-vpcx' \(known: forward-all, .*kvm, all\) or a Xen release 3\.0–4\.22/]];
  for (const [args, re] of cases) {
    const r = run(['replay', NVME, ...args]);
    assert.equal(r.code, 2, `${args}: ${r.err}`);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, re);
  }
});

test('an interrupted capture is flagged partial in table, JSON, NDJSON, CSV, --compare and on stderr', () => {
  const t = path.join(tmp, 'interrupted.msixtrace');
  interruptedCopy(NVME, t);
  const table = run(['replay', t, '-m', 'xen-4.7']);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /^PARTIAL: the capture was interrupted/m);
  assert.match(table.err, /warning: .*interrupted\.msixtrace: counts are partial: the capture was interrupted/);
  assert.match(json(['replay', t, '-m', 'xen-4.7', '--format', 'json'])[0].partial, /interrupted/);
  assert.match(JSON.parse(run(['replay', t, '-m', 'xen-4.7', '--format', 'ndjson']).out).partial, /interrupted/);
  const csv = run(['replay', t, '-m', 'xen-4.7', '--format', 'csv']).out.trim().split('\n');
  assert.ok(csv.slice(1).every((row) => row.split(',')[5].startsWith('the capture was interrupted')), csv[1]);
  const cmp = run(['replay', t, '--compare', 'xen-4.1,xen-4.19']);
  assert.match(cmp.out, /^PARTIAL: /m);
  // The same recording complete: no flag anywhere.
  const full = run(['replay', NVME, '-m', 'xen-4.7']);
  assert.doesNotMatch(full.out + full.err, /PARTIAL|partial/);
});

test('replay --salvage of a truncated recording says where the counts stop', () => {
  const t = path.join(tmp, 'cut.msixtrace');
  truncatedCopy(NVME, t, 0.6);
  const plain = run(['replay', t, '-m', 'xen-4.7']);
  assert.equal(plain.code, 2);
  const r = run(['replay', t, '-m', 'xen-4.7', '--salvage', '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const [res] = JSON.parse(r.out).results;
  assert.match(res.partial, /cut\.msixtrace: byte \d+: truncated/);
  assert.ok(res.events < 252 && res.events > 0, String(res.events));
  assert.match(r.err, /counts are partial: .*truncated/);
  const table = run(['replay', t, '-m', 'xen-4.7', '--salvage']);
  assert.match(table.out, /^PARTIAL: .*truncated/m);
});
