// Policy files: the shipped ones validate against docs/policy.schema.json (which is generated from
// the knob table and must be current), and files with errors are rejected with exit 2 and one line
// naming the file and the line of the error, by replay, check, whatif and `-m policy:` alike.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');

const run = (args) => {
  const r = runCliSync(args);
  return { status: r.code, stdout: r.out, stderr: r.err };
};

const ROOT = path.resolve(__dirname, '..');
const LIB = process.env.MSIXTRACE_NATIVE_LIB ?? path.join(ROOT, 'build', 'Release', 'libmsixmodels.so');
const skip = !fs.existsSync(LIB) && 'native library not built';
const TRACE = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-virtio-net-rebind', 'trace.msixtrace');
const SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'policy.schema.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-policy-files-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** The JSON Schema keywords the policy schema uses; returns the first violation or null. */
function validate(schema, v, at = '$') {
  if (schema.const !== undefined && v !== schema.const) return `${at}: not ${JSON.stringify(schema.const)}`;
  if (schema.enum && !schema.enum.includes(v)) return `${at}: ${JSON.stringify(v)} not in enum`;
  if (schema.oneOf && schema.oneOf.filter((s) => validate(s, v, at) === null).length !== 1) return `${at}: not exactly one of oneOf`;
  const type = schema.type;
  if (type === 'object') {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at}: not an object`;
    for (const [k, x] of Object.entries(v)) {
      const s = schema.properties?.[k];
      if (!s) {
        if (schema.additionalProperties === false) return `${at}.${k}: not allowed`;
        continue;
      }
      const e = validate(s, x, `${at}.${k}`);
      if (e) return e;
    }
  } else if (type === 'array') {
    if (!Array.isArray(v)) return `${at}: not an array`;
    if (schema.uniqueItems && new Set(v).size !== v.length) return `${at}: items not unique`;
    for (let i = 0; i < v.length; i++) {
      const e = validate(schema.items, v[i], `${at}[${i}]`);
      if (e) return e;
    }
  } else if (type === 'integer' && !Number.isInteger(v)) return `${at}: not an integer`;
  else if (type === 'boolean' && typeof v !== 'boolean') return `${at}: not a boolean`;
  else if (type === 'string' && typeof v !== 'string') return `${at}: not a string`;
  if (typeof v === 'number' && ((schema.minimum !== undefined && v < schema.minimum) || (schema.maximum !== undefined && v > schema.maximum))) return `${at}: out of range`;
  if (schema.pattern && typeof v === 'string' && !new RegExp(schema.pattern).test(v)) return `${at}: does not match ${schema.pattern}`;
  return null;
}

test('docs/policy.schema.json is generated from the knob table and current', () => {
  const { policySchemaText } = require('../dist/policy/schema');
  assert.equal(fs.readFileSync(path.join(ROOT, 'docs', 'policy.schema.json'), 'utf8'), policySchemaText(),
    'stale: run node scripts/policy-schema.js');
});

test('every shipped policy validates against the schema and loads', () => {
  const { loadPolicy } = require('../dist/policy/load');
  const files = fs.readdirSync(path.join(ROOT, 'policies')).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 9);
  for (const f of files) {
    const file = path.join(ROOT, 'policies', f);
    assert.equal(validate(SCHEMA, JSON.parse(fs.readFileSync(file, 'utf8'))), null, f);
    assert.equal(loadPolicy(file).name, f.replace(/\.json$/, ''));
  }
});

const BAD = [
  // [file text, line, message pattern, schema rejects it too]
  ['{\n  "base": "xen-4.7",\n  "cache": {\n    "entries": "most"\n  }\n}\n', 4, /cache\.entries must be a number/, true],
  ['{\n  "base": "xen-4.7",\n  "cache": { "entries": 4, },\n}\n', 3, /expected a key in quotes, found '}'/, false],
  ['{\n  "base": "xen-4.7",\n  "reads": {\n    "adr_lo": "cache"\n  }\n}\n', 4, /unknown key 'reads\.adr_lo'/, true],
  ['{\n  "name": "mine",\n  "accept": "page"\n}\n', 1, /missing knob 'register'/, false],
  ['{\n  "base": "xen-4.1",\n\n  "writes": {\n    "vector_ctrl": "absorb-always"\n  }\n}\n', 5, /writes\.vector_ctrl must be one of/, true],
  ['{\n  "base": "xen-4.1",\n  "gates": { "read_sizes": [4, 3] }\n}\n', 3, /read_sizes must be a list of distinct sizes/, true],
  ['{\n  "base": "xen-4.1",\n  "gates": { "aligned": "yes" }\n}\n', 3, /gates\.aligned must be true or false/, true],
  ['{\n  "base": "xen-5.0"\n}\n', 2, /base 'xen-5\.0' is neither/, false],
  ['{\n  "base": "xen-4.1",\n  "reads": { "data": "guest-mask" }\n}\n', 3, /reads\.data must be one of "never", "cache", "device"/, true],
  ['{\n  "base": "xen-4.1",\n  "base": "xen-4.2"\n}\n', 3, /duplicate key 'base'/, false],
  ['{\n  "base": "xen-4.1"\n}\n}', 4, /unexpected '}' after the end/, false],
  ['[\n  1\n]\n', 1, /a policy is a JSON object/, true],
  ['{\n  "base": "xen-4.1",\n  "accept": "page\n}\n', 3, /control character in a string/, false],
];

test('policy files with errors: exit 2, one line naming FILE:LINE, for replay, check and whatif', { skip }, () => {
  BAD.forEach(([text, line, re, schemaRejects], i) => {
    const file = path.join(tmp, `bad-${i}.json`);
    fs.writeFileSync(file, text);
    for (const args of [
      ['replay', TRACE, '-m', `policy:${file}`],
      ['check', TRACE, '--baseline', path.join(tmp, `b-${i}.json`), '--update', '-m', `policy:${file}`],
      ['whatif', TRACE, '--base', file, '--vary', 'cache.entries=1,all'],
    ]) {
      const r = run(args);
      assert.equal(r.status, 2, `${args[0]} ${i}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: `), `${i}: ${lines[0]}`);
      assert.match(lines[0], re);
    }
    assert.ok(!fs.existsSync(path.join(tmp, `b-${i}.json`)), 'no baseline written');
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (schemaRejects) assert.notEqual(validate(SCHEMA, parsed), null, `schema should reject bad-${i}`);
  });
});

test('a policy with a base changes only what it names', { skip }, () => {
  const { loadPolicy } = require('../dist/policy/load');
  const file = path.join(tmp, 'mine.json');
  fs.writeFileSync(file, JSON.stringify({ base: 'xen-4.1', name: 'all-cached', cache: { entries: 'all' } }));
  const mine = loadPolicy(file);
  const base = loadPolicy(path.join(ROOT, 'policies', 'xen-4.1.json'));
  assert.equal(mine.name, 'all-cached');
  for (const [k, v] of base.values) {
    if (k === 'cache.entries') assert.equal(mine.values.get(k), 'all');
    else assert.deepEqual(mine.values.get(k), v, k);
  }
  // and it replays: caching every entry forwards no more than caching three
  const r = run(['replay', TRACE, '-m', 'xen-4.1', '-m', `policy:${file}`, '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const [x41, all] = JSON.parse(r.stdout).results;
  assert.ok(all.totals.read.forwarded <= x41.totals.read.forwarded);
  assert.equal(all.totals.write.forwarded, x41.totals.write.forwarded);
});

test('docs/policies.md documents every knob and every value', () => {
  const { KNOBS } = require('../dist/policy/knobs');
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'policies.md'), 'utf8');
  for (const k of KNOBS) {
    assert.ok(doc.includes(`\`${k.path}\``), k.path);
    for (const v of k.values ?? []) assert.ok(doc.includes(`\`${v}\``), `${k.path}: ${v}`);
  }
});

test('-m policy:FILE in replay, check and report', { skip }, () => {
  const pol = path.join(ROOT, 'policies', 'xen-4.6.json');
  const rep = run(['replay', TRACE, '-m', 'xen-4.6', '-m', `policy:${pol}`, '--format', 'json']);
  assert.equal(rep.status, 0, rep.stderr);
  const [nat, viaPolicy] = JSON.parse(rep.stdout).results;
  assert.equal(viaPolicy.model, `policy:${pol}`);
  assert.deepEqual(viaPolicy.fields, nat.fields);
  const baseline = path.join(tmp, 'pol-baseline.json');
  const up = run(['check', TRACE, '--baseline', baseline, '--update', '-m', `policy:${pol}`]);
  assert.equal(up.status, 0, up.stderr);
  assert.ok(JSON.parse(fs.readFileSync(baseline, 'utf8')).models.includes(`policy:${pol}`));
  const chk = run(['check', TRACE, '--baseline', baseline]);
  assert.equal(chk.status, 0, chk.stderr + chk.stdout);
  const html = path.join(tmp, 'pol.html');
  const r = run(['report', TRACE, '-m', `policy:${pol}`, '--html', html]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.readFileSync(html, 'utf8').includes('xen-4.6.json'));
});
