// Interop: the CSV of `dump --format csv` and `replay --format csv` loads into DuckDB (the
// @duckdb/node-api dev dependency, read_csv on temp files) and SQL gives
//  - per-field access counts (field derived in SQL: PBA -> pba, else offset % 16) equal to counts
//    computed here from each recording's raw QEMU log (trace-msix.log + lspci-vv.txt geometry), which
//    must also agree with the table in the recording's README;
//  - per-model forwarded sums and every per-field counter equal to traces/baseline.json.
// Skipped with a reason when @duckdb/node-api is not installed outside CI; fails under CI=true.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const BASELINE = JSON.parse(fs.readFileSync(path.join(ROOT, 'traces', 'baseline.json'), 'utf8'));
const RECORDINGS = Object.keys(BASELINE.traces).sort().map((k) => path.dirname(k)); // recording directories
const FIELDS = ['addr_lo', 'addr_hi', 'data', 'vector_ctrl', 'pba', 'other'];

let duckdb = null;
let duckdbSkip;
try {
  duckdb = require('@duckdb/node-api');
} catch (e) {
  if (CI) duckdbSkip = new Error(`@duckdb/node-api does not load under CI (npm ci installs the dev dependency): ${e.message}`);
  else duckdbSkip = `@duckdb/node-api not installed (npm install: it is a dev dependency): ${e.message.split('\n')[0]}`;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-duckdb-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function msixtraceTo(file, args) {
  const fd = fs.openSync(file, 'w');
  try {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { cwd: ROOT, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    assert.equal(r.status, 0, `msixtrace ${args.join(' ')}\nexit ${r.status}\n${r.stderr}`);
  } finally {
    fs.closeSync(fd);
  }
}

const sqlString = (s) => `'${s.replace(/'/g, "''")}'`;

async function query(sql) {
  const db = await duckdb.DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const statements = sql.split(';').map((s) => s.trim()).filter(Boolean);
    let reader;
    for (const s of statements) reader = await con.runAndReadAll(s);
    return reader.getRowObjectsJS();
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

function guard(t) {
  if (duckdbSkip instanceof Error) throw duckdbSkip;
  if (duckdbSkip) {
    t.skip(duckdbSkip);
    return false;
  }
  return true;
}

// --- independent counts: the raw QEMU trace lines and the guest's lspci --------------------------

/** MSI-X geometry of every device in an lspci -vv dump: absolute table and PBA addresses. */
function lspciGeometry(text) {
  const out = [];
  for (const block of text.split(/\n(?=[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] )/)) {
    const regions = {};
    for (const m of block.matchAll(/Region (\d+): Memory at ([0-9a-f]+)/g)) regions[m[1]] = BigInt('0x' + m[2]);
    const count = block.match(/MSI-X: Enable[+-] Count=(\d+)/);
    const table = block.match(/Vector table: BAR=(\d+) offset=([0-9a-f]+)/);
    const pba = block.match(/PBA: BAR=(\d+) offset=([0-9a-f]+)/);
    if (!count || !table || !pba) continue;
    out.push({
      entries: Number(count[1]),
      table: regions[table[1]] + BigInt('0x' + table[2]),
      pba: regions[pba[1]] + BigInt('0x' + pba[2]),
    });
  }
  return out;
}

/** {events, fields: {field: {read, write}}} from the trace-msix.log lines of one recording. */
function countsFromLog(dir) {
  const geo = lspciGeometry(fs.readFileSync(path.join(dir, 'lspci-vv.txt'), 'utf8'));
  assert.ok(geo.length > 0, `${dir}: no MSI-X device in lspci-vv.txt`);
  const fields = Object.fromEntries(FIELDS.map((f) => [f, { read: 0, write: 0 }]));
  let events = 0;
  for (const line of fs.readFileSync(path.join(dir, 'trace-msix.log'), 'utf8').split('\n')) {
    const m = line.match(/memory_region_ops_(read|write) .*\baddr 0x([0-9a-f]+) .*\bsize (\d+) name '([^']+)'/);
    if (!m) continue;
    const [, rw, addrHex, , name] = m;
    const addr = BigInt('0x' + addrHex);
    const dir = rw === 'read' ? 'read' : 'write';
    let field = null;
    for (const g of geo) {
      const pbaEnd = g.pba + 8n * BigInt(Math.ceil(g.entries / 64));
      if (addr >= g.table && addr < g.table + 16n * BigInt(g.entries)) {
        assert.equal(name, 'msix-table', line);
        field = ['addr_lo', null, null, null, 'addr_hi', null, null, null, 'data', null, null, null, 'vector_ctrl'][Number((addr - g.table) % 16n)] ?? 'other';
      } else if (addr >= g.pba && addr < pbaEnd) {
        assert.equal(name, 'msix-pba', line);
        field = 'pba';
      }
    }
    assert.ok(field, `${dir}: line outside every lspci table/PBA range: ${line}`);
    fields[field][dir]++;
    events++;
  }
  return { events, fields };
}

/** The recording README's "Table accesses by field" table and its PBA row. */
function countsFromReadme(dir) {
  const text = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const fields = Object.fromEntries(FIELDS.map((f) => [f, { read: 0, write: 0 }]));
  for (const m of text.matchAll(/^\| \+\d+ (addr_lo|addr_hi|data|vector_ctrl) \| (\d+) \| (\d+) \|$/gm)) {
    fields[m[1]] = { read: Number(m[2]), write: Number(m[3]) };
  }
  const pba = text.match(/^\| PBA reads \/ writes \| (\d+) \/ (\d+) \|$/m);
  assert.ok(pba, `${dir}/README.md: no PBA row`);
  fields.pba = { read: Number(pba[1]), write: Number(pba[2]) };
  return fields;
}

const nonzero = (fields) => {
  const out = {};
  for (const [f, c] of Object.entries(fields)) for (const d of ['read', 'write']) if (c[d]) out[`${f}.${d}`] = c[d];
  return out;
};

test('independent counts: raw log lines agree with each recording README', () => {
  for (const rec of RECORDINGS) {
    const dir = path.join(ROOT, 'traces', rec);
    const log = countsFromLog(dir);
    assert.deepEqual(nonzero(log.fields), nonzero(countsFromReadme(dir)), rec);
    assert.equal(log.events, BASELINE.traces[`${rec}/trace.msixtrace`].events, rec);
  }
});

test('DuckDB: dump --format csv of every recording, per-field counts in SQL = counts from the raw logs', async (t) => {
  if (!guard(t)) return;
  const files = [];
  for (const rec of RECORDINGS) {
    const csv = path.join(tmp, `${rec}.events.csv`);
    msixtraceTo(csv, ['dump', `traces/${rec}/trace.msixtrace`, '--format', 'csv']);
    files.push(csv);
  }
  const rows = await query(`
    CREATE TABLE e AS SELECT * FROM read_csv([${files.map(sqlString).join(', ')}], header = true, filename = true);
    SELECT regexp_extract(filename, '([^/]+)\\.events\\.csv$', 1) AS rec,
           CASE WHEN region = 'pba' THEN 'pba'
                ELSE CASE "offset" % 16 WHEN 0 THEN 'addr_lo' WHEN 4 THEN 'addr_hi' WHEN 8 THEN 'data'
                                        WHEN 12 THEN 'vector_ctrl' ELSE 'other' END END AS field,
           CASE dir WHEN 'r' THEN 'read' WHEN 'w' THEN 'write' END AS dir,
           count(*)::INTEGER AS n
    FROM e GROUP BY ALL ORDER BY ALL`);
  const got = {};
  for (const r of rows) (got[r.rec] ??= {})[`${r.field}.${r.dir}`] = r.n;
  assert.deepEqual(Object.keys(got).sort(), RECORDINGS);
  for (const rec of RECORDINGS) {
    assert.deepEqual(got[rec], nonzero(countsFromLog(path.join(ROOT, 'traces', rec)).fields), rec);
  }

  // The columns load with the types a user would expect, and every event is there.
  const types = await query(`DESCRIBE SELECT * FROM read_csv(${sqlString(files[0])}, header = true)`);
  const typeOf = Object.fromEntries(types.map((r) => [r.column_name, r.column_type]));
  for (const c of ['ts_ns', 'offset', 'size']) assert.match(typeOf[c], /INT/, `${c}: ${typeOf[c]}`);
  const [{ n }] = await query(`SELECT count(*)::INTEGER AS n FROM read_csv([${files.map(sqlString).join(', ')}], header = true)`);
  assert.equal(n, RECORDINGS.reduce((s, rec) => s + BASELINE.traces[`${rec}/trace.msixtrace`].events, 0));
});

test('DuckDB: replay --format csv -m all, SELECT model, sum(forwarded) = traces/baseline.json', async (t) => {
  if (!guard(t)) return;
  const csv = path.join(tmp, 'replay.csv');
  msixtraceTo(csv, ['replay', ...RECORDINGS.map((r) => `traces/${r}/trace.msixtrace`), '-m', 'all',
    '--start', BASELINE.start, '--format', 'csv']);
  const r = sqlString(csv);

  const sums = await query(`SELECT model, sum(forwarded)::BIGINT AS forwarded, sum(absorbed)::BIGINT AS absorbed,
                                   sum("both")::BIGINT AS "both"
                            FROM read_csv(${r}, header = true) GROUP BY model ORDER BY model`);
  const expected = {};
  for (const model of BASELINE.models) {
    const e = { forwarded: 0, absorbed: 0, both: 0 };
    for (const key of Object.keys(BASELINE.traces)) {
      for (const [k, v] of Object.entries(BASELINE.traces[key].models[model])) {
        if (k.startsWith('xen_side.')) continue;
        e[k.slice(k.lastIndexOf('.') + 1)] += v;
      }
    }
    expected[model] = e;
  }
  const got = Object.fromEntries(sums.map((s) => [s.model, { forwarded: Number(s.forwarded), absorbed: Number(s.absorbed), both: Number(s.both) }]));
  assert.deepEqual(got, expected);

  // Every counter of every (recording, model, field, direction) row.
  const rows = await query(`SELECT regexp_replace(trace, '^traces/', '') AS rec, model, "start", field, dir,
                                   absorbed::BIGINT AS absorbed, forwarded::BIGINT AS forwarded, "both"::BIGINT AS "both"
                            FROM read_csv(${r}, header = true)`);
  const flat = {};
  for (const row of rows) {
    assert.equal(row.start, BASELINE.start);
    const c = (flat[row.rec] ??= {})[row.model] ??= {};
    c[`${row.field}.${row.dir}.absorbed`] = Number(row.absorbed);
    c[`${row.field}.${row.dir}.forwarded`] = Number(row.forwarded);
    if (row.dir === 'write') c[`${row.field}.write.both`] = Number(row.both);
    else assert.equal(Number(row.both), 0, `${row.rec} ${row.model} ${row.field}: a read counted as both`);
  }
  assert.deepEqual(Object.keys(flat).sort(), Object.keys(BASELINE.traces).sort());
  for (const [rec, v] of Object.entries(BASELINE.traces)) {
    for (const model of BASELINE.models) {
      const want = Object.fromEntries(Object.entries(v.models[model]).filter(([k]) => !k.startsWith('xen_side.')));
      assert.deepEqual(flat[rec][model], want, `${rec} ${model}`);
    }
  }
});
