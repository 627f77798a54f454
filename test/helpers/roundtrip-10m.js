// Child process for the 10 M event round trip: writes a trace file of generated events, reads it
// back checking every value, and prints its own peak RSS (so the test measures this process only).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { TraceWriter } = require('../../dist/tracefile/writer.js');
const { TraceReader } = require('../../dist/tracefile/reader.js');
const { device } = require('../../dist/tracefile/schema.js');

const N = Number(process.argv[2] || 10_000_000);
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'msx-10m-')), 'big.msixtrace');

// A deterministic generator both sides can recompute: guests, vcpus, devices, all sizes/dirs, PBA,
// and 64-bit values with the top bit set.
function gen(i, out) {
  const x = Math.imul(i, 2654435761) >>> 0;
  out.ts = i * 37 + (x & 7);
  out.guest = 1000 + (i % 3);
  out.vcpu = (x >>> 3) % 5 - 1;
  out.device = i % 2;
  out.region = (x >>> 9) % 17 === 0 ? 1 : 0;
  out.offset = (x >>> 11) % 80;
  out.size = [1, 2, 4, 8][(x >>> 17) & 3];
  out.dir = (x >>> 19) & 1;
  out.lo = (x ^ 0xfee00000) >>> 0;
  out.hi = (i & 1023) === 0 ? 0xffffffff : (x >>> 24) & 1;
}

const devs = [device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 5, pbaGpa: 0xfebc2000n }),
  device({ index: 1, tableGpa: 0x800000000n, tableEntries: 64, pbaGpa: null })];
const w = new TraceWriter(file, { sourceFormat: 'test', devices: devs });
const e = {};
for (let i = 0; i < N; i++) {
  gen(i, e);
  w.push(e.ts, e.guest, e.vcpu, e.device, e.region, e.offset, e.size, e.dir, e.lo, e.hi);
}
w.finish();
const bytes = fs.statSync(file).size;

const r = new TraceReader(file);
let i = 0;
let bad = 0;
for (const b of r.batches()) {
  for (let k = 0; k < b.n; k++, i++) {
    gen(i, e);
    if (b.ts[k] !== e.ts || b.guest[k] !== e.guest || b.vcpu[k] !== e.vcpu || b.device[k] !== e.device ||
        b.region[k] !== e.region || b.offset[k] !== e.offset || b.size[k] !== e.size || b.dir[k] !== e.dir ||
        b.valueLo[k] !== e.lo || b.valueHi[k] !== e.hi) bad++;
  }
}
fs.rmSync(path.dirname(file), { recursive: true });
// Peak RSS of this process: VmHWM where there is /proc (getrusage's maxRSS survives exec on Linux, so
// it reports the parent's peak at fork time when that is larger: the test runner after other tests).
function peakRssKb() {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS;
}
process.stdout.write(JSON.stringify({ events: i, bad, bytes, footer: r.footer.events, maxRssKb: peakRssKb() }) + '\n');
