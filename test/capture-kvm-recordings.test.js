// The real KVM recordings in traces/kvm-* (scripts/record-kvm.sh): one and two VMs at once, each
// traced on the host by an ftrace instance with record-tgid, perf record (perf.data and its
// `perf script` text) and trace-cmd (trace.dat and its report), beside each VM's own QEMU log and
// `info mtree -f`.
//
// QEMU's log shows an 8-byte guest access as its two 4-byte halves (the MSI-X regions implement at
// most 4 bytes), while kvm_mmio shows the one access the guest made. To compare a host trace with a
// VM's QEMU log, the host's 8-byte accesses are written as QEMU's halves (low dword first) first.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawnSync } = require('child_process');
const { runCliSync } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const TRACES = path.join(ROOT, 'traces');
const RECORDINGS = fs.existsSync(TRACES) ? fs.readdirSync(TRACES).filter((d) => d.startsWith('kvm-')).map((d) => path.join(TRACES, d)) : [];
const skip = RECORDINGS.length === 0 ? 'no traces/kvm-* recordings in this checkout' : false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-kvm-rec-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const { replayTrace } = require(path.join(ROOT, 'dist', 'replay', 'engine.js'));
const { modelNames } = require(path.join(ROOT, 'dist', 'replay', 'model.js'));

const read = (file) => (file.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(file)) : fs.readFileSync(file)).toString('latin1');
const first = (dir, name) => [name, name + '.gz'].map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
const vms = (dir) => fs.readdirSync(dir).filter((f) => /^pid-vm\d+\.txt$/.test(f)).map((f) => ({
  name: f.slice(4, -4),
  pid: Number(fs.readFileSync(path.join(dir, f), 'utf8').trim()),
  mtree: path.join(dir, `mtree-${f.slice(4, -4)}.txt`),
  qemuLog: first(dir, `qemu-msix-${f.slice(4, -4)}.log`),
}));

function ok(args) {
  const r = runCliSync(args);
  assert.equal(r.code, 0, r.err);
  return r;
}

/** The host trace with each `len 8` kvm_mmio access written as QEMU's two 4-byte halves. */
function qemuHalves(text) {
  const MMIO = /(kvm_mmio: +mmio )(\S+) len 8 gpa 0x([0-9a-f]+) val 0x([0-9a-f]+)/;
  const out = [];
  for (const line of text.split('\n')) {
    const m = MMIO.exec(line);
    if (!m) { out.push(line); continue; }
    if (m[2] === 'unsatisfied-read') continue; // its `read` line (same thread) carries the access
    const val = BigInt('0x' + m[4]);
    const gpa = BigInt('0x' + m[3]);
    const half = (g, v) => line.slice(0, m.index) + `${m[1]}${m[2]} len 4 gpa 0x${g.toString(16)} val 0x${v.toString(16)}` + line.slice(m.index + m[0].length);
    out.push(half(gpa, val & 0xffffffffn), half(gpa + 4n, val >> 32n));
  }
  return out.join('\n');
}

/** Per model: what a replay decided, without the trace's name or duration. */
function decided(file, start) {
  return replayTrace(file, { models: modelNames(), start }).results.map((r) => ({ model: r.model, events: r.events, fields: r.fields, xen: r.xen_side }));
}

test('per guest, the replay of the host trace equals the replay of that VM\'s own QEMU log, for every model and both starts', { skip }, () => {
  let compared = 0;
  for (const dir of RECORDINGS) {
    const guests = vms(dir);
    const ftrace = first(dir, 'ftrace.txt');
    const perf = first(dir, 'perf-script-pid.txt');
    for (const [label, src] of [['ftrace', ftrace], ['perf', perf]]) {
      if (!src) continue;
      const halves = path.join(tmp, `${path.basename(dir)}-${label}-halves.txt`);
      fs.writeFileSync(halves, qemuHalves(read(src)));
      // one geometry for every VM (identical VMs), and each VM's own
      const all = path.join(tmp, `${path.basename(dir)}-${label}.msixtrace`);
      ok(['capture', halves, '--mtree', guests[0].mtree, '-o', all]);
      const own = path.join(tmp, `${path.basename(dir)}-${label}-own.msixtrace`);
      ok(['capture', halves, ...guests.flatMap((g) => ['--mtree', `${g.pid}=${g.mtree}`]), '-o', own]);
      for (const g of guests) {
        const q = path.join(tmp, `${path.basename(dir)}-${g.name}-qemu.msixtrace`);
        ok(['capture', g.qemuLog, '--mtree', g.mtree, '--guest', String(g.pid), '-o', q]);
        const h = path.join(tmp, `${path.basename(dir)}-${g.name}-${label}.msixtrace`);
        const r = ok(['capture', halves, '--mtree', `${g.pid}=${g.mtree}`, '--guest', String(g.pid), '-o', h]);
        if (guests.length > 1) assert.match(r.err, new RegExp(`--guest ${g.pid}: kept that VM only`));
        for (const start of ['cold', 'warm']) {
          const want = decided(q, start);
          assert.deepEqual(decided(h, start), want, `${dir} ${label} ${g.name} ${start}`);
          // the multi-VM trace, per guest: each guest's row is that VM's totals
          for (const file of [all, own]) {
            const by = replayTrace(file, { models: modelNames(), start, by: 'guest' });
            by.results.forEach((m, i) => {
              const row = m.by.groups.find((x) => x.key === String(g.pid));
              const t = want[i].fields;
              const sum = (dir2, k) => Object.values(t).reduce((a, f) => a + (f[dir2][k] ?? 0), 0);
              assert.deepEqual(row.read, { absorbed: sum('read', 'absorbed'), forwarded: sum('read', 'forwarded') }, `${file} ${m.model} ${start} ${g.pid}`);
              assert.equal(row.write.forwarded, sum('write', 'forwarded'), `${file} ${m.model} ${start} ${g.pid}`);
            });
          }
          compared++;
        }
      }
    }
  }
  assert.ok(compared >= 6, `${compared} comparisons`);
});

test('the host trace keeps the guest\'s 8-byte accesses whole: one access where QEMU\'s log shows two', { skip }, () => {
  const dir = RECORDINGS.find((d) => vms(d).length > 1) ?? RECORDINGS[0];
  const g = vms(dir)[0];
  const h = path.join(tmp, 'whole-qwords.msixtrace');
  ok(['capture', first(dir, 'ftrace.txt'), '--mtree', g.mtree, '--guest', String(g.pid), '-o', h]);
  const q = path.join(tmp, 'qemu-halves.msixtrace');
  ok(['capture', g.qemuLog, '--mtree', g.mtree, '-o', q]);
  const events = (f) => ok(['dump', f]).out.trim().split('\n').map((l) => JSON.parse(l));
  const host = events(h);
  const qemu = events(q);
  const qwords = host.filter((e) => e.size === 8).length;
  assert.ok(qwords > 0);
  assert.equal(qemu.length, host.length + qwords);
  assert.equal(qemu.filter((e) => e.size === 8).length, 0);
});

/** Dumped events as CSV rows without ts_ns, and the ts_ns column alone. */
function eventsOf(file) {
  const rows = ok(['dump', file, '--format', 'csv']).out.trim().split('\n');
  const cols = rows[0].split(',');
  const t = cols.indexOf('ts_ns');
  const body = rows.slice(1).map((r) => r.split(','));
  return { rest: body.map((r) => r.filter((_, i) => i !== t).join(',')), ts: body.map((r) => Number(r[t])) };
}

const have = (cmd) => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;

test('trace.dat and perf.data give the events of their text forms', { skip }, () => {
  let checked = 0;
  for (const dir of RECORDINGS) {
    const geo = ['--mtree', vms(dir)[0].mtree];
    const pairs = [['trace.dat', first(dir, 'trace-cmd-report.txt')], ['perf.data', first(dir, 'perf-script-pid.txt')]];
    for (const [bin, text] of pairs) {
      if (!fs.existsSync(path.join(dir, bin)) || !text) continue;
      const b = path.join(tmp, `${path.basename(dir)}-${bin}.msixtrace`);
      const r = runCliSync(['capture', path.join(dir, bin), ...geo, '-o', b]);
      if (r.code !== 0 && /built without libtracecmd|perf is not installed/.test(r.err)) {
        // trace.dat needs libtracecmd at build time, perf.data the perf tool (README, Setup)
        console.log(`# skipped ${bin}: ${r.err.trim()}`);
        continue;
      }
      assert.equal(r.code, 0, r.err);
      const t = path.join(tmp, `${path.basename(dir)}-${bin}-text.msixtrace`);
      ok(['capture', text, ...geo, '-o', t]);
      const x = eventsOf(b);
      const y = eventsOf(t);
      // the same accesses in the same order; the text reports print microseconds, the binaries keep ns
      assert.deepEqual(x.rest, y.rest, `${dir} ${bin}`);
      x.ts.forEach((ts, i) => assert.ok(Math.abs(ts - y.ts[i]) < 1000, `${dir} ${bin} event ${i}: ${ts} vs ${y.ts[i]}`));
      checked++;
    }
  }
  assert.ok(checked >= 1);
});

test('trace.dat equals `trace-cmd report -t` and perf.data equals `perf script -F comm,pid,tid,cpu,time,event,trace --ns`, byte for byte', { skip }, (t) => {
  const tools = { 'trace.dat': have('trace-cmd'), 'perf.data': have('perf') };
  if (!tools['trace.dat'] && !tools['perf.data']) return t.skip('neither trace-cmd nor perf is installed');
  for (const dir of RECORDINGS) {
    const geo = ['--mtree', vms(dir)[0].mtree];
    for (const bin of ['trace.dat', 'perf.data']) {
      const file = path.join(dir, bin);
      if (!tools[bin] || !fs.existsSync(file)) continue;
      const text = path.join(tmp, `${path.basename(dir)}-${bin}.txt`);
      const cmd = bin === 'trace.dat' ? ['trace-cmd', ['report', '-t', '-i', file]] : ['perf', ['script', '-F', 'comm,pid,tid,cpu,time,event,trace', '--ns', '--show-lost-events', '-i', file]];
      const out = spawnSync(cmd[0], cmd[1], { maxBuffer: 256 << 20 });
      assert.equal(out.status, 0, String(out.stderr));
      fs.writeFileSync(text, out.stdout);
      const a = path.join(tmp, `${path.basename(dir)}-${bin}-direct.msixtrace`);
      const b = path.join(tmp, `${path.basename(dir)}-${bin}-viatext.msixtrace`);
      const r = runCliSync(['capture', file, ...geo, '-o', a]);
      if (r.code !== 0 && /built without libtracecmd/.test(r.err)) continue;
      assert.equal(r.code, 0, r.err);
      ok(['capture', text, ...geo, '-o', b]);
      assert.equal(ok(['dump', a, '--format', 'csv']).out, ok(['dump', b, '--format', 'csv']).out, `${dir} ${bin}`);
    }
  }
});

test('without perf or libtracecmd: one line naming what to install or the command that converts the file', { skip }, () => {
  const dir = RECORDINGS.find((d) => fs.existsSync(path.join(d, 'perf.data')) && fs.existsSync(path.join(d, 'trace.dat')));
  if (!dir) return;
  const geo = ['--mtree', vms(dir)[0].mtree];
  const noPerf = runCliSync(['capture', path.join(dir, 'perf.data'), ...geo, '-o', path.join(tmp, 'np.msixtrace')], { env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(noPerf.code, 2);
  assert.match(noPerf.err, /^msixtrace: .*perf\.data: a perf\.data file, and perf is not installed: install perf \(Debian: linux-perf\), or convert it where perf is: perf script -F comm,pid,tid,cpu,time,event,trace --ns --show-lost-events -i .*perf\.data > perf\.txt\n$/);
  const noLib = runCliSync(['capture', path.join(dir, 'trace.dat'), ...geo, '-o', path.join(tmp, 'nl.msixtrace')], { env: { ...process.env, MSIXTRACE_TRACEDAT_LIB: path.join(tmp, 'missing.so') } });
  assert.equal(noLib.code, 2);
  assert.match(noLib.err, /^msixtrace: .*trace\.dat: a trace-cmd trace\.dat file; this msixtrace was built without libtracecmd: install libtracecmd-dev and libtraceevent-dev and run `npm rebuild`, or convert the file: trace-cmd report -t -i .*trace\.dat > .*trace\.dat\.txt\n$/);
});
