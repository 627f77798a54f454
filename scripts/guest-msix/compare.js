#!/usr/bin/env node
// Agreement check of one scripts/record-kvm.sh recording: for each VM, the MSI-X table/PBA accesses
// each host tracer saw (kvm:kvm_mmio from ftrace, perf script, trace-cmd report) against QEMU's own
// memory_region_ops log of the same run, access for access.
//
// kvm_mmio shows a read QEMU serves as an 'unsatisfied-read' (val 0) at the exit and a 'read' with
// the value on the same thread; an 8-byte access is one kvm_mmio line but two 4-byte lines in QEMU's
// log (the MSI-X regions implement at most 4 bytes). Both sides are brought to 4-byte QEMU accesses.
// Prints a table and exits 1 when any tracer disagrees with QEMU.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const dir = process.argv[2];
if (!dir) { process.stderr.write('usage: compare.js RECORDING-DIR\n'); process.exit(2); }

function text(name) {
	const p = path.join(dir, name);
	if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8');
	if (fs.existsSync(p + '.gz')) return zlib.gunzipSync(fs.readFileSync(p + '.gz')).toString('utf8');
	return null;
}

const vms = [];
for (let i = 1; fs.existsSync(path.join(dir, `mtree-vm${i}.txt`)); i++) {
	const ranges = [];
	for (const m of text(`mtree-vm${i}.txt`).matchAll(/^\s*([0-9a-f]+)-([0-9a-f]+) \([^)]*\): (msix-table|msix-pba)/gm)) {
		const lo = BigInt('0x' + m[1]), hi = BigInt('0x' + m[2]);
		if (!ranges.some((r) => r.lo === lo)) ranges.push({ lo, hi, name: m[3] });
	}
	const tids = JSON.parse(text(`cpus-vm${i}.json`)).map((c) => c['thread-id']);
	vms.push({ name: `vm${i}`, pid: Number(text(`pid-vm${i}.txt`)), tids, ranges });
}
const inRanges = (vm, gpa) => vm.ranges.some((r) => gpa >= r.lo && gpa <= r.hi);

// QEMU's log: "tid@sec.usec:memory_region_ops_read cpu 0 mr 0x.. addr 0x.. value 0x.. size 4 name 'msix-table'"
function qemuAccesses(vm) {
	const out = [];
	for (const m of text(`qemu-msix-${vm.name}.log`).matchAll(/memory_region_ops_(read|write) cpu \d+ mr \S+ addr 0x([0-9a-f]+) value 0x([0-9a-f]+) size (\d+)/g))
		out.push(`${m[1]} ${m[2]} ${BigInt('0x' + m[3]).toString(16)} ${m[4]}`);
	return out;
}

// One kvm_mmio line → { tid, tgid?, type, len, gpa, val }.
const MMIO = /mmio (unsatisfied-read|read|write) len (\d+) gpa 0x([0-9a-f]+) val 0x([0-9a-f]+)/;
const sources = {
	'ftrace (record-tgid)': { file: 'ftrace.txt', who: /-(\d+)\s+\(\s*(\d+)\)\s+\[\d+\]/, tgid: 2, tid: 1 },
	'perf script': { file: 'perf-script.txt', who: /\s(\d+)\s+\[\d+\]\s+[\d.]+:\s+kvm:kvm_mmio:/, tid: 1 },
	'perf script -F pid,tid': { file: 'perf-script-pid.txt', who: /\s(\d+)\/(\d+)\s+\[\d+\]/, tgid: 1, tid: 2 },
	'trace-cmd report': { file: 'trace-cmd-report.txt', who: /-(\d+)\s+\[\d+\]/, tid: 1 },
};

function tracerAccesses(src, vm) {
	const t = text(src.file);
	if (t === null) return null;
	const out = [];
	const pending = new Map();   // tid → gpa of an unsatisfied-read waiting for its read
	let unpaired = 0;
	for (const line of t.split('\n')) {
		const m = MMIO.exec(line);
		if (!m) continue;
		const w = src.who.exec(line);
		if (!w) continue;
		const tid = Number(w[src.tid]);
		const mine = src.tgid ? Number(w[src.tgid]) === vm.pid : vm.tids.includes(tid);
		const gpa = BigInt('0x' + m[3]);
		if (!mine || !inRanges(vm, gpa)) continue;
		const [type, len, val] = [m[1], Number(m[2]), BigInt('0x' + m[4])];
		if (type === 'unsatisfied-read') { if (pending.has(tid)) unpaired++; pending.set(tid, gpa); continue; }
		if (type === 'read') { if (pending.get(tid) !== gpa) unpaired++; pending.delete(tid); }
		const op = type === 'read' ? 'read' : 'write';
		for (let k = 0; k < len / 4; k++)
			out.push(`${op} ${(gpa + BigInt(4 * k)).toString(16)} ${((val >> BigInt(32 * k)) & 0xffffffffn).toString(16)} 4`);
	}
	return { out, unpaired: unpaired + pending.size };
}

let bad = 0;
const rows = [['vm', 'qemu pid', 'source', 'accesses', 'reads', 'writes', 'equal to QEMU log']];
for (const vm of vms) {
	const q = qemuAccesses(vm);
	const count = (a, op) => a.filter((x) => x.startsWith(op)).length;
	rows.push([vm.name, String(vm.pid), 'QEMU memory_region_ops', String(q.length), String(count(q, 'read')), String(count(q, 'write')), '-']);
	for (const [name, src] of Object.entries(sources)) {
		const r = tracerAccesses(src, vm);
		if (!r) continue;
		const same = r.out.length === q.length && r.out.every((x, k) => x === q[k]) && r.unpaired === 0;
		if (!same) bad++;
		rows.push([vm.name, String(vm.pid), name, String(r.out.length), String(count(r.out, 'read')), String(count(r.out, 'write')),
			same ? 'yes' : `NO${r.unpaired ? ` (${r.unpaired} unpaired reads)` : ''}`]);
	}
}
const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) process.stdout.write(r.map((x, c) => x.padEnd(w[c])).join('  ').trimEnd() + '\n');
process.exit(bad ? 1 : 0);
