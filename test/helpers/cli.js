// Runs the msixtrace CLI in a child process and collects its exit code, stdout and stderr.
const path = require('path');
const { spawn } = require('child_process');

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'msixtrace');

function runCli(args, { input, cwd } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

module.exports = { BIN, runCli };
