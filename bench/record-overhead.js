#!/usr/bin/env node
// Overhead of `msixtrace record` on a guest's MSI-X traffic: the bare-metal guest of
// scripts/guest-msix runs an MSI-X storm (mask / retarget / unmask rounds on e1000e, virtio-net and
// nvme) under KVM, once with nobody tracing and once with `record` following it, alternating, on
// VMs booted together (same host load). The figure is the ratio of the storm's wall time (NMI to
// VM exit) with and without record, and the CPU record itself used per second of recording.
// Needs root, /dev/kvm, tracefs and qemu-system-x86_64. Usage: node bench/record-overhead.js [ROUNDS] [PAIRS]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const GUEST = path.join(ROOT, 'scripts', 'guest-msix');
const ROUNDS = Number(process.argv[2] ?? 400);
const PAIRS = Number(process.argv[3] ?? 2);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-record-bench-'));
const kids = [];
process.on('exit', () => {
  for (const k of kids) try { k.kill('SIGKILL'); } catch { /* gone */ }
  fs.rmSync(tmp, { recursive: true, force: true });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function boot(name) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'nvme.img'), Buffer.alloc(1 << 20));
  const proc = spawn('qemu-system-x86_64', ['-enable-kvm', '-nodefaults', '-display', 'none', '-m', '64',
    '-kernel', path.join(GUEST, 'guest.elf'), '-append', `rounds=${ROUNDS} vectors=3`,
    '-qmp', `unix:${dir}/qmp.sock,server=on,wait=off`,
    '-chardev', `file,id=dbg,path=${dir}/debugcon.log`, '-device', 'isa-debugcon,iobase=0xe9,chardev=dbg',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-netdev', 'user,id=n0,restrict=on', '-device', 'e1000e,netdev=n0,addr=02.0',
    '-netdev', 'user,id=n1,restrict=on', '-device', 'virtio-net-pci,netdev=n1,addr=03.0',
    '-drive', `file=${dir}/nvme.img,if=none,format=raw,id=d0`, '-device', 'nvme,drive=d0,serial=b,addr=04.0'], { stdio: 'ignore' });
  kids.push(proc);
  return { dir, proc, sock: `${dir}/qmp.sock`, done: new Promise((r) => proc.on('exit', r)) };
}

async function ready(vm) {
  while (!(fs.existsSync(`${vm.dir}/debugcon.log`) && fs.readFileSync(`${vm.dir}/debugcon.log`, 'utf8').includes('ready'))) await sleep(100);
}

function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;   // utime + stime, in clock ticks of 1/100 s
}

// mode: 'none' (nobody traces), 'record' (msixtrace record follows the VM), 'tracepoint' (a bare
// tracefs instance with kvm:kvm_mmio on and nobody reading: the kernel's share of the cost).
async function storm(vm, mode) {
  const withRecord = mode === 'record';
  let rec = null;
  const bare = '/sys/kernel/tracing/instances/msixtrace-bench-tracepoint';
  if (mode === 'tracepoint') {
    fs.mkdirSync(bare);
    fs.writeFileSync(`${bare}/events/kvm/kvm_mmio/enable`, '1');
  }
  if (withRecord) {
    rec = spawn(process.execPath, [path.join(ROOT, 'bin', 'msixtrace.js'), 'record', '--qmp', vm.sock, '-o', `${vm.dir}/t.msixtrace`], { stdio: ['ignore', 'ignore', 'pipe'] });
    kids.push(rec);
    let err = '';
    rec.stderr.on('data', (d) => { err += d; });
    rec.done = new Promise((r) => rec.on('exit', r));
    rec.err = () => err;
    const inst = `/sys/kernel/tracing/instances/msixtrace-${rec.pid}/events/kvm/kvm_mmio/enable`;
    while (!(fs.existsSync(inst) && fs.readFileSync(inst, 'utf8').trim() === '1')) await sleep(50);
  }
  const cpu0 = rec ? cpuSeconds(rec.pid) : 0;
  const t0 = process.hrtime.bigint();
  if (spawnSync(process.execPath, [path.join(GUEST, 'qmp.js'), '--nmi', vm.sock]).status !== 0) throw new Error('inject-nmi failed');
  const code = await vm.done;
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (mode === 'tracepoint') fs.rmdirSync(bare);
  if (code !== 33) throw new Error(`guest ended with ${code}`);
  let cpu = 0;
  let events = 0;
  if (rec) {
    cpu = cpuSeconds(rec.pid) - cpu0;
    await rec.done;
    events = Number(/: (\d+) accesses written/.exec(rec.err())?.[1] ?? 0);
  }
  return { wall, cpu, events };
}

(async () => {
  if (spawnSync('make', ['-s', '-C', GUEST, 'guest.elf']).status !== 0) throw new Error('cannot build the guest');
  const vms = [];
  const MODES = ['none', 'record', 'tracepoint'];
  for (let i = 0; i < MODES.length * PAIRS; i++) vms.push(boot(`vm${i}`));
  await Promise.all(vms.map(ready));
  const rows = [];
  for (let i = 0; i < MODES.length * PAIRS; i++) {
    // Rotate the order each round so no mode always runs first.
    const mode = MODES[(i + Math.floor(i / MODES.length)) % MODES.length];
    const r = await storm(vms[i], mode);
    rows.push({ withRecord: mode === 'record', mode, ...r });
    process.stderr.write(`${mode.padEnd(10)} ${r.wall.toFixed(3)} s${mode === 'record' ? `, record CPU ${r.cpu.toFixed(2)} s, ${r.events} accesses` : ''}\n`);
  }
  const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const off = med(rows.filter((r) => r.mode === 'none').map((r) => r.wall));
  const tp = med(rows.filter((r) => r.mode === 'tracepoint').map((r) => r.wall));
  const on = rows.filter((r) => r.withRecord);
  const onWall = med(on.map((r) => r.wall));
  const events = on[0].events;
  const cpuShare = on.reduce((a, r) => a + r.cpu, 0) / on.reduce((a, r) => a + r.wall, 0);
  console.log(`| guest MSI-X storm without record | ${off.toFixed(3)} s | ${(events / off).toFixed(0)} accesses/s | ${ROUNDS} rounds, ${events} accesses, median of ${PAIRS} |`);
  console.log(`| guest MSI-X storm with record | ${onWall.toFixed(3)} s | ${(events / onWall).toFixed(0)} accesses/s | median of ${PAIRS} |`);
  console.log(`| storm time with / without record | ${(onWall / off).toFixed(3)} x | target <= 1.05 | ${onWall / off <= 1.05 ? 'pass' : 'fail'} |`);
  console.log(`| storm time with only kvm:kvm_mmio enabled (no reader) / without | ${(tp / off).toFixed(3)} x | | | the kernel's share |`);
  console.log(`| record's own CPU while recording | ${(cpuShare * 100).toFixed(1)} % of one core | target well under one core | |`);
})().catch((e) => { console.error(e.message); process.exit(1); });
