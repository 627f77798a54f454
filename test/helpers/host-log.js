// The kvm_mmio lines a host tracer prints for the accesses of a real QEMU log (test/capture-host.test.js).
const fs = require('fs');

const QEMU_LINE = /^(\d+)@(\d+)\.(\d+):memory_region_ops_(read|write) cpu (\d+) mr \S+ addr 0x([0-9a-f]+) value 0x([0-9a-f]+) size (\d+)/;

/**
 * kvm_mmio lines of several VMs running the same QEMU log, as ftrace prints them (tgid: with
 * record-tgid) or perf script (pidTid: pid/tid, else the default tid only). VM k's accesses are
 * shifted by k * 300 us, so the VMs interleave; VM k starts at line from[k] of the log.
 */
function hostLog(qemuLog, tgids, style, from = [0]) {
  const lines = [];
  tgids.forEach((tgid, k) => {
    for (const l of fs.readFileSync(qemuLog, 'utf8').split('\n').slice(from[k] ?? 0)) {
      const m = QEMU_LINE.exec(l);
      if (!m) continue;
      const t = (Number(m[2]) % 100000) + Number(m[3]) / 1e6 + k * 0.0003;
      const cpu = Number(m[5]);
      const tid = tgid + 3 + cpu;
      const comm = `CPU ${cpu}/KVM`;
      const line = (ts, kind, val) => {
        const when = ts.toFixed(6);
        if (style === 'ftrace-tgid') return `${comm.padStart(16)}-${String(tid).padEnd(7)} (${String(tgid).padStart(7)}) [${String(cpu).padStart(3, '0')}] ..... ${when.padStart(12)}: kvm_mmio: mmio ${kind} len ${m[8]} gpa 0x${m[6]} val 0x${val}`;
        if (style === 'ftrace') return `${comm.padStart(16)}-${String(tid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ..... ${when.padStart(12)}: kvm_mmio: mmio ${kind} len ${m[8]} gpa 0x${m[6]} val 0x${val}`;
        const ids = style === 'perf-pid' ? `${tgid}/${tid}` : String(tid);
        return `${comm.padStart(16)} ${ids.padStart(7)} [${String(cpu).padStart(3, '0')}] ${when.padStart(12)}: kvm:kvm_mmio: mmio ${kind} len ${m[8]} gpa 0x${m[6]} val 0x${val}`;
      };
      if (m[4] === 'read') {
        lines.push([t, line(t, 'unsatisfied-read', '0')]);
        lines.push([t + 0.0000005, line(t + 0.0000005, 'read', m[7])]);
      } else {
        lines.push([t, line(t, 'write', m[7])]);
      }
    }
  });
  lines.sort((a, b) => a[0] - b[0]);
  const head = style.startsWith('ftrace') ? '# tracer: nop\n' : '';
  return head + lines.map((x) => x[1]).join('\n') + '\n';
}

module.exports = { hostLog };
