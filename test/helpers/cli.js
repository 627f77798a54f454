// Runs the msixtrace CLI in a child process and collects its exit code, stdout and stderr.
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'msixtrace.js');
// As bin/msixtrace starts node: without it a loaded test machine can hang at exit (nodejs/node#54918).
const NODE_FLAGS = ['--no-concurrent-recompilation'];

function runCli(args, { input, cwd } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** The same, synchronously; input may be a string or Buffer for stdin. */
function runCliSync(args, { input, cwd, env } = {}) {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { input, cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

module.exports = { BIN, NODE_FLAGS, runCli, runCliSync };
