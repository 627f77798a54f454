#!/usr/bin/env node
// `npm start`: the main job on a bundled real recording — capture the QEMU log with the guest's
// lspci, then replay it through every model and print the comparison table.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const recording = process.argv[2] || path.join(root, 'traces', 'qemu-7.2-linux-6.1-virtio-net-affinity');
const bin = path.join(root, 'bin', 'msixtrace.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msixtrace-start-'));

function msixtrace(args) {
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', cwd: tmp });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(r.status === null ? 1 : r.status);
  }
}

const rel = path.relative(process.cwd(), recording) || '.';
process.stdout.write(`$ msixtrace capture ${rel}/trace-msix.log --lspci ${rel}/lspci-vv.txt -o trace.msixtrace\n`);
msixtrace(['capture', path.join(recording, 'trace-msix.log'), '--lspci', path.join(recording, 'lspci-vv.txt'), '-o', 'trace.msixtrace']);
process.stdout.write(`\n$ msixtrace replay trace.msixtrace -m all --cost default\n`);
msixtrace(['replay', 'trace.msixtrace', '-m', 'all', '--cost', 'default']);
fs.rmSync(tmp, { recursive: true, force: true });
